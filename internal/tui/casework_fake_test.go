package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// caseWorkCalls records the CaseWork calls the fake received, one line
// each, for tests to read.
type caseWorkCalls struct {
	calls   []string
	version int64             // the case's and entries' version now; an edit based on another is stale
	refuse  map[string]string // field → the service's message refusing it
	stale   bool              // the case's newest export is older than its timeline
}

func (f *fakeOps) call(format string, args ...any) {
	f.work.calls = append(f.work.calls, fmt.Sprintf(format, args...))
}

func (f *fakeOps) stale(based int64) error {
	if f.work.version != 0 && based != f.work.version {
		return &StaleError{Msg: fmt.Sprintf("case was changed by berg at 09:00 (now version %d; the edit was based on version %d): show it again and redo the edit",
			f.work.version, based), Version: f.work.version}
	}
	return nil
}

func (f *fakeOps) EditCase(_ context.Context, number string, e CaseEdit) error {
	for field, msg := range f.work.refuse {
		if _, ok := e.Fields[field]; ok {
			return fault.Fieldf(field, "%s", msg)
		}
	}
	if err := f.stale(e.Version); err != nil {
		return err
	}
	var parts []string
	for _, name := range formFlags {
		if v, ok := e.Fields[name]; ok {
			parts = append(parts, name+"="+v)
		}
	}
	f.call("edit %s v%d %s", number, e.Version, strings.Join(parts, " "))
	return nil
}

func (f *fakeOps) SetStatus(_ context.Context, number, status string, reopen bool, version int64) error {
	if err := f.stale(version); err != nil {
		return err
	}
	f.call("status %s %s reopen=%v v%d", number, status, reopen, version)
	return nil
}

func (f *fakeOps) EditEntryTimes(_ context.Context, number string, id int64, e EntryEdit) (string, error) {
	if msg, ok := f.work.refuse["at"]; ok {
		return "", fault.Fieldf("at", "%s", msg)
	}
	var times []string
	for _, name := range []string{"at", "from", "to"} {
		if v, ok := e.Times[name]; ok {
			times = append(times, name+"="+v)
		}
	}
	f.call("entry %s %d v%d %s tags=%s", number, id, e.Version, strings.Join(times, " "), strings.Join(e.Tags, ","))
	return "", nil
}

func (f *fakeOps) Requests(context.Context) ([]RequestRow, error) {
	rows := []RequestRow{
		{ID: 7, Title: "Misshandel, Möllevångstorget", Place: "Möllevångstorget", FiledBy: "asa.berg", Need: "Kameror runt torget 22:00–22:30",
			From: at("2026-11-20T21:00:00Z"), To: at("2026-11-20T21:30:00Z"), Filed: at("2026-11-21T07:12:00Z"), Status: "filed"},
		{ID: 6, Title: "Rån, Södergatan", FiledBy: "asa.berg", From: at("2026-11-20T21:10:00Z"), To: at("2026-11-20T21:30:00Z"),
			Filed: at("2026-11-20T23:02:00Z"), Status: "in-progress", Case: "5000-K111111-26"},
	}
	if f.long {
		rows[0].Title = "Misshandel och rån vid Möllevångstorget efter konserten på Folkets park"
	}
	return rows, nil
}

func (f *fakeOps) AcceptRequest(_ context.Context, id int64, number string) (string, error) {
	if number == "" {
		number = fmt.Sprintf("request-%d", id)
	}
	if id == 6 {
		return "", fault.Usagef("request 6 was accepted already, as case 5000-K111111-26, by lind")
	}
	f.call("accept %d as %s", id, number)
	return number, nil
}

func (f *fakeOps) RetentionOf(ctx context.Context, all bool) ([]RetentionRow, error) {
	rows, _ := f.Retention(ctx)
	if all {
		rows = append(rows, RetentionRow{Case: "5000-K333333-26", What: "request", Camera: "Malmö C spår 4", State: "preserved"})
		for i := range f.windows {
			rows = append(rows, RetentionRow{Case: fmt.Sprintf("5000-K9%05d-26", i), What: "request", Camera: "Södergatan 14, butik", State: "safe-for-now"})
		}
	}
	return rows, nil
}

func (f *fakeOps) VerifyArchived(_ context.Context, ref string) (string, error) {
	if strings.Contains(ref, "K222222") {
		return "", fault.Storagef("archived bundle %s fails verification: manifest.json: hash differs", ref)
	}
	f.call("verify %s", ref)
	return "verified " + ref, nil
}

func (f *fakeOps) SetHold(_ context.Context, ref string, on bool) (string, error) {
	f.call("hold %s %v", ref, on)
	return fmt.Sprintf("hold %v on %s", on, ref), nil
}

func (f *fakeOps) AddClock(_ context.Context, camera string, frame time.Time, shows, note string) (string, error) {
	if strings.TrimSpace(shows) == "" {
		return "", fault.Fieldf("shows", "required: the time the recorder's clock shows in this frame")
	}
	f.call("clock %s frame=%s shows=%s note=%s", camera, frame.UTC().Format("15:04:05.000"), shows, note)
	return "clock reading of " + camera + " recorded", nil
}

// Nearest: Södergatan 2 is at 55.6052,13.0016; a position south of 50°
// (a swapped pair, say) is thousands of kilometres from it.
func (f *fakeOps) Nearest(_ context.Context, position string) (CameraRow, error) {
	p, ok := catalog.ParseLatLon(position)
	if !ok {
		return CameraRow{}, errors.New("not a position")
	}
	d := 120.0
	if p.Lat < 50 {
		d = 6_151_000
	}
	return CameraRow{ID: "sodergatan-2", Name: "Södergatan 2", Distance: d, Located: true}, nil
}
