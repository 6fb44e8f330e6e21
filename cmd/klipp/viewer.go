package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
)

func (a *cli) viewerCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "viewer DIR",
		Short: "Write the bundle's offline viewer page (index.html) again: case, timeline, clips, stills, presentation, map, and a check of every file in the browser",
		Long: "Write DIR/index.html from the bundle's own files. Every export writes one; this writes it again, for a\n" +
			"bundle made by an older klipp or whose page was lost. The bundle must verify first (exit 5 if not). The\n" +
			"page is not listed in SHA256SUMS, so the bundle's hashes and signature stay as they were.",
		Args: exactArgs(1, "a bundle directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			res, err := svc.Viewer(cmd.Context(), app.ViewerRequest{Dir: args[0]})
			if err != nil {
				return cliError(err)
			}
			return a.emit(res, func(w io.Writer) {
				fmt.Fprintf(w, "%s: opens from file:// in any browser; it checks %d files against SHA256SUMS once the bundle folder is chosen\n", res.Path, res.Files)
			})
		},
	}
}
