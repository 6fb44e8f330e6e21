package app

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/klipp-forensics/klipp/internal/activity"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/store"
)

// ActivityRequest asks when something moved in a camera's picture between
// two true times.
type ActivityRequest struct {
	Camera      string
	From, To    time.Time
	Region      activity.Region // zero: the whole picture
	Sensitivity int             // 1 (only large movement) to 10; 0: 5
	MinLength   time.Duration   // activity seen for less is left out (activity.DefaultMinLength: 2 s); 0: any
}

// ActivityResult is the periods of activity in the range, and what the
// answer rests on.
type ActivityResult struct {
	Camera      string            `json:"camera"`
	CameraName  string            `json:"camera_name"`
	From        time.Time         `json:"from"`
	To          time.Time         `json:"to"`
	Region      string            `json:"region,omitempty"`
	Sensitivity int               `json:"sensitivity"`
	MinLength   float64           `json:"min_length_s"`
	Periods     []activity.Period `json:"periods"`
	// Gaps are stretches without footage: no activity is known there.
	Gaps          []footage.Gap `json:"gaps"`
	Scan          ActivityScan  `json:"scan"`
	ClockVerified bool          `json:"clock_verified"`
}

// ActivityScan says how the segments behind an answer were scanned.
type ActivityScan struct {
	Camera   string   `json:"camera"`
	Segments int      `json:"segments"` // readable segments in the range
	Scanned  int      `json:"scanned"`  // scanned now
	Stored   int      `json:"stored"`   // read from the store, scanned before
	Footage  float64  `json:"footage_s"`
	Damaged  []string `json:"damaged,omitempty"` // why a segment's scan stopped early
	Version  int      `json:"model_version"`
}

// ScanActivityRequest asks for the activity scan of a camera's footage
// (every camera with recordings when Camera is empty), between From and To
// (all of it when both are zero), ahead of questions about it.
type ScanActivityRequest struct {
	Camera   string
	From, To time.Time
}

// Activity lists the periods of activity of a camera between two true
// times. Segments not yet scanned (or changed since) are scanned first and
// the scans stored, so a second question about the same footage reads the
// store. The question is audited.
func (s *Service) Activity(ctx context.Context, req ActivityRequest, ev Events) (ActivityResult, error) {
	if err := s.Need(ctx, "activity", "", RoleAnalyst); err != nil {
		return ActivityResult{}, err
	}
	if req.Camera == "" {
		return ActivityResult{}, fault.Fieldf("camera", "required")
	}
	if req.Sensitivity == 0 {
		req.Sensitivity = activity.DefaultSensitivity
	}
	if req.Sensitivity < activity.MinSensitivity || req.Sensitivity > activity.MaxSensitivity {
		return ActivityResult{}, fault.Fieldf("sensitivity", "%d: give %d (only large movement) to %d (the least)", req.Sensitivity, activity.MinSensitivity, activity.MaxSensitivity)
	}
	if req.MinLength < 0 {
		return ActivityResult{}, fault.Fieldf("min-length", "%v is negative", req.MinLength)
	}
	cam, err := s.Camera(req.Camera)
	if err != nil {
		return ActivityResult{}, err
	}
	q := activity.Query{Region: req.Region, Sensitivity: req.Sensitivity, MinLength: req.MinLength}
	if q.MinLength == 0 {
		q.MinLength = -1 // any length
	}
	cov, scan, periods, err := s.periods(ctx, cam, req.From, req.To, q, ev)
	if err != nil {
		return ActivityResult{}, err
	}
	res := ActivityResult{Camera: cam.ID, CameraName: cam.Name, From: cov.From, To: cov.To, Region: req.Region.String(), Sensitivity: req.Sensitivity,
		MinLength: req.MinLength.Seconds(), Gaps: cov.Gaps, Scan: scan, ClockVerified: cam.Clock.Verified(), Periods: periods}
	detail := map[string]string{"from": cov.From.Format(time.RFC3339Nano), "to": cov.To.Format(time.RFC3339Nano),
		"periods": strconv.Itoa(len(res.Periods)), "sensitivity": strconv.Itoa(req.Sensitivity), "min_length": req.MinLength.String(),
		"segments": strconv.Itoa(scan.Segments), "model_version": strconv.Itoa(activity.Version)}
	if !req.Region.IsZero() {
		detail["region"] = req.Region.String()
	}
	if _, err := s.record(ctx, audit.Entry{Action: "activity", Camera: cam.ID, Detail: detail}); err != nil {
		return ActivityResult{}, err
	}
	return res, nil
}

