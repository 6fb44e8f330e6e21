package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
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
	At         time.Time `json:"at"`
	Offset     float64   `json:"offset_s"`
	Resolution float64   `json:"resolution_s"` // ± of the reading
	Note       string    `json:"note,omitempty"`
}

func (s *Service) cameraOf(cam *catalog.Camera) Camera {
	v := Camera{Camera: cam, Timezone: cam.Timezone.String(), Retention: clock.FormatDuration(cam.Retention), ClockVerified: cam.Clock.Verified()}
	if cam.Recordings.Pattern != nil {
		v.Pattern = cam.Recordings.Pattern.String()
	}
	for _, m := range cam.Clock.Measurements() {
		if m.Resolution == 0 {
			m.Resolution = clock.DefaultResolution
		}
		v.Clock = append(v.Clock, Measurement{At: m.At, Offset: m.Offset.Seconds(), Resolution: m.Resolution.Seconds(), Note: m.Note})
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

// CameraNear ranks cameras by distance. With Within, only the cameras in
// the store's box around the point are measured (see catalog.NearQuery.Box).
func (s *Service) CameraNear(ctx context.Context, req CameraNearRequest) ([]catalog.Near, error) {
	q := catalog.NearQuery{Within: req.Within, At: req.At}
	switch {
	case req.Position != nil:
		q.From = *req.Position
	case req.Camera != "":
		cam, err := s.cameraByID(ctx, req.Camera)
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
	if minLat, maxLat, minLon, maxLon, ok := q.Box(); ok {
		cams, err := s.camerasIn(ctx, minLat, maxLat, minLon, maxLon)
		if err != nil {
			return nil, err
		}
		return catalog.NearAmong(cams, q), nil
	}
	cat, err := s.Catalog()
	if err != nil {
		return nil, err
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
// it (cameras.import), together with the store's copy of the catalog:
// when the audit entry cannot be written, the catalog file is put back as
// it was.
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
	var cat *catalog.Catalog
	_, err = s.change(ctx, audit.Entry{Action: "cameras.import", Detail: detail}, func(tx *store.Store) error {
		var data []byte
		var err error
		cat, data, ids, err = catalog.Import(file, req.File, s.cfg.Timezone)
		if err != nil {
			return err
		}
		imported = true
		fi, err := os.Stat(file)
		if err != nil {
			return fault.Wrap(fault.Storage, err)
		}
		if err := storeCatalog(ctx, tx, s.catalogKey(), fi, digest.Bytes(data), cat, s.now()); err != nil {
			return err
		}
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
	s.mu.Lock()
	s.cat = cat
	s.mu.Unlock()
	return ImportCamerasResult{Catalog: file, Added: ids}, nil
}

// The store keeps a copy of the catalog file (catalog_cameras), so that a
// command that needs one camera, or the cameras around a point, reads
// those rows instead of parsing a file of perhaps 100,000 cameras. The
// copy is checked against the file on each first use: when the file's
// size, mtime, ctime and inode are those recorded, the copy is current;
// otherwise the file is hashed, and read again only when its SHA-256
// differs. cameras.yaml stays the source.

// catalogKey is the catalog file as the store names it.
func (s *Service) catalogKey() string {
	if abs, err := filepath.Abs(s.cfg.Catalog); err == nil {
		return abs
	}
	return s.cfg.Catalog
}

// fileStamp is what identifies a file's version without reading it.
func fileStamp(fi os.FileInfo) (size, mtime, ctime, inode int64) {
	size, mtime = fi.Size(), fi.ModTime().UnixNano()
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ctime, inode = st.Ctim.Sec*1e9+st.Ctim.Nsec, int64(st.Ino)
	}
	return
}

// storeCatalog puts cat, read from a file with info fi and SHA-256 sum,
// in the store as key's cameras.
func storeCatalog(ctx context.Context, st *store.Store, key string, fi os.FileInfo, sum string, cat *catalog.Catalog, now time.Time) error {
	rows := make([]store.CatalogCamera, len(cat.Cameras))
	for i, cam := range cat.Cameras {
		entry, err := json.Marshal(cam.Entry())
		if err != nil {
			return err
		}
		rows[i] = store.CatalogCamera{ID: cam.ID, Ord: i, Line: cam.Line, Lat: cam.Location.Lat, Lon: cam.Location.Lon, Entry: string(entry)}
	}
	f := store.CatalogFile{File: key, SHA256: sum, Loaded: now}
	f.Size, f.MtimeNs, f.CtimeNs, f.Inode = fileStamp(fi)
	if err := st.ReplaceCatalog(ctx, f, rows); err != nil {
		return fault.Wrap(fault.Storage, fmt.Errorf("store the camera catalog %s: %w", key, err))
	}
	// A clock reading changes the camera's clock model: the index's true
	// times of its footage change with it, in the same transaction (the
	// cuts, coverage and retention read them).
	for _, cam := range cat.Cameras {
		if err := retime(ctx, st, cam); err != nil {
			return fault.Wrap(fault.Storage, fmt.Errorf("camera %s: the true times of its footage: %w", cam.ID, err))
		}
	}
	return nil
}

// retime sets the true start and end of the camera's indexed footage
// that its clock model now puts elsewhere.
func retime(ctx context.Context, st *store.Store, cam *catalog.Camera) error {
	segs, err := st.Segments(ctx, cam.ID)
	if err != nil {
		return err
	}
	var moved []store.Segment
	for _, g := range segs {
		if g.CameraStart.IsZero() {
			continue // no start time: not placed on the timeline
		}
		start, end := cam.Clock.TrueTime(g.CameraStart), footage.TrueEnd(cam.Clock, g.CameraStart, g.Duration)
		if !start.Equal(g.TrueStart) || !end.Equal(g.TrueEnd) {
			g.TrueStart, g.TrueEnd = start, end
			moved = append(moved, g)
		}
	}
	if len(moved) == 0 {
		return nil
	}
	return st.SetTrueTimes(ctx, cam.ID, moved)
}

// syncCatalog makes the store's copy of the catalog current. It returns
// the catalog when it had to read the file (nil when the copy was
// current).
func (s *Service) syncCatalog(ctx context.Context) (*catalog.Catalog, error) {
	file, key := s.cfg.Catalog, s.catalogKey()
	fi, err := os.Stat(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fault.Usagef("camera catalog %s does not exist (set catalog: in klipp.yaml)", file)
		}
		return nil, fault.Usagef("camera catalog: %w", err)
	}
	have, err := s.store.Catalog(ctx, key)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fault.Wrap(fault.Storage, err)
	}
	size, mtime, ctime, inode := fileStamp(fi)
	if err == nil && have.Size == size && have.MtimeNs == mtime && have.CtimeNs == ctime && have.Inode == inode {
		return nil, nil
	}
	data, rerr := os.ReadFile(file)
	if rerr != nil {
		return nil, fault.Usagef("camera catalog: %w", rerr)
	}
	sum := digest.Bytes(data)
	if err == nil && have.SHA256 == sum {
		have.Size, have.MtimeNs, have.CtimeNs, have.Inode = size, mtime, ctime, inode
		return nil, fault.Wrap(fault.Storage, s.store.TouchCatalog(ctx, have))
	}
	cat, err := catalog.Parse(file, data, s.cfg.Timezone)
	if err != nil {
		return nil, err
	}
	s.mount(cat.Cameras...)
	return cat, storeCatalog(ctx, s.store, key, fi, sum, cat, s.now())
}

// loadCatalog reads the whole catalog: from the file when the store's
// copy is stale (and refreshes it), otherwise from the store.
func (s *Service) loadCatalog(ctx context.Context) (*catalog.Catalog, error) {
	if cat, err := s.syncCatalog(ctx); cat != nil || err != nil {
		return cat, err
	}
	rows, err := s.store.CatalogCameras(ctx, s.catalogKey())
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	cams, err := s.camerasOf(rows)
	if err != nil {
		return nil, err
	}
	return catalog.New(s.cfg.Catalog, cams), nil
}

// camerasOf turns the store's rows into cameras.
func (s *Service) camerasOf(rows []store.CatalogCamera) ([]*catalog.Camera, error) {
	base := filepath.Dir(s.cfg.Catalog)
	cams := make([]*catalog.Camera, len(rows))
	for i, r := range rows {
		var e catalog.Entry
		if err := json.Unmarshal([]byte(r.Entry), &e); err != nil {
			return nil, fault.Wrap(fault.Storage, fmt.Errorf("camera %s in the store: %w", r.ID, err))
		}
		cam, err := catalog.FromEntry(e, base, s.cfg.Timezone)
		if err != nil {
			return nil, fault.Usagef("%s: line %d: camera %s: %v", s.cfg.Catalog, r.Line, r.ID, err)
		}
		cam.Line = r.Line
		cams[i] = cam
	}
	s.mount(cams...)
	return cams, nil
}

// mount places cameras' recordings on named roots at this machine's mount
// points (roots: in klipp.yaml).
func (s *Service) mount(cams ...*catalog.Camera) {
	for _, c := range cams {
		c.Recordings.Mount(s.cfg.Roots)
	}
}

// cached is the catalog when this service has read it whole.
func (s *Service) cached() *catalog.Catalog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cat
}

// cameraByID reads one camera: from the catalog when this service holds
// it, otherwise from the store's current copy.
func (s *Service) cameraByID(ctx context.Context, id string) (*catalog.Camera, error) {
	if cat := s.cached(); cat != nil {
		return cat.Camera(id)
	}
	cat, err := s.syncCatalog(ctx)
	if err != nil {
		return nil, err
	}
	if cat != nil {
		s.mu.Lock()
		s.cat = cat
		s.mu.Unlock()
		return cat.Camera(id)
	}
	key := s.catalogKey()
	row, err := s.store.CatalogCamera(ctx, key, id)
	if errors.Is(err, store.ErrNotFound) {
		f, err := s.store.Catalog(ctx, key)
		if err != nil {
			return nil, fault.Wrap(fault.Storage, err)
		}
		ids, err := s.store.CatalogIDs(ctx, key, catalog.ListKnown+1)
		if err != nil {
			return nil, fault.Wrap(fault.Storage, err)
		}
		return nil, catalog.NotFound(id, f.Cameras, ids)
	}
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	cams, err := s.camerasOf([]store.CatalogCamera{row})
	if err != nil {
		return nil, err
	}
	return cams[0], nil
}

// camerasIn returns the cameras inside a box, in catalog order.
func (s *Service) camerasIn(ctx context.Context, minLat, maxLat, minLon, maxLon float64) ([]*catalog.Camera, error) {
	if cat := s.cached(); cat != nil {
		var out []*catalog.Camera
		for _, c := range cat.Cameras {
			if c.Location.Lat >= minLat && c.Location.Lat <= maxLat && c.Location.Lon >= minLon && c.Location.Lon <= maxLon {
				out = append(out, c)
			}
		}
		return out, nil
	}
	cat, err := s.syncCatalog(ctx)
	if err != nil {
		return nil, err
	}
	if cat != nil {
		s.mu.Lock()
		s.cat = cat
		s.mu.Unlock()
		return s.camerasIn(ctx, minLat, maxLat, minLon, maxLon)
	}
	rows, err := s.store.CatalogCamerasIn(ctx, s.catalogKey(), minLat, maxLat, minLon, maxLon)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	return s.camerasOf(rows)
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
