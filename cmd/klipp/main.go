// Command klipp is the evidence timeline and export toolkit: a terminal UI
// for analysts and a scriptable CLI (design.md §6). This package parses
// commands and prints results; the work is done in internal/.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// version is set by the build (-ldflags "-X main.version=…").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one klipp command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &cli{stdout: stdout, stderr: stderr, now: time.Now}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if a.svc != nil {
		a.svc.Close()
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "klipp: interrupted; nothing was left half-written")
		return 1
	}
	if fault.KindOf(err) == fault.Internal && isUsageError(err) {
		err = fault.Wrap(fault.Usage, err)
	}
	msg := err.Error()
	var fe *fault.FieldError
	if errors.As(err, &fe) {
		msg = "--" + fe.Field + ": " + fe.Message
	}
	fmt.Fprintf(stderr, "klipp: %s\n", oneLine(msg))
	return int(fault.KindOf(err))
}

// isUsageError recognises cobra's own complaints about the command line.
func isUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument", "required flag", "accepts ", "requires at least", "requires at most"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// cli carries what every command shares: global flags, the configuration
// and the service, opened once.
type cli struct {
	stdout, stderr io.Writer
	now            func() time.Time

	configFile string
	jsonOut    bool
	quiet      bool
	timezone   string
	dataDir    string

	cfg *config.Config
	svc *app.Service
}

func (a *cli) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "klipp",
		Short: "Evidence timeline and export toolkit for CCTV footage",
		Long: "klipp turns CCTV recordings into evidence: a camera catalog, an index of recordings in true time,\n" +
			"cuts, stills, annotated timelines, export bundles with a court presentation and a report, and a\n" +
			"write-once archive. With no command on a terminal it opens the terminal UI. Run `klipp demo` to\n" +
			"create a demo site.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// No command: the terminal UI on a terminal, the help otherwise.
			if in, ok := a.stdout.(*os.File); ok && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(os.Stdin.Fd())) {
				return a.runTUI(cmd.Context())
			}
			return cmd.Help()
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return fault.Wrap(fault.Usage, err) })
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "config file (default: $KLIPP_CONFIG, ./klipp.yaml, ~/.config/klipp/klipp.yaml)")
	pf.BoolVar(&a.jsonOut, "json", false, "print one JSON document on stdout")
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "no progress output")
	pf.StringVar(&a.timezone, "timezone", "", "display and input time zone (config: timezone)")
	pf.StringVar(&a.dataDir, "data-dir", "", "index and case store directory (config: data_dir)")
	root.AddCommand(a.demoCommand(), a.camerasCommand(), a.indexCommand(), a.coverageCommand(), a.probeCommand(), a.stillCommand(), a.cutCommand(), a.caseCommand(), a.timelineCommand(), a.exportCommand(), a.statsCommand(), a.archiveCommand(), a.retentionCommand(), a.ingestCommand(), a.tuiCommand(), a.verifyCommand(), a.viewerCommand(), a.bulletinCommand(), a.auditCommand(), a.configCommand(), a.usersCommand(), a.requestCommand(), a.workerCommand(), a.jobsCommand(), a.activityCommand(), a.sheetCommand())
	return root
}

// config loads the configuration once.
func (a *cli) config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	file := a.configFile
	if file == "" {
		file = config.Find()
	}
	over := map[string]string{}
	if a.timezone != "" {
		over["timezone"] = a.timezone
	}
	if a.dataDir != "" {
		abs, err := filepath.Abs(a.dataDir)
		if err != nil {
			return nil, fault.Usagef("--data-dir: %w", err)
		}
		over["data_dir"] = abs
	}
	cfg, err := config.Load(file, over)
	if err != nil {
		return nil, err
	}
	a.cfg = cfg
	return cfg, nil
}

// service opens the application service once.
func (a *cli) service(ctx context.Context) (*app.Service, error) {
	if a.svc != nil {
		return a.svc, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	svc, err := app.Open(ctx, cfg, app.Options{Now: a.now, Version: version})
	if err != nil {
		return nil, err
	}
	a.svc = svc
	return svc, nil
}

// cameras loads the camera catalog once.
func (a *cli) cameras() (*catalog.Catalog, error) {
	svc, err := a.service(context.Background())
	if err != nil {
		return nil, err
	}
	return svc.Catalog()
}

// camera looks a camera up in the catalog.
func (a *cli) camera(id string) (*catalog.Camera, error) {
	svc, err := a.service(context.Background())
	if err != nil {
		return nil, err
	}
	return svc.Camera(id)
}

// openStore returns the service's store.
func (a *cli) openStore(ctx context.Context) (*store.Store, error) {
	svc, err := a.service(ctx)
	if err != nil {
		return nil, err
	}
	return svc.Store(), nil
}

// parseTime reads a --from/--to/--at value in the display zone.
func (a *cli) parseTime(flag, value string) (time.Time, error) {
	cfg, err := a.config()
	if err != nil {
		return time.Time{}, err
	}
	return parseTimeIn(flag, value, cfg.Timezone)
}

// parseTimeIn reads a flag's time in a given zone (a camera's, for one).
func parseTimeIn(flag, value string, loc *time.Location) (time.Time, error) {
	if value == "" {
		return time.Time{}, fault.Usagef("--%s is required", flag)
	}
	t, err := clock.ParseTime(value, loc)
	if err != nil {
		return time.Time{}, fault.Usagef("--%s: %v", flag, err)
	}
	return t, nil
}

// show formats an instant in the display zone.
func (a *cli) show(t time.Time) string {
	loc := time.Local
	if a.cfg != nil {
		loc = a.cfg.Timezone
	}
	return clock.FormatDisplay(t, loc)
}
