package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
)

var _ CaseWork = (*ServiceOps)(nil)

// stale turns the service's refusal of an edit based on an old version
// into the UI's *StaleError; other errors pass unchanged.
func stale(err error) error {
	var se *app.StaleEditError
	if errors.As(err, &se) {
		return &StaleError{Msg: se.Msg, Version: se.Version, By: se.By, At: se.At}
	}
	return err
}

func (o *ServiceOps) EditCase(ctx context.Context, number string, e CaseEdit) error {
	req := app.EditCaseRequest{Number: number, Version: e.Version}
	text := map[string]**string{"title": &req.Title, "crime": &req.Crime, "place": &req.Place, "requested-by": &req.RequestedBy,
		"request": &req.Request, "suspect": &req.Suspect}
	for name, v := range e.Fields {
		v := v
		if dst, ok := text[name]; ok {
			*dst = &v
			continue
		}
		switch name {
		case "position":
			p, ok := catalog.ParseLatLon(v)
			if !ok {
				return fault.Fieldf("position", "%q: give LAT,LON in degrees, e.g. 55.6036,13.0021", v)
			}
			req.Position = &p
		case "from", "to", "deadline":
			t, err := o.parseTime(name, v)
			if err != nil {
				return err
			}
			switch name {
			case "from":
				req.From = &t
			case "to":
				req.To = &t
			default:
				req.Deadline = &t
			}
		default:
			return fmt.Errorf("the case form has no field %q", name)
		}
	}
	_, err := o.svc.EditCase(ctx, req)
	return stale(err)
}

// SetStatus uses case close for delivered (its own audit action), case
// edit for the rest.
func (o *ServiceOps) SetStatus(ctx context.Context, number, status string, reopen bool, version int64) error {
	st, err := casefile.ParseStatus(status)
	if err != nil {
		return err
	}
	if st == casefile.StatusDelivered && !reopen {
		_, err = o.svc.CloseCase(ctx, app.CloseCaseRequest{Number: number, Version: version})
	} else {
		_, err = o.svc.EditCase(ctx, app.EditCaseRequest{Number: number, Status: &st, Reopen: reopen, Version: version})
	}
	return stale(err)
}

// EditEntryTimes reads the times as the CLI reads --at, --from and --to;
// a time of day alone is on the entry's date.
func (o *ServiceOps) EditEntryTimes(ctx context.Context, number string, id int64, e EntryEdit) (string, error) {
	req := app.EditEntryRequest{Case: number, ID: id, Version: e.Version, Tags: &e.Tags}
	// Only the times changed are read: one shown in a clock change's
	// repeated hour would not be read back as one time.
	for name, dst := range map[string]**time.Time{"at": &req.At, "from": &req.From, "to": &req.To} {
		v, ok := e.Times[name]
		if !ok {
			continue
		}
		t, err := o.parseTime(name, onDate(v, e.Date, o.zone()))
		if err != nil {
			return "", err
		}
		if name == "at" && e.Camera != "" {
			// The entry is at the frame on screen then, as one added at
			// a frame is (none there: the time as typed).
			if f, ferr := o.Frame(ctx, e.Camera, t); ferr == nil {
				t = f.At
			}
		}
		*dst = &t
	}
	ev := &lineEvents{}
	_, err := o.svc.EditEntry(ctx, req, ev)
	return ev.warning(), stale(err)
}

// onDate puts a time of day alone ("22:14:05.2") on date's day in zone.
func onDate(v string, date time.Time, zone *time.Location) string {
	v = strings.TrimSpace(v)
	if v != "" && !strings.Contains(v, "-") && strings.Contains(v, ":") && !date.IsZero() {
		return date.In(zone).Format("2006-01-02") + " " + v
	}
	return v
}

func (o *ServiceOps) Requests(ctx context.Context) ([]RequestRow, error) {
	list, err := o.svc.Requests(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]RequestRow, 0, len(list))
	for _, r := range list {
		rows = append(rows, RequestRow{ID: r.ID, Title: r.Title, Place: r.Place, FiledBy: r.FiledBy, Need: r.Need, Suspect: r.Suspect,
			From: r.From, To: r.To, Filed: r.Filed, Status: r.Status, Case: r.Case})
	}
	return rows, nil
}

func (o *ServiceOps) AcceptRequest(ctx context.Context, id int64, number string) (string, error) {
	c, err := o.svc.AcceptRequest(ctx, app.AcceptRequestRequest{ID: id, Case: strings.TrimSpace(number)})
	return c.Number, err
}

func (o *ServiceOps) RetentionOf(ctx context.Context, all bool) ([]RetentionRow, error) {
	res, err := o.svc.Retention(ctx, app.RetentionRequest{All: all, Within: app.DefaultRetentionWithin, Radius: app.DefaultRequestRadius})
	if err != nil {
		return nil, err
	}
	var rows []RetentionRow
	for _, w := range res.Windows {
		rows = append(rows, RetentionRow{Case: w.Case, What: w.What, Camera: w.CameraName, State: string(w.State), Expires: w.Expires, Unpreserved: len(w.Unpreserved)})
	}
	return rows, nil
}

func archiveTarget(ref string) (app.ArchiveTarget, error) {
	r, err := archive.ParseRef(ref)
	if err != nil {
		return app.ArchiveTarget{}, err
	}
	return app.ArchiveTarget{Case: r.Case, ExportID: r.ExportID}, nil
}

func (o *ServiceOps) VerifyArchived(ctx context.Context, ref string) (string, error) {
	t, err := archiveTarget(ref)
	if err != nil {
		return "", err
	}
	res, err := o.svc.ArchiveVerify(ctx, t, nil)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s verified: %d objects re-read and their hashes match in %s", res.Ref, res.Report.Checked, res.Store), nil
}

func (o *ServiceOps) SetHold(ctx context.Context, ref string, on bool) (string, error) {
	t, err := archiveTarget(ref)
	if err != nil {
		return "", err
	}
	set := o.svc.Release
	what := "legal hold released on"
	if on {
		set, what = o.svc.Hold, "legal hold placed on"
	}
	res, err := set(ctx, t)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s (%d objects)", what, res.Ref, res.Objects), nil
}

func (o *ServiceOps) AddClock(ctx context.Context, camera string, frame time.Time, shows, note string) (string, error) {
	if strings.TrimSpace(shows) == "" {
		return "", fault.Fieldf("shows", "required: the time the recorder's clock shows in this frame")
	}
	res, err := o.svc.AddClock(ctx, app.ClockAddRequest{Camera: camera, Frame: frame, Shows: strings.TrimSpace(shows), Note: note})
	if err != nil {
		return "", err
	}
	text := fmt.Sprintf("clock reading of %s recorded: offset %+.3f s ±%.1f s", res.Camera, res.Offset, res.Resolution)
	if res.Before != nil {
		text += fmt.Sprintf(" (was %+.3f s)", *res.Before)
	}
	return text, nil
}
