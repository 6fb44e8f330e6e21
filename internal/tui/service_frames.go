package tui

import (
	"context"
	"fmt"
	"time"

	"github.com/klipp-forensics/klipp/internal/app"
)

// Activity reads the camera's stored activity (nothing is scanned).
func (o *ServiceOps) Activity(ctx context.Context, camera string, from, to time.Time) (Activity, error) {
	a, err := o.svc.StoredActivity(ctx, camera, from, to)
	if err != nil {
		return Activity{}, err
	}
	var out Activity
	for _, p := range a.Periods {
		out.Periods = append(out.Periods, Span{From: p.Start, To: p.End})
	}
	for _, p := range a.Unscanned {
		out.Unscanned = append(out.Unscanned, Span{From: p.TrueStart, To: p.TrueEnd})
	}
	return out, nil
}

// ScanActivity scans what the camera's range has not had scanned, as
// `klipp index --activity --camera ID --from --to` does.
func (o *ServiceOps) ScanActivity(ctx context.Context, camera string, from, to time.Time, progress func(string)) (string, error) {
	res, err := o.svc.ScanActivity(ctx, app.ScanActivityRequest{Camera: camera, From: from, To: to}, &lineEvents{line: progress})
	if err != nil {
		return "", err
	}
	n := 0
	for _, r := range res {
		n += r.Scanned
	}
	if n == 1 {
		return fmt.Sprintf("activity of %s: 1 segment scanned", camera), nil
	}
	return fmt.Sprintf("activity of %s: %d segments scanned", camera, n), nil
}

// Locate decodes the frame at at to find its file and offset.
func (o *ServiceOps) Locate(ctx context.Context, camera string, at time.Time) (string, time.Duration, error) {
	f, err := o.svc.Frame(ctx, app.FrameRequest{Camera: camera, At: at})
	if err != nil {
		return "", 0, err
	}
	return f.Source, f.Offset, nil
}
