package tui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/jobs"
)

// ServiceOps is Ops over the application service: each method maps the
// UI's values to a service request and the result back, nothing more. The
// service validates, stores and audits exactly as for the CLI.
type ServiceOps struct {
	svc    *app.Service
	drafts *Drafts
	frames *app.FrameBrowser // decoders kept open while stepping (service_frames.go)
}

var _ Ops = (*ServiceOps)(nil)

// NewServiceOps is the UI's operations over svc; drafts are kept in
// <data_dir>/tui-drafts.json.
func NewServiceOps(svc *app.Service) *ServiceOps {
	return &ServiceOps{svc: svc, drafts: NewDrafts(filepath.Join(svc.Config().DataDir, "tui-drafts.json")), frames: svc.FrameBrowser()}
}

func (o *ServiceOps) zone() *time.Location { return o.svc.Config().Timezone }

func (o *ServiceOps) Cases(ctx context.Context) ([]CaseRow, error) {
	cases, err := o.svc.CaseList(ctx, app.CaseListRequest{})
	if err != nil {
		return nil, err
	}
	expiry := map[string]*time.Time{}
	if res, err := o.svc.Retention(ctx, app.RetentionRequest{All: true, Within: app.DefaultRetentionWithin, Radius: app.DefaultRequestRadius}); err == nil {
		for _, w := range res.Windows {
			if w.Expires != nil && (expiry[w.Case] == nil || w.Expires.Before(*expiry[w.Case])) {
				e := *w.Expires
				expiry[w.Case] = &e
			}
		}
	}
	rows := make([]CaseRow, 0, len(cases))
	for _, c := range cases {
		rows = append(rows, CaseRow{Number: c.Number, Title: c.Title, Status: c.Status.Label(), From: c.From, To: c.To, Deadline: c.Deadline, Expiry: expiry[c.Number]})
	}
	sortByExpiry(rows)
	return rows, nil
}

// CreateCase reads the form's text as the CLI reads its flags (times in
// the display zone, LAT,LON); what cannot be read is a field error.
func (o *ServiceOps) CreateCase(ctx context.Context, c NewCase) error {
	req := app.CreateCaseRequest{Number: strings.TrimSpace(c.Number), Title: c.Title, Crime: c.Crime, Place: c.Place,
		RequestedBy: c.RequestedBy, Request: c.Request, Suspect: c.Suspect}
	var err error
	if req.From, err = o.parseTime("from", c.From); err != nil {
		return err
	}
	if req.To, err = o.parseTime("to", c.To); err != nil {
		return err
	}
	if strings.TrimSpace(c.Deadline) != "" {
		d, err := o.parseTime("deadline", c.Deadline)
		if err != nil {
			return err
		}
		req.Deadline = &d
	}
	if strings.TrimSpace(c.Position) != "" {
		p, ok := catalog.ParseLatLon(c.Position)
		if !ok {
			return fault.Fieldf("position", "%q: give LAT,LON in degrees, e.g. 55.6036,13.0021", c.Position)
		}
		req.Position = &p
	}
	_, err = o.svc.CreateCase(ctx, req)
	return err
}

func (o *ServiceOps) parseTime(field, value string) (time.Time, error) {
	if strings.TrimSpace(value) == "" {
		return time.Time{}, fault.Fieldf(field, "required")
	}
	t, err := clock.ParseTime(value, o.zone())
	if err != nil {
		return time.Time{}, fault.Fieldf(field, "%v", err)
	}
	return t, nil
}

