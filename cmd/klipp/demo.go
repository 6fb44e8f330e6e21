package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/demo"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
)

type demoResult struct {
	Dir         string            `json:"dir"`
	Config      string            `json:"config"`
	GroundTruth string            `json:"ground_truth"`
	Seconds     float64           `json:"generation_s"`
	Index       []*footage.Report `json:"index"`
}

func (a *cli) demoCommand() *cobra.Command {
	var dir string
	var length time.Duration
	cmd := &cobra.Command{
		Use:   "demo [--dir D]",
		Short: "Write a self-contained demo site (config, cameras, synthetic recordings, ground truth) and index it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if length < time.Minute || length%time.Minute != 0 {
				return fault.Usagef("--length must be whole minutes, at least 1m")
			}
			abs, err := filepath.Abs(dir)
			if err != nil {
				return fault.Usagef("--dir: %w", err)
			}
			if err := os.MkdirAll(abs, 0o755); err != nil {
				return fault.Usagef("--dir %s: %v", dir, err)
			}
			start := time.Now()
			update, finish := a.progress("generate demo footage")
			_, err = demo.Generate(cmd.Context(), demo.Options{Dir: abs, Length: length, Progress: update})
			finish()
			if err != nil {
				return err
			}
			elapsed := time.Since(start)
			// The demo site has its own config; index with it.
			a.configFile, a.cfg = filepath.Join(abs, "klipp.yaml"), nil
			if a.svc != nil {
				a.svc.Close()
				a.svc = nil
			}
			reports, err := a.index(cmd.Context(), "")
			if err != nil {
				return err
			}
			res := demoResult{Dir: abs, Config: a.configFile, GroundTruth: filepath.Join(abs, "ground-truth.json"), Seconds: elapsed.Seconds(), Index: reports}
			return a.emit(res, func(w io.Writer) {
				fmt.Fprintf(w, "demo site written to %s in %s\n\n", abs, elapsed.Round(time.Second))
				printIndexReports(w, reports)
				fmt.Fprintf(w, "\nground truth: %s\ntry:\n", res.GroundTruth)
				cfg := "--config " + relPath(res.Config)
				fmt.Fprintf(w, "  klipp %s cameras list\n", cfg)
				fmt.Fprintf(w, "  klipp %s cameras near lilla-torg --at \"2026-11-20 22:06:00\" --speed walk\n", cfg)
				fmt.Fprintf(w, "  klipp %s coverage --camera lilla-torg --from \"2026-11-20 22:10\" --to \"2026-11-20 22:20\"\n", cfg)
			})
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "demo", "directory for the demo site")
	cmd.Flags().DurationVar(&length, "length", 20*time.Minute, "length of the recordings")
	return cmd
}

func relPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, p); err == nil && len(r) < len(p) {
			return r
		}
	}
	return p
}
