package app

import (
	"context"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// The ways a clock is read off the picture.
const (
	// ReadOnScreen: the recorder's own on-screen time, burned into the
	// frame. offset = shown − T.
	ReadOnScreen = "on-screen clock"
	// ReadReference: a clock showing true time (a phone on a time
	// service, a station clock) filmed by the camera. offset = the
	// camera clock at T − shown.
	ReadReference = "reference clock"
)

// ClockAddRequest is a clock read off the picture: at the frame klipp
// shows at true time Frame, the clock in the picture showed Shows (read in
// the camera's timezone). Frame is a true time in the camera's clock model
// as it is before this measurement (the model `klipp still` used to show
// the frame). Resolution 0 is that of the text of Shows (whole seconds:
// ±0.5 s). Reference: the picture shows a reference clock (true time),
// not the recorder's.
type ClockAddRequest struct {
	Camera     string
	Frame      time.Time
	Shows      string
	Resolution time.Duration
	Reference  bool
	Note       string
}

// ClockAddResult is the measurement as written to the catalog.
type ClockAddResult struct {
	Camera     string    `json:"camera"`
	At         time.Time `json:"at"`
	Shown      time.Time `json:"shown"`
	Offset     float64   `json:"offset_s"`
	Before     *float64  `json:"offset_before_s,omitempty"` // the model's offset at At before (nil: not verified)
	Resolution float64   `json:"resolution_s"`
	How        string    `json:"how"`
	By         string    `json:"by"`
	Catalog    string    `json:"catalog"`
}

// AddClock records a clock read off the picture in the catalog file
// (cameras.yaml keeps its comments and layout) and audits it
// (cameras.clock), together with the store's copy of the catalog: when
// the audit entry cannot be written, the file is put back as it was.
func (s *Service) AddClock(ctx context.Context, req ClockAddRequest) (ClockAddResult, error) {
	if _, err := s.need(ctx, "cameras clock add", "", RoleAnalyst, RoleAdmin); err != nil {
		return ClockAddResult{}, err
	}
	if req.Frame.IsZero() {
		return ClockAddResult{}, fault.Fieldf("frame", "required")
	}
	cam, err := s.cameraByID(ctx, req.Camera)
	if err != nil {
		return ClockAddResult{}, err
	}
	shown, err := clock.ParseTime(req.Shows, cam.Timezone)
	if err != nil {
		return ClockAddResult{}, fault.Fieldf("shows", "%v", err)
	}
	res := req.Resolution
	if res == 0 {
		res = clock.ResolutionOf(req.Shows)
	}
	if res < 0 {
		return ClockAddResult{}, fault.Fieldf("resolution", "must not be negative")
	}
	r := ClockAddResult{Camera: cam.ID, At: req.Frame.UTC(), Shown: shown, Resolution: res.Seconds(), How: ReadOnScreen, By: s.Who(), Catalog: s.cfg.Catalog}
	offset := shown.Sub(req.Frame)
	if req.Reference {
		r.How, offset = ReadReference, cam.Clock.CameraClock(req.Frame).Sub(shown)
	}
	r.Offset = offset.Seconds()
	if cam.Clock.Verified() {
		b := cam.Clock.At(req.Frame).Seconds()
		r.Before = &b
	}
	m := catalog.EntryClock{At: req.Frame.In(cam.Timezone).Format(time.RFC3339Nano), Offset: signedSeconds(offset), Resolution: signedSeconds(res)[1:],
		Shown: req.Shows, How: r.How, By: r.By, Recorded: s.now().UTC().Format(time.RFC3339), Note: req.Note}

	file := s.cfg.Catalog
	old, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return ClockAddResult{}, fault.Wrap(fault.Storage, err)
	}
	detail := map[string]string{"frame": m.At, "shown": m.Shown, "offset": m.Offset, "resolution": m.Resolution, "how": m.How, "catalog": file}
	if req.Note != "" {
		detail["note"] = req.Note
	}
	if r.Before != nil {
		detail["offset_before"] = signedSeconds(cam.Clock.At(req.Frame))
	}
	written := false
	var cat *catalog.Catalog
	_, err = s.change(ctx, audit.Entry{Action: "cameras.clock", Camera: cam.ID, Detail: detail}, func(tx *store.Store) error {
		var data []byte
		var err error
		if cat, data, err = catalog.AddClock(file, cam.ID, m, s.cfg.Timezone); err != nil {
			return err
		}
		written = true
		fi, err := os.Stat(file)
		if err != nil {
			return fault.Wrap(fault.Storage, err)
		}
		s.mount(cat.Cameras...)
		return storeCatalog(ctx, tx, s.catalogKey(), fi, digest.Bytes(data), cat, s.now())
	})
	if err != nil {
		if written {
			restore(file, old, true)
		}
		return ClockAddResult{}, err
	}
	s.mu.Lock()
	s.cat = cat
	s.mu.Unlock()
	return r, nil
}

// signedSeconds is d as a duration klipp reads back exactly: "+2.35s".
func signedSeconds(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	return sign + strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}
