package main

import (
	"fmt"
	"image"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/fault"
)

func (a *cli) bulletinCommand() *cobra.Command {
	var req app.BulletinRequest
	var entries string
	var crops []string
	cmd := &cobra.Command{
		Use:   "bulletin CASE --entries N,… [--text …] [--contact …] [--crop N:X,Y,W,H] -o FILE.pdf",
		Short: "An identification bulletin: one A4 page with the entries' stills, date, place, description, case number and contact",
		Long: "Write a one-page A4 PDF to publish on the police intranet to identify a person: the stills of the chosen\n" +
			"entries (numbers as klipp timeline list shows them), each with its true time and place; the description\n" +
			"(--text, default the case's suspect description); the case number; and whom to contact (--contact, default\n" +
			"the case's requester). --crop N:X,Y,W,H adds an enhanced crop of entry N's still (pixels of the still):\n" +
			"enlarged and contrast-stretched, and marked as enhanced. The stills are written beside the PDF\n" +
			"(FILE-N.png). The bulletin is audited and listed by klipp case show.",
		Args: exactArgs(1, "a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Case = args[0]
			var err error
			if req.Entries, err = parseEntryNumbers(entries); err != nil {
				return err
			}
			if req.Crops, err = parseCrops(crops); err != nil {
				return err
			}
			svc, err := a.service(cmd.Context())
			if err != nil {
				return err
			}
			res, err := svc.Bulletin(cmd.Context(), req)
			if err != nil {
				return cliError(err)
			}
			return a.emit(res, func(w io.Writer) {
				fmt.Fprintf(w, "bulletin %s: case %s, entries %s, %d stills (SHA-256 %s)\n", res.File, res.Case, joinInts(res.Entries), len(res.Stills), res.SHA256)
			})
		},
	}
	cmd.Flags().StringVar(&entries, "entries", "", "the entries to show, by number: 3,5")
	cmd.Flags().StringVar(&req.Text, "text", "", "the description of the person (default: the case's suspect description)")
	cmd.Flags().StringVar(&req.Contact, "contact", "", "whom to contact: name and telephone (default: the case's requester)")
	cmd.Flags().StringArrayVar(&crops, "crop", nil, "an enhanced crop of entry N's still: N:X,Y,W,H in the still's pixels (repeatable)")
	cmd.Flags().StringVarP(&req.Out, "output", "o", "", "the PDF to write")
	cmd.Flags().BoolVar(&req.Force, "force", false, "replace an existing file")
	return cmd
}

// parseEntryNumbers reads "3,5".
func parseEntryNumbers(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fault.Usagef("--entries: required: the numbers of the entries to show, such as 3,5")
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fault.Usagef("--entries: %q is not an entry number (1, 2, …)", strings.TrimSpace(f))
		}
		out = append(out, n)
	}
	return out, nil
}

// parseCrops reads N:X,Y,W,H crops.
func parseCrops(list []string) (map[int]image.Rectangle, error) {
	out := map[int]image.Rectangle{}
	for _, c := range list {
		num, rect, ok := strings.Cut(c, ":")
		n, err := strconv.Atoi(num)
		v := strings.Split(rect, ",")
		if !ok || err != nil || n < 1 || len(v) != 4 {
			return nil, fault.Usagef("--crop %q: want ENTRY:X,Y,W,H, such as 5:200,40,160,240", c)
		}
		var xs [4]int
		for i, f := range v {
			if xs[i], err = strconv.Atoi(strings.TrimSpace(f)); err != nil || xs[i] < 0 {
				return nil, fault.Usagef("--crop %q: %q is not a number of pixels", c, f)
			}
		}
		if _, dup := out[n]; dup {
			return nil, fault.Usagef("--crop: entry %d has two crops", n)
		}
		out[n] = image.Rect(xs[0], xs[1], xs[0]+xs[2], xs[1]+xs[3])
	}
	return out, nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}