func (o *ServiceOps) Case(ctx context.Context, number string) (CaseDetail, error) {
	c, err := o.svc.CaseShow(ctx, number)
	if err != nil {
		return CaseDetail{}, err
	}
	entries, err := o.svc.Entries(ctx, number)
	if err != nil {
		return CaseDetail{}, err
	}
	d := CaseDetail{CaseRow: CaseRow{Number: c.Number, Title: c.Title, Status: c.Status.Label(), From: c.From, To: c.To, Deadline: c.Deadline},
		Crime: c.Crime, Place: c.Place, RequestedBy: c.RequestedBy, Request: c.Request, Suspect: c.Suspect}
	for _, e := range entries {
		d.Entries = append(d.Entries, Entry{ID: e.ID, Number: e.Number, At: e.At, From: e.From, To: e.To, Camera: e.Camera, CameraName: e.CameraName,
			Text: e.Text, Tags: e.Tags, Stills: e.Stills, Version: e.Version})
	}
	d.Version = c.Version
	if c.Position != nil {
		d.Position = fmt.Sprintf("%.6f,%.6f", c.Position.Lat, c.Position.Lon)
	}
	if d.Stale, err = o.svc.TimelineStale(ctx, number); err != nil {
		return CaseDetail{}, err
	}
	for _, x := range c.Exports {
		d.Bundles = append(d.Bundles, x.ExportID)
	}
	if n := len(c.Exports); n > 0 {
		// The newest export's archive state, "not pushed" too: the
		// case's newest bundle is not safe until it is archived.
		x := c.Exports[n-1]
		state := x.Archive
		if state == "verified" {
			state = "archived"
		}
		d.ArchiveState = x.ExportID + " " + state
	}
	return d, nil
}

func (o *ServiceOps) AddEntry(ctx context.Context, number, camera string, at, from, to time.Time, text string) (string, error) {
	ev := &lineEvents{}
	_, err := o.svc.AddEntry(ctx, app.AddEntryRequest{Case: number, Camera: camera, At: at, From: &from, To: &to, Text: text}, ev)
	return ev.warning(), err
}

func (o *ServiceOps) EditEntry(ctx context.Context, number string, id, version int64, text string) error {
	_, err := o.svc.EditEntry(ctx, app.EditEntryRequest{Case: number, ID: id, Version: version, Text: &text}, nil)
	return stale(err)
}

func (o *ServiceOps) RemoveEntry(ctx context.Context, number string, id int64) error {
	_, err := o.svc.RemoveEntry(ctx, number, id)
	return err
}

// Cameras ranks the catalog around the case's place with the pass windows
// for speed; a case without a place lists the catalog in its order.
func (o *ServiceOps) Nearest(ctx context.Context, position string) (CameraRow, error) {
	p, ok := catalog.ParseLatLon(position)
	if !ok {
		return CameraRow{}, fault.Fieldf("position", "%q: give LAT,LON in degrees, e.g. 55.6036,13.0021", position)
	}
	near, err := o.svc.CameraNear(ctx, app.CameraNearRequest{Position: &p})
	if err != nil || len(near) == 0 {
		return CameraRow{}, err
	}
	n := near[0]
	return CameraRow{ID: n.Camera.ID, Name: n.Camera.Name, Owner: n.Camera.Owner, Quality: n.Camera.Quality, Distance: n.Distance, Located: true}, nil
}

