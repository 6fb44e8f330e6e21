package app

import (
	"context"
	"errors"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Camera is a catalog camera as front ends show it (and the CLI prints
// with --json).
type Camera struct {
	*catalog.Camera
	Timezone      string        `json:"timezone"`
	Retention     string        `json:"retention"`
	Pattern       string        `json:"pattern,omitempty"`
	ClockVerified bool          `json:"clock_verified"`
	Clock         []Measurement `json:"clock,omitempty"`
	OffsetNow     *float64      `json:"clock_offset_now_s,omitempty"`
}

// Measurement is one clock measurement of a camera.
type Measurement struct {
	At     time.Time `json:"at"`
	Offset float64   `json:"offset_s"`
	Note   string    `json:"note,omitempty"`
}

func (s *Service) cameraOf(cam *catalog.Camera) Camera {
	v := Camera{Camera: cam, Timezone: cam.Timezone.String(), Retention: clock.FormatDuration(cam.Retention), ClockVerified: cam.Clock.Verified()}
	if cam.Recordings.Pattern != nil {
		v.Pattern = cam.Recordings.Pattern.String()
	}
	for _, m := range cam.Clock.Measurements() {
		v.Clock = append(v.Clock, Measurement{At: m.At, Offset: m.Offset.Seconds(), Note: m.Note})
	}
	if v.ClockVerified {
		off := cam.Clock.At(s.now()).Seconds()
		v.OffsetNow = &off
	}
	return v
}

// CameraListRequest filters the catalog; a zero Owner lists all.
type CameraListRequest struct {
	Owner string
}

// CameraList lists the catalog's cameras in catalog order (nil when none
// match).
func (s *Service) CameraList(ctx context.Context, req CameraListRequest) ([]Camera, error) {
	cat, err := s.Catalog()
	if err != nil {
		return nil, err
	}
	var out []Camera
	for _, cam := range cat.Cameras {
		if req.Owner == "" || cam.Owner == req.Owner {
			out = append(out, s.cameraOf(cam))
		}
	}
	return out, nil
}

// CameraShow returns one camera.
func (s *Service) CameraShow(ctx context.Context, id string) (Camera, error) {
	cam, err := s.Camera(id)
	if err != nil {
		return Camera{}, err
	}
	return s.cameraOf(cam), nil
}

// CameraNearRequest ranks cameras around a point: Position, or the
// position of camera Camera when Position is nil. Within ≤ 0 is no limit.
// With a non-zero At each camera gets the window in which someone leaving
// the point at At by Travel (walk when empty) could pass it.
type CameraNearRequest struct {
	Position *catalog.LatLon
	Camera   string
	Within   float64
	At       time.Time
	Travel   catalog.Travel
}

// CameraNear ranks cameras by distance.
func (s *Service) CameraNear(ctx context.Context, req CameraNearRequest) ([]catalog.Near, error) {
	cat, err := s.Catalog()
	if err != nil {
		return nil, err
	}
	q := catalog.NearQuery{Within: req.Within, At: req.At}
	switch {
	case req.Position != nil:
		q.From = *req.Position
	case req.Camera != "":
		cam, err := cat.Camera(req.Camera)
		if err != nil {
			return nil, err
		}
		q.From = cam.Location
	default:
		return nil, fault.Usagef("cameras near what: give a position or a camera")
	}
	if !req.At.IsZero() {
		travel := req.Travel
		if travel == "" {
			travel = catalog.Walk
		}
		sp, ok := travel.Speed()
		if !ok {
			_, err := catalog.ParseTravel(string(travel))
			return nil, err
		}
		q.Speed = sp
	}
	return cat.Near(q), nil
}

// ImportCamerasRequest adds the cameras of a GeoJSON file to the catalog.
type ImportCamerasRequest struct {
	File string
}

// ImportCamerasResult is the catalog written and the camera ids added.
type ImportCamerasResult struct {
	Added   []string `json:"added"`
	Catalog string   `json:"catalog"`
}

// ImportCameras adds cameras from GeoJSON to the catalog file and audits
// it (cameras.import), together: when the audit entry cannot be written,
// the catalog file is put back as it was.
func (s *Service) ImportCameras(ctx context.Context, req ImportCamerasRequest) (ImportCamerasResult, error) {
	if err := s.Need(ctx, "cameras import", "", RoleAdmin); err != nil {
		return ImportCamerasResult{}, err
	}
	file := s.cfg.Catalog
	old, err := os.ReadFile(file)
	existed := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return ImportCamerasResult{}, fault.Wrap(fault.Storage, err)
	}
	var ids []string
	imported := false
	detail := map[string]string{"file": req.File}
	_, err = s.change(ctx, audit.Entry{Action: "cameras.import", Detail: detail}, func(*store.Store) error {
		var err error
		ids, err = catalog.Import(file, req.File, s.cfg.Timezone)
		if err != nil {
			return err
		}
		imported = true
		sort.Strings(ids)
		detail["catalog"], detail["added"], detail["count"] = file, strings.Join(ids, ","), strconv.Itoa(len(ids))
		return nil
	})
	if err != nil {
		if imported {
			restore(file, old, existed)
		}
		return ImportCamerasResult{}, err
	}
	s.ReloadCatalog()
	return ImportCamerasResult{Catalog: file, Added: ids}, nil
}

// restore puts a file back as it was before a change that did not commit.
func restore(file string, old []byte, existed bool) {
	if !existed {
		os.Remove(file)
		return
	}
	tmp := file + ".restore"
	if os.WriteFile(tmp, old, 0o644) == nil {
		os.Rename(tmp, file)
	}
}
