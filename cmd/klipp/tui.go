package main

import (
	"context"
	"errors"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/tui"
)

func (a *cli) tuiCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "tui",
		Short: "The analyst's terminal UI (also: klipp with no command on a terminal)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return a.runTUI(cmd.Context()) },
	}
}

// newTUI builds the UI over this command line's service.
func (a *cli) newTUI(ctx context.Context) (tui.Model, error) {
	svc, err := a.service(ctx)
	if err != nil {
		return tui.Model{}, err
	}
	return tui.New(ctx, tui.NewServiceOps(svc), svc.Config().Timezone, svc.Now).WithGraphics(tui.DetectGraphics(os.Getenv)).WithSixelLimit(tui.SixelLimit(os.Getenv)).
		WithColour(tui.DetectColour(os.Getenv)), nil
}

func (a *cli) runTUI(ctx context.Context) error {
	m, err := a.newTUI(ctx)
	if err != nil {
		return err
	}
	// 120 frames a second (the most Bubble Tea draws): a frame decoded
	// waits at most 8 ms for the next redraw instead of 17.
	_, err = tea.NewProgram(m, tea.WithContext(ctx), tea.WithFPS(120)).Run()
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