// periods scans what is not yet scanned in a camera's range and finds the
// periods of activity in it.
func (s *Service) periods(ctx context.Context, cam *catalog.Camera, from, to time.Time, q activity.Query, ev Events) (*footage.Coverage, ActivityScan, []activity.Period, error) {
	cov, err := s.footageIn(ctx, cam, from, to)
	if err != nil {
		return nil, ActivityScan{}, nil, err
	}
	scan, err := s.scanActivity(ctx, cam, cov, ev)
	if err != nil {
		return nil, scan, nil, err
	}
	placed, _, err := s.storedScans(ctx, cam, cov)
	if err != nil {
		return nil, scan, nil, err
	}
	if !q.Region.IsZero() {
		inside := false
		for _, p := range placed {
			inside = inside || q.Region.Within(p.Scan.Width, p.Scan.Height)
		}
		if !inside && len(placed) > 0 {
			return nil, scan, nil, fault.Fieldf("region", "%s is outside the picture (%dx%d)", q.Region, placed[0].Scan.Width, placed[0].Scan.Height)
		}
	}
	periods := activity.Periods(placed, cov.From, cov.To, q)
	if periods == nil {
		periods = []activity.Period{}
	}
	return cov, scan, periods, nil
}

// ScanActivity scans the footage a request names that has no current
// scan, and stores the scans: `klipp index --activity`.
func (s *Service) ScanActivity(ctx context.Context, req ScanActivityRequest, ev Events) ([]ActivityScan, error) {
	if err := s.Need(ctx, "activity scan", "", RoleAnalyst); err != nil {
		return nil, err
	}
	var cams []*catalog.Camera
	if req.Camera != "" {
		cam, err := s.Camera(req.Camera)
		if err != nil {
			return nil, err
		}
		cams = append(cams, cam)
	} else {
		cat, err := s.Catalog()
		if err != nil {
			return nil, err
		}
		for _, cam := range cat.Cameras {
			if cam.Recordings.Path != "" {
				cams = append(cams, cam)
			}
		}
	}
	out := []ActivityScan{}
	for _, cam := range cams {
		from, to := req.From, req.To
		if from.IsZero() && to.IsZero() {
			segs, err := s.store.Segments(ctx, cam.ID)
			if err != nil {
				return nil, fault.Wrap(fault.Storage, err)
			}
			if len(segs) == 0 {
				out = append(out, ActivityScan{Camera: cam.ID, Version: activity.Version})
				continue
			}
			from, to = segs[0].TrueStart, segs[0].TrueEnd
			for _, g := range segs {
				from, to = earliest(from, g.TrueStart), latest(to, g.TrueEnd)
			}
			to = to.Add(time.Nanosecond)
		}
		cov, err := footage.CoverageOf(ctx, s.store, cam, from, to, s.now())
		if err != nil {
			return nil, err
		}
		scan, err := s.scanActivity(ctx, cam, cov, ev)
		if err != nil {
			return nil, err
		}
		out = append(out, scan)
	}
	return out, nil
}

// IndexActivityResult is what `klipp index --activity` did.
type IndexActivityResult struct {
	Index    []*footage.Report `json:"index"`
	Activity []ActivityScan    `json:"activity"`
}

