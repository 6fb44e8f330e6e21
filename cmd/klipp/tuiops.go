package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/retention"
	"github.com/klipp-forensics/klipp/internal/tui"
)

// tuiOps gives the terminal UI the CLI's own operations: changes run the
// very commands a user would type (in-process, so they are validated and
// audited the same way); reads that must be fast (frames, coverage,
// cameras) use the same packages directly.
type tuiOps struct {
	a    *cli
	args []string // global flags for in-process commands
	mu   sync.Mutex
}

var _ tui.Ops = (*tuiOps)(nil)

// invoke runs one klipp command line in-process. Lines it writes to stderr
// go to progress; a failure returns its one-line message.
func (o *tuiOps) invoke(ctx context.Context, progress func(string), args ...string) ([]byte, error) {
	var out bytes.Buffer
	pr, pw := io.Pipe()
	done := make(chan string)
	go func() {
		last := ""
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			last = sc.Text()
			if progress != nil {
				progress(last)
			}
		}
		io.Copy(io.Discard, pr) // a line too long for the scanner must not block the command
		done <- last
	}()
	code := run(ctx, append(append([]string{}, o.args...), args...), &out, pw)
	pw.Close()
	last := <-done
	if code != 0 {
		return nil, errors.New(strings.TrimPrefix(last, "klipp: "))
	}
	return out.Bytes(), nil
}

func (o *tuiOps) invokeJSON(ctx context.Context, v any, args ...string) error {
	out, err := o.invoke(ctx, nil, append([]string{"--json"}, args...)...)
	if err != nil {
		return err
	}
	return json.Unmarshal(out, v)
}

func (o *tuiOps) Cases(ctx context.Context) ([]tui.CaseRow, error) {
	var cases []caseView
	if err := o.invokeJSON(ctx, &cases, "case", "list"); err != nil {
		return nil, err
	}
	expiry := map[string]*time.Time{}
	if windows, err := o.windows(ctx, true); err == nil {
		for _, w := range windows {
			if w.Expires != nil && (expiry[w.Case] == nil || w.Expires.Before(*expiry[w.Case])) {
				e := *w.Expires
				expiry[w.Case] = &e
			}
		}
	}
	rows := make([]tui.CaseRow, 0, len(cases))
	for _, c := range cases {
		rows = append(rows, tui.CaseRow{Number: c.Number, Title: c.Title, Status: c.Status.Label(), From: c.From, To: c.To, Deadline: c.Deadline, Expiry: expiry[c.Number]})
	}
	// Soonest footage expiry first; cases without one after, newest first.
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].Expiry, rows[j].Expiry
		if (a == nil) != (b == nil) {
			return a != nil
		}
		return a != nil && a.Before(*b)
	})
	return rows, nil
}

func (o *tuiOps) windows(ctx context.Context, all bool) ([]retention.Window, error) {
	var res struct{ Windows []retention.Window }
	args := []string{"retention"}
	if all {
		args = append(args, "--all")
	}
	err := o.invokeJSON(ctx, &res, args...)
	return res.Windows, err
}

func (o *tuiOps) CreateCase(ctx context.Context, c tui.NewCase) error {
	args := []string{"case", "new", "--number", strings.TrimSpace(c.Number), "--title", c.Title, "--from", c.From, "--to", c.To}
	for flag, v := range map[string]string{"--crime": c.Crime, "--place": c.Place, "--position": c.Position, "--requested-by": c.RequestedBy,
		"--request": c.Request, "--suspect": c.Suspect, "--deadline": c.Deadline} {
		if strings.TrimSpace(v) != "" {
			args = append(args, flag, v)
		}
	}
	_, err := o.invoke(ctx, nil, args...)
	return err
}

func (o *tuiOps) Case(ctx context.Context, number string) (tui.CaseDetail, error) {
	var c caseView
	if err := o.invokeJSON(ctx, &c, "case", "show", number); err != nil {
		return tui.CaseDetail{}, err
	}
	var entries []entryView
	if err := o.invokeJSON(ctx, &entries, "timeline", "list", number); err != nil {
		return tui.CaseDetail{}, err
	}
	d := tui.CaseDetail{CaseRow: tui.CaseRow{Number: c.Number, Title: c.Title, Status: c.Status.Label(), From: c.From, To: c.To, Deadline: c.Deadline},
		Crime: c.Crime, Place: c.Place, RequestedBy: c.RequestedBy, Request: c.Request, Suspect: c.Suspect}
	for _, e := range entries {
		d.Entries = append(d.Entries, tui.Entry{ID: e.ID, Number: e.Number, At: e.At, From: e.From, To: e.To, Camera: e.Camera, CameraName: e.CameraName,
			Text: e.Text, Tags: e.Tags, Stills: max(1, len(e.Stills))})
	}
	if db, err := o.a.openStore(ctx); err == nil {
		if exports, err := db.Exports(ctx, number); err == nil {
			for _, e := range exports {
				d.Bundles = append(d.Bundles, e.ExportID)
			}
		}
		if jobs, err := db.ArchiveJobs(ctx, number); err == nil && len(jobs) > 0 {
			j := jobs[len(jobs)-1]
			d.ArchiveState = j.ExportID + " " + map[string]string{"verified": "archived"}[j.State]
			if j.State != "verified" {
				d.ArchiveState = j.ExportID + " " + j.State
			}
		}
	}
	return d, nil
}

