package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/config"
)

func (a *cli) configCommand() *cobra.Command {
	c := &cobra.Command{Use: "config", Short: "Show the effective configuration"}
	c.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the configuration klipp uses, after file, environment and flags",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			view := map[string]any{
				"file": cfg.File, "timezone": cfg.Timezone.String(), "data_dir": cfg.DataDir, "catalog": cfg.Catalog,
				"analyst": cfg.Analyst, "clip": cfg.Clip, "report": cfg.Report, "presentation": cfg.Presentation,
				"archive": cfg.Archive, "retention_classes": cfg.RetentionClasses, "keys": config.Keys(),
			}
			return a.emit(view, func(w io.Writer) {
				file := cfg.File
				if file == "" {
					file = "(none: defaults)"
				}
				table(w, [][]string{{"file", file}, {"timezone", cfg.Timezone.String()}, {"data_dir", cfg.DataDir}, {"catalog", cfg.Catalog},
					{"analyst", cfg.Analyst}, {"clip", fmt.Sprintf("before %s, after %s, mode %s", cfg.Clip.Before, cfg.Clip.After, cfg.Clip.Mode)},
					{"archive", cfg.Archive.Backend + " " + cfg.Archive.Path}})
			})
		},
	})
	return c
}