// IndexActivity brings the index up to date and then scans the footage
// not yet scanned for activity: one job with the shared store, so that the
// scan follows the index wherever a worker runs it.
func (s *Service) IndexActivity(ctx context.Context, req IndexRequest, ev Events) (IndexActivityResult, error) {
	if err := s.Need(ctx, "activity scan", "", RoleAnalyst); err != nil {
		return IndexActivityResult{}, err
	}
	reports, err := s.Index(ctx, req, ev)
	if err != nil {
		return IndexActivityResult{}, err
	}
	scans, err := s.ScanActivity(ctx, ScanActivityRequest{Camera: req.Camera}, ev)
	return IndexActivityResult{Index: reports, Activity: scans}, err
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// footageIn is a camera's coverage of a range, which must hold footage: a
// range without any is a NotFound error naming the nearest footage.
func (s *Service) footageIn(ctx context.Context, cam *catalog.Camera, from, to time.Time) (*footage.Coverage, error) {
	cov, err := footage.CoverageOf(ctx, s.store, cam, from, to, s.now())
	if err != nil {
		return nil, err
	}
	if len(cov.Segments) == 0 {
		near, err := footage.Nearest(ctx, s.store, cam, from, s.show)
		if err != nil {
			return nil, err
		}
		return nil, fault.NotFoundf("camera %s has no footage from %s to %s: %s", cam.ID, s.show(from), s.show(to), near)
	}
	return cov, nil
}

// activityBatch is how many segments' scans are stored (and audited) at once.
const activityBatch = 200

// scanActivity scans the coverage's segments that have no current scan,
// storing their scans in batches, each with its audit entry.
func (s *Service) scanActivity(ctx context.Context, cam *catalog.Camera, cov *footage.Coverage, ev Events) (ActivityScan, error) {
	ev = events(ev)
	res := ActivityScan{Camera: cam.ID, Version: activity.Version}
	have, err := s.store.ActivityScansBetween(ctx, cam.ID, cov.From, cov.To, false)
	if err != nil {
		return res, fault.Wrap(fault.Storage, err)
	}
	var todo []activity.Segment
	bySeg := map[int64]store.Segment{}
	for _, p := range cov.Segments {
		g := p.Source
		if g.Duration <= 0 {
			continue
		}
		res.Segments++
		res.Footage += g.Duration.Seconds()
		if a, ok := have[g.ID]; ok && a.Current(g, activity.Version) {
			res.Stored++
			if a.Note != "" {
				res.Damaged = append(res.Damaged, a.Note)
			}
			continue
		}
		bySeg[g.ID] = g
		todo = append(todo, activity.Segment{ID: g.ID, Path: g.Path, Start: g.TrueStart, Duration: g.Duration})
	}
	if len(todo) == 0 {
		return res, nil
	}
	label := "activity " + cam.ID
	var batch []store.ActivityScan
	var first, last time.Time
	var keep *store.ActivityState
	flush := func(ctx context.Context) error {
		if len(batch) == 0 && keep == nil {
			return nil
		}
		rows, st := batch, keep
		detail := map[string]string{"segments": strconv.Itoa(len(rows)), "model_version": strconv.Itoa(activity.Version)}
		if len(rows) > 0 {
			detail["from"], detail["to"] = first.Format(time.RFC3339Nano), last.Format(time.RFC3339Nano)
		}
		_, err := s.change(ctx, audit.Entry{Action: "activity.scan", Camera: cam.ID, Detail: detail}, func(tx *store.Store) error {
			if err := tx.SaveActivityScans(ctx, rows); err != nil {
				return fault.Wrap(fault.Storage, err)
			}
			if st != nil {
				return fault.Wrap(fault.Storage, tx.SaveActivityState(ctx, *st))
			}
			return nil
		})
		batch, keep = nil, nil
		return err
	}
	// The scan goes on from where the camera's latest scan ended, when the
	// footage follows it.
	var resume *activity.State
	if prev, err := s.store.ActivityState(ctx, cam.ID); err != nil {
		return res, fault.Wrap(fault.Storage, err)
	} else if prev != nil && prev.Version == activity.Version {
		resume = &activity.State{End: prev.End, Data: prev.Data}
	}
	err = activity.Run(ctx, todo, activity.Options{
		Resume: resume,
		Keep: func(ctx context.Context, st activity.State) error {
			keep = &store.ActivityState{Camera: cam.ID, Version: activity.Version, End: st.End, Data: st.Data}
			return nil
		},
		Progress: func(done, total time.Duration) { ev.Progress(label, done.Milliseconds(), total.Milliseconds()) },
		Save: func(ctx context.Context, sc activity.Scanned) error {
			g := bySeg[sc.Segment.ID]
			data, err := sc.Scan.Encode()
			if err != nil {
				return err
			}
			if sc.Scan.Note != "" {
				res.Damaged = append(res.Damaged, sc.Scan.Note)
			}
			if len(batch) == 0 {
				first = g.TrueStart
			}
			last = g.TrueEnd
			batch = append(batch, store.ActivityScan{Segment: g.ID, Camera: cam.ID, Version: activity.Version, Size: g.Size, MTime: g.MTime,
				Scanned: s.now().UTC(), Samples: len(sc.Scan.Samples), Note: sc.Scan.Note, Data: data})
			res.Scanned++
			if len(batch) >= activityBatch {
				return flush(ctx)
			}
			return nil
		},
	})
	if err != nil {
		return res, err
	}
	return res, flush(ctx)
}

// storedScans reads the stored scans of the coverage's segments, placed at
// their true starts, and names the segments (with footage) not scanned yet
// or scanned by an older version.
func (s *Service) storedScans(ctx context.Context, cam *catalog.Camera, cov *footage.Coverage) (placed []activity.Placed, unscanned []footage.Part, err error) {
	have, err := s.store.ActivityScansBetween(ctx, cam.ID, cov.From, cov.To, true)
	if err != nil {
		return nil, nil, fault.Wrap(fault.Storage, err)
	}
	for _, p := range cov.Segments {
		a, ok := have[p.Source.ID]
		if !ok || !a.Current(p.Source, activity.Version) {
			if p.Source.Duration > 0 {
				unscanned = append(unscanned, p)
			}
			continue
		}
		sc, err := activity.Decode(a.Data)
		if err != nil {
			return nil, nil, fault.Wrap(fault.Storage, fmt.Errorf("camera %s: %s: %w", cam.ID, p.File, err))
		}
		placed = append(placed, activity.Placed{Start: p.Source.TrueStart, Scan: sc})
	}
	return placed, unscanned, nil
}