func (o *tuiOps) AddEntry(ctx context.Context, number, camera string, at, from, to time.Time, text string) (string, error) {
	warning := ""
	_, err := o.invoke(ctx, func(line string) {
		if w, ok := strings.CutPrefix(line, "klipp: warning: "); ok {
			warning = w
		}
	}, "timeline", "add", number, "--camera", camera, "--at", at.Format(time.RFC3339Nano),
		"--from", from.Format(time.RFC3339Nano), "--to", to.Format(time.RFC3339Nano), "--text", text)
	return warning, err
}

func (o *tuiOps) EditEntry(ctx context.Context, number string, id int64, text string) error {
	_, err := o.invoke(ctx, nil, "timeline", "edit", number, strconv.FormatInt(id, 10), "--text", text)
	return err
}

func (o *tuiOps) RemoveEntry(ctx context.Context, number string, id int64) error {
	_, err := o.invoke(ctx, nil, "timeline", "rm", number, strconv.FormatInt(id, 10))
	return err
}

func (o *tuiOps) Cameras(ctx context.Context, number, speed string) ([]tui.CameraRow, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	cs, err := o.a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	c, err := cs.GetCase(ctx, number)
	if err != nil {
		return nil, err
	}
	cat, err := o.a.cameras()
	if err != nil {
		return nil, err
	}
	q := catalog.NearQuery{}
	if c.Lat != nil {
		q = catalog.NearQuery{From: catalog.LatLon{Lat: *c.Lat, Lon: *c.Lon}, At: c.From, Speed: catalog.Speeds[catalog.Travel(speed)]}
	}
	near := cat.Near(q)
	if c.Lat == nil {
		// No place: the catalog's order, without distances.
		near = near[:0]
		for _, cam := range cat.Cameras {
			near = append(near, catalog.Near{Camera: cam})
		}
	}
	var rows []tui.CameraRow
	for _, n := range near {
		r := tui.CameraRow{ID: n.Camera.ID, Name: n.Camera.Name, Owner: n.Camera.Owner, Quality: n.Camera.Quality}
		if c.Lat != nil {
			r.Distance = n.Distance
			if n.Window != nil {
				r.From, r.To = n.Window.From, n.Window.To
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// Coverage draws a camera's coverage over [from, to) in cells.
func (o *tuiOps) Coverage(ctx context.Context, camera string, from, to time.Time, cells int) (tui.Strip, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	cam, err := o.a.camera(camera)
	if err != nil {
		return "", err
	}
	st, err := o.a.openStore(ctx)
	if err != nil {
		return "", err
	}
	now := o.a.now()
	cov, err := footage.CoverageOf(ctx, st, cam, from, to, now)
	if err != nil {
		return "", err
	}
	return tui.Strip(stripOf(cov, from, to, cells, now)), nil
}

// stripOf marks each cell by the footage in its span: footage, expiring
// within 14 days, expired, damaged, or a gap.
func stripOf(cov *footage.Coverage, from, to time.Time, cells int, now time.Time) string {
	out := []rune(strings.Repeat(string(tui.CellGap), cells))
	span := to.Sub(from)
	mark := func(a, b time.Time, r rune) {
		i0 := int(float64(a.Sub(from)) / float64(span) * float64(cells))
		i1 := int(float64(b.Sub(from)) / float64(span) * float64(cells))
		for i := max(0, i0); i <= min(cells-1, i1); i++ {
			if out[i] == tui.CellGap || r == tui.CellDamaged {
				out[i] = r
			}
		}
	}
	for _, p := range cov.Segments {
		r := tui.CellFootage
		switch {
		case p.Expired:
			r = tui.CellExpired
		case p.Expires.Sub(now) < 14*24*time.Hour:
			r = tui.CellExpiring
		}
		mark(p.TrueStart, p.TrueEnd, r)
	}
	for _, p := range cov.Damaged {
		mark(p.TrueStart, p.TrueEnd, tui.CellDamaged)
	}
	return string(out)
}

func (o *tuiOps) Frame(ctx context.Context, camera string, at time.Time) (tui.Frame, error) {
	o.mu.Lock()
	cam, err := o.a.camera(camera)
	if err != nil {
		o.mu.Unlock()
		return tui.Frame{}, err
	}
	st, err := o.a.openStore(ctx)
	if err != nil {
		o.mu.Unlock()
		return tui.Frame{}, err
	}
	seg, err := footage.Locate(ctx, st, cam, at, o.a.show)
	o.mu.Unlock()
	if err != nil {
		return tui.Frame{}, err
	}
	stills, err := media.StillsAt(ctx, seg.Path, []time.Duration{at.Sub(seg.TrueStart)})
	if err != nil {
		return tui.Frame{}, err
	}
	s := stills[0]
	return tui.Frame{Image: s.Image, At: seg.TrueStart.Add(s.Offset), CameraClock: seg.CameraStart.Add(s.Offset), ClockVerified: cam.Clock.Verified(),
		FPS: seg.FPS, Source: seg.Path}, nil
}

func (o *tuiOps) Still(ctx context.Context, number, camera string, at time.Time) (string, error) {
	dir := filepath.Join(o.a.cfg.DataDir, "stills", number)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	out := filepath.Join(dir, camera+"-"+at.In(o.a.cfg.Timezone).Format("20060102-150405.000")+".png")
	_, err := o.invoke(ctx, nil, "still", "--camera", camera, "--at", at.Format(time.RFC3339Nano), "-o", out, "--force")
	return out, err
}

func (o *tuiOps) Export(ctx context.Context, number string, progress func(string)) (string, error) {
	out, err := o.invoke(ctx, progress, "--json", "export", number)
	if err != nil {
		return "", err
	}
	var res struct{ Dir string }
	json.Unmarshal(out, &res)
	return res.Dir, nil
}

func (o *tuiOps) Push(ctx context.Context, number string, progress func(string)) (string, error) {
	out, err := o.invoke(ctx, progress, "--json", "archive", "push", number)
	if err != nil {
		return "", err
	}
	var v pushView
	json.Unmarshal(out, &v)
	return fmt.Sprintf("archived %s: %d objects verified in %s", v.Ref, v.Verified, v.Store), nil
}

func (o *tuiOps) Retention(ctx context.Context) ([]tui.RetentionRow, error) {
	windows, err := o.windows(ctx, false)
	if err != nil {
		return nil, err
	}
	var rows []tui.RetentionRow
	for _, w := range windows {
		rows = append(rows, tui.RetentionRow{Case: w.Case, What: w.What, Camera: w.CameraName, State: string(w.State), Expires: w.Expires, Unpreserved: len(w.Unpreserved)})
	}
	return rows, nil
}

func (o *tuiOps) Preserve(ctx context.Context, number string) (string, error) {
	if _, err := o.invoke(ctx, nil, "retention", "--case", number, "--preserve"); err != nil {
		return "", err
	}
	return "preserved the at-risk footage of " + number, nil
}

func (o *tuiOps) Archive(ctx context.Context) ([]tui.ArchiveRow, error) {
	var rows []archiveRow
	if err := o.invokeJSON(ctx, &rows, "archive", "ls"); err != nil {
		return nil, err
	}
	var out []tui.ArchiveRow
	for _, r := range rows {
		out = append(out, tui.ArchiveRow{Ref: r.Ref.String(), State: string(r.State), Error: r.Error, Objects: r.Objects})
	}
	return out, nil
}

func (o *tuiOps) Retry(ctx context.Context) (string, error) {
	if _, err := o.invoke(ctx, nil, "archive", "retry"); err != nil {
		return "", err
	}
	return "queued bundles archived", nil
}

// draftsPath is where text being typed in the UI is kept.
func (o *tuiOps) draftsPath() string { return filepath.Join(o.a.cfg.DataDir, "tui-drafts.json") }

func (o *tuiOps) drafts() map[string][]string {
	d := map[string][]string{}
	if data, err := os.ReadFile(o.draftsPath()); err == nil {
		json.Unmarshal(data, &d)
	}
	return d
}

// SaveDraft writes the drafts file whole, through a temporary name, on
// every change: small, and never half-written.
func (o *tuiOps) SaveDraft(key string, fields []string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	d := o.drafts()
	if fields == nil {
		if _, ok := d[key]; !ok {
			return nil
		}
		delete(d, key)
	} else {
		d[key] = fields
	}
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return atomicfile.Write(o.draftsPath(), data)
}

func (o *tuiOps) Draft(key string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.drafts()[key]
}

// newTUI builds the UI for this app's configuration.
func (a *cli) newTUI(ctx context.Context) (tui.Model, error) {
	cfg, err := a.config()
	if err != nil {
		return tui.Model{}, err
	}
	if _, err := a.openStore(ctx); err != nil {
		return tui.Model{}, err
	}
	// Not --quiet: an export's or a push's progress lines go to the UI.
	var args []string
	if a.configFile != "" {
		args = append(args, "--config", a.configFile)
	}
	if a.timezone != "" {
		args = append(args, "--timezone", a.timezone)
	}
	if a.dataDir != "" {
		args = append(args, "--data-dir", a.dataDir)
	}
	return tui.New(ctx, &tuiOps{a: a, args: args}, cfg.Timezone, a.now).WithGraphics(tui.DetectGraphics(os.Getenv)), nil
}

func (a *cli) tuiCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "tui",
		Short: "The analyst's terminal UI (also: klipp with no command on a terminal)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return a.runTUI(cmd.Context()) },
	}
}

func (a *cli) runTUI(ctx context.Context) error {
	m, err := a.newTUI(ctx)
	if err != nil {
		return err
	}
	_, err = tea.NewProgram(m, tea.WithContext(ctx)).Run()
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