func (o *ServiceOps) Cameras(ctx context.Context, number, speed string) ([]CameraRow, error) {
	c, err := o.svc.CaseShow(ctx, number)
	if err != nil {
		return nil, err
	}
	if c.Position == nil {
		cams, err := o.svc.CameraList(ctx, app.CameraListRequest{})
		if err != nil {
			return nil, err
		}
		rows := make([]CameraRow, 0, len(cams))
		for _, cam := range cams {
			rows = append(rows, CameraRow{ID: cam.ID, Name: cam.Name, Owner: cam.Owner, Quality: cam.Quality})
		}
		return rows, nil
	}
	near, err := o.svc.CameraNear(ctx, app.CameraNearRequest{Position: c.Position, At: c.From, Travel: catalog.Travel(speed)})
	if err != nil {
		return nil, err
	}
	rows := make([]CameraRow, 0, len(near))
	for _, n := range near {
		r := CameraRow{ID: n.Camera.ID, Name: n.Camera.Name, Owner: n.Camera.Owner, Quality: n.Camera.Quality, Distance: n.Distance, Located: true}
		if n.Window != nil {
			r.From, r.To = n.Window.From, n.Window.To
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func (o *ServiceOps) Coverage(ctx context.Context, camera string, from, to time.Time, cells int) (Strip, error) {
	cov, err := o.svc.Coverage(ctx, app.CoverageRequest{Camera: camera, From: from, To: to})
	if err != nil {
		return "", err
	}
	return StripOf(cov, from, to, cells, o.svc.Now()), nil
}

func (o *ServiceOps) Frame(ctx context.Context, camera string, at time.Time) (Frame, error) {
	f, err := o.frames.Frame(ctx, app.FrameRequest{Camera: camera, At: at})
	if err != nil {
		return Frame{}, err
	}
	fr := Frame{Image: f.Image, At: f.At, CameraClock: f.CameraClock, ClockVerified: f.ClockVerified, FPS: f.FPS, Source: f.Source}
	if f.Bound.Known {
		fr.Bound = app.BoundText(f.Bound)
	}
	if cam, err := o.svc.Camera(camera); err == nil {
		fr.CameraZone = cam.Timezone
	}
	return fr, nil
}

// Around reads the camera's coverage a day either side of at.
func (o *ServiceOps) Around(ctx context.Context, camera string, at time.Time) (Around, error) {
	cov, err := o.svc.Coverage(ctx, app.CoverageRequest{Camera: camera, From: at.Add(-24 * time.Hour), To: at.Add(24 * time.Hour)})
	if err != nil {
		return Around{}, err
	}
	return AroundOf(cov, at), nil
}

func (o *ServiceOps) RecordView(ctx context.Context, number, camera string, from, to time.Time) error {
	return o.svc.RecordView(ctx, app.ViewedSpanRequest{Case: number, Camera: camera, From: from, To: to})
}

// Still writes the frame at the cursor into the case's stills and links
// it to the case's entry on the camera whose clip holds it.
func (o *ServiceOps) Still(ctx context.Context, number, camera string, at time.Time) (StillResult, error) {
	res, err := o.svc.CaseStill(ctx, app.CaseStillRequest{Case: number, Camera: camera, At: at})
	if err != nil {
		return StillResult{}, err
	}
	out := StillResult{Path: res.Path, Entry: res.Entry.Number}
	if e := res.Outside; e != nil {
		out.Outside = &Entry{ID: e.ID, Number: e.Number, At: e.At, From: e.From, To: e.To, Camera: e.Camera}
	}
	return out, nil
}

// Export runs the export here, or with a shared store as a job it waits
// for; an export of the case already running is a *RunningError.
func (o *ServiceOps) Export(ctx context.Context, number string, progress func(string)) (string, error) {
	ev := &lineEvents{line: progress}
	var res app.ExportResult
	var err error
	if o.svc.Shared() {
		list, jerr := o.svc.Jobs(ctx, app.JobListRequest{Case: number})
		if jerr != nil {
			return "", jerr
		}
		for _, j := range list {
			if j.Kind == jobs.KindExport && !j.Done() {
				return "", &RunningError{What: "export " + number, Holder: fmt.Sprintf("job #%d by %s (%s)", j.ID, j.Who, j.State)}
			}
		}
		id, qerr := o.svc.Enqueue(ctx, &app.ExportJob{ExportRequest: app.ExportRequest{Case: number}})
		if qerr != nil {
			return "", qerr
		}
		err = o.svc.WaitJob(ctx, id, ev, &res)
	} else {
		res, err = o.svc.Export(ctx, app.ExportRequest{Case: number}, ev)
	}
	var held *app.ExportRunning
	if errors.As(err, &held) {
		return "", &RunningError{What: "export " + number, Holder: held.Holder}
	}
	return res.Dir, err
}

// Jobs lists the shared store's unfinished jobs; none without one.
func (o *ServiceOps) Jobs(ctx context.Context) ([]JobRow, error) {
	if !o.svc.Shared() {
		return nil, nil
	}
	list, err := o.svc.Jobs(ctx, app.JobListRequest{})
	if err != nil {
		return nil, err
	}
	var rows []JobRow
	for _, j := range list {
		// The kinds as the UI names its actions: export, archive, …
		kind := strings.TrimPrefix(j.Kind, "klipp_")
		if j.Kind == jobs.KindPush {
			kind = "archive"
		}
		r := JobRow{ID: j.ID, Kind: kind, Case: j.Case, State: j.State, Who: j.Who, Started: j.Started}
		if p := j.Progress; p != nil {
			r.Done, r.Total, r.Line = p.Done, p.Total, p.Line
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func (o *ServiceOps) Push(ctx context.Context, number string, progress func(string)) (string, error) {
	res, err := o.svc.Push(ctx, app.PushRequest{Case: number}, &lineEvents{line: progress})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("archived %s: %d objects verified in %s", res.Ref, res.Verified, res.Store), nil
}

func (o *ServiceOps) Retention(ctx context.Context) ([]RetentionRow, error) {
	return o.RetentionOf(ctx, false)
}

// Preserve preserves the case's windows at risk as the retention screen
// shows them (the CLI's defaults: within 14 days, cameras within 300 m),
// and says what it archived.
func (o *ServiceOps) Preserve(ctx context.Context, number string) (string, error) {
	res, err := o.svc.Preserve(ctx, app.PreserveRequest{Case: number, Within: app.DefaultRetentionWithin, Radius: app.DefaultRequestRadius}, nil)
	if err != nil {
		return "", err
	}
	if len(res.Preserved) == 0 {
		return "nothing of " + number + " to preserve: no footage of it is at risk", nil
	}
	var parts []string
	for _, v := range res.Preserved {
		parts = append(parts, fmt.Sprintf("%s (%d objects archived and verified)", v.Ref, v.Verified))
	}
	return "preserved " + strings.Join(parts, ", "), nil
}

// Archive lists the queue and the archive; when the archive cannot be
// reached the queue's rows come with the error.
func (o *ServiceOps) Archive(ctx context.Context) ([]ArchiveRow, error) {
	list, err := o.svc.ArchiveList(ctx, app.ArchiveListRequest{})
	var rows []ArchiveRow
	for _, r := range list {
		row := ArchiveRow{Ref: r.Ref.String(), State: string(r.State), Error: r.Error, Objects: r.Objects, Bytes: r.Bytes,
			RetainUntil: r.RetainUntil, Hold: r.Hold}
		if v := r.Verified; v != nil {
			row.VerifiedAt, row.VerifiedOK = &v.At, v.OK
		}
		rows = append(rows, row)
	}
	return rows, err
}

func (o *ServiceOps) Retry(ctx context.Context) (string, error) {
	res, err := o.svc.Retry(ctx, nil)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d queued bundles archived", len(res.Archived)), nil
}

func (o *ServiceOps) SaveDraft(key string, fields []string) error { return o.drafts.Save(key, fields) }

func (o *ServiceOps) Draft(key string) []string { return o.drafts.Get(key) }

// lineEvents turns a service operation's events into the lines the UI
// shows while it runs; the last warning is kept.
type lineEvents struct {
	line func(string)
	mu   sync.Mutex
	warn string
}

func (e *lineEvents) Progress(label string, done, total int64) {
	if e.line != nil && total > 0 {
		e.line(fmt.Sprintf("%s %d%%", label, done*100/total))
	}
}

func (e *lineEvents) Step(msg string) {
	if e.line != nil {
		e.line(msg)
	}
}

func (e *lineEvents) Warn(msg string) {
	e.mu.Lock()
	e.warn = msg
	e.mu.Unlock()
	if e.line != nil {
		e.line("warning: " + msg)
	}
}

func (e *lineEvents) warning() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.warn
}
