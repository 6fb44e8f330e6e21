package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/activity"
	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/export"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/sheet"
	"github.com/klipp-forensics/klipp/internal/store"
)

// SheetRequest asks for a contact sheet: thumbnails of a camera's footage
// between two true times, with the true time under each.
type SheetRequest struct {
	Camera   string
	From, To time.Time
	Every    time.Duration // one thumbnail every Every, from From
	Activity bool          // instead: one at the busiest moment of each period of activity
	Out      string        // .png (one page) or .pdf (pages)
	Columns  int           // default 4
	Width    int           // of each thumbnail, default 320
	Force    bool
	Case     string // the case it is made for (an export's contact sheet), for the audit entry
}

// SheetRecord is written beside the sheet as OUT.json: what each thumbnail
// shows and where it is.
type SheetRecord struct {
	File          string        `json:"file"`
	SHA256        string        `json:"sha256"`
	Camera        string        `json:"camera"`
	CameraName    string        `json:"camera_name"`
	From          time.Time     `json:"from"`
	To            time.Time     `json:"to"`
	Mode          string        `json:"mode"` // every | activity
	Every         float64       `json:"every_s,omitempty"`
	Pages         int           `json:"pages"`
	Thumbnails    []SheetThumb  `json:"thumbnails"`
	Sources       []SheetSource `json:"sources"`
	ClockVerified bool          `json:"clock_verified"`
	Software      string        `json:"software"`
	Created       time.Time     `json:"created"`
}

// SheetThumb is one thumbnail: the frame on screen at At, and where on the
// sheet it is (its picture, in the page's pixels).
type SheetThumb struct {
	At          time.Time   `json:"at"`
	FrameTime   *time.Time  `json:"frame_true_time,omitempty"`
	CameraClock *time.Time  `json:"frame_camera_clock,omitempty"`
	Source      string      `json:"source,omitempty"`
	SourcePTS   int64       `json:"source_pts,omitempty"`
	NoFootage   string      `json:"no_footage,omitempty"`
	Period      []time.Time `json:"activity,omitempty"` // start and end of the period it shows
	Label       string      `json:"label"`
	Page        int         `json:"page"`
	X           int         `json:"x"`
	Y           int         `json:"y"`
	W           int         `json:"w"`
	H           int         `json:"h"`
}

// SheetSource is a segment thumbnails were taken from.
type SheetSource struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// Sheet writes a contact sheet, its record beside it, audited before the
// sheet takes its name.
func (s *Service) Sheet(ctx context.Context, req SheetRequest, ev Events) (SheetRecord, error) {
	if err := s.Need(ctx, "sheet", "", RoleAnalyst); err != nil {
		return SheetRecord{}, err
	}
	ev = events(ev)
	if req.Camera == "" {
		return SheetRecord{}, fault.Fieldf("camera", "required")
	}
	pdf := strings.EqualFold(filepath.Ext(req.Out), ".pdf")
	if err := outputDir(req.Out, ".png", ".pdf"); err != nil {
		if fe := (*fault.FieldError)(nil); errors.As(err, &fe) && strings.Contains(fe.Message, "still") {
			return SheetRecord{}, fault.Fieldf("output", "%s: the sheet is .png or .pdf", req.Out)
		}
		return SheetRecord{}, err
	}
	if _, err := os.Stat(req.Out); err == nil && !req.Force {
		return SheetRecord{}, fault.Wrap(fault.Usage, &ExistsError{Path: req.Out})
	}
	switch {
	case req.Activity && req.Every > 0:
		return SheetRecord{}, fault.Fieldf("every", "give --every or --activity, not both")
	case !req.Activity && req.Every < 200*time.Millisecond:
		return SheetRecord{}, fault.Fieldf("every", "%v: give 200ms or more", req.Every)
	}
	cam, err := s.Camera(req.Camera)
	if err != nil {
		return SheetRecord{}, err
	}
	cov, err := s.footageIn(ctx, cam, req.From, req.To)
	if err != nil {
		return SheetRecord{}, err
	}
	rec := SheetRecord{File: req.Out, Camera: cam.ID, CameraName: cam.Name, From: cov.From, To: cov.To, Mode: "every", Every: req.Every.Seconds(),
		ClockVerified: cam.Clock.Verified(), Software: s.software(), Created: s.now().UTC(), Sources: []SheetSource{}}
	if req.Activity {
		rec.Mode, rec.Every = "activity", 0
		_, _, periods, err := s.periods(ctx, cam, cov.From, cov.To, activity.Query{}, ev)
		if err != nil {
			return SheetRecord{}, err
		}
		for _, p := range periods {
			rec.Thumbnails = append(rec.Thumbnails, SheetThumb{At: p.PeakAt, Period: []time.Time{p.Start, p.End}})
		}
	} else {
		for t := cov.From; t.Before(cov.To); t = t.Add(req.Every) {
			rec.Thumbnails = append(rec.Thumbnails, SheetThumb{At: t})
		}
	}
	columns := req.Columns
	if columns <= 0 {
		columns = 4
	}
	perPage := 0
	if pdf {
		perPage = columns * 5
	}
	if err := sheet.Check(len(rec.Thumbnails), perPage); err != nil {
		return SheetRecord{}, fault.Fieldf("every", "%v", err)
	}
	thumbs, aspect, err := s.thumbnails(ctx, cam, &rec, max(req.Width, 0), ev)
	if err != nil {
		return SheetRecord{}, err
	}
	title := []string{fmt.Sprintf("%s (%s)   %s → %s   true time", cam.Name, cam.ID, s.show(rec.From), s.show(rec.To)),
		fmt.Sprintf("%s   %s   %s", sheetWhat(rec), clockNote(cam, rec.From), s.software())}
	pages, placed, err := sheet.Render(thumbs, sheet.Layout{Title: title, Columns: columns, ThumbWidth: req.Width, Aspect: aspect, PerPage: perPage})
	if err != nil {
		return SheetRecord{}, err
	}
	rec.Pages = len(pages)
	for i, p := range placed {
		t := &rec.Thumbnails[i]
		t.Page, t.X, t.Y, t.W, t.H = p.Page, p.Rect.Min.X, p.Rect.Min.Y, p.Rect.Dx(), p.Rect.Dy()
	}
	tmp := tempName(req.Out)
	defer os.Remove(tmp)
	if pdf {
		err = writePDF(tmp, pages, sheet.PDFInfo{Title: title[0], Author: s.Who(), Creator: s.software(), Created: rec.Created})
	} else {
		err = media.WriteStill(tmp, media.Still{Image: pages[0]}, media.Meta{"Camera": cam.ID + " (" + cam.Name + ")",
			"From": rec.From.Format(time.RFC3339Nano), "To": rec.To.Format(time.RFC3339Nano), "Contents": sheetWhat(rec), "Software": s.software()})
	}
	if err != nil {
		return SheetRecord{}, stillError(req.Out, err)
	}
	if _, rec.SHA256, err = digest.File(tmp); err != nil {
		return SheetRecord{}, fault.Wrap(fault.Storage, err)
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return SheetRecord{}, err
	}
	if err := atomicfile.Write(req.Out+".json", append(data, '\n')); err != nil {
		return SheetRecord{}, fault.Wrap(fault.Storage, err)
	}
	hashes := map[string]string{req.Out: rec.SHA256}
	for _, src := range rec.Sources {
		hashes[src.File] = src.SHA256
	}
	if _, err := s.record(ctx, audit.Entry{Action: "sheet", Case: req.Case, Camera: cam.ID, Hashes: hashes, Detail: map[string]string{
		"file": req.Out, "from": rec.From.Format(time.RFC3339Nano), "to": rec.To.Format(time.RFC3339Nano), "mode": rec.Mode,
		"thumbnails": strconv.Itoa(len(rec.Thumbnails)), "record": req.Out + ".json"}}); err != nil {
		os.Remove(req.Out + ".json")
		return SheetRecord{}, err
	}
	if err := os.Rename(tmp, req.Out); err != nil {
		return SheetRecord{}, fault.Wrap(fault.Storage, err)
	}
	return rec, nil
}

// sheetWriter writes an export's contact sheets.
type sheetWriter struct {
	s  *Service
	ev Events
}

var _ export.SheetWriter = sheetWriter{}

// WriteSheet writes one entry's contact sheet as a PNG of four columns of
// 240-pixel thumbnails.
func (w sheetWriter) WriteSheet(ctx context.Context, req export.SheetRequest) (export.Sheet, error) {
	rec, err := w.s.Sheet(ctx, SheetRequest{Camera: req.Camera.ID, From: req.From, To: req.To, Every: req.Every, Out: req.Out, Columns: 4, Width: 240,
		Force: true, Case: req.Case}, w.ev)
	if err != nil {
		return export.Sheet{}, err
	}
	out := export.Sheet{SHA256: rec.SHA256, Thumbnails: len(rec.Thumbnails)}
	for _, src := range rec.Sources {
		out.Sources = append(out.Sources, export.Source{File: src.File, SHA256: src.SHA256})
	}
	return out, nil
}

// writePDF writes the pages to path, synced.
func writePDF(path string, pages []*image.YCbCr, info sheet.PDFInfo) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := sheet.WritePDF(f, pages, info); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func sheetWhat(r SheetRecord) string {
	if r.Mode == "activity" {
		return fmt.Sprintf("%d period(s) of activity, each at its busiest moment", len(r.Thumbnails))
	}
	return fmt.Sprintf("every %s", clock.FormatDuration(time.Duration(r.Every*float64(time.Second))))
}

func clockNote(cam *catalog.Camera, at time.Time) string {
	if !cam.Clock.Verified() {
		return "camera clock NOT verified"
	}
	return fmt.Sprintf("camera clock %+.3f s (measured)", cam.Clock.At(at).Seconds())
}

// thumbnails decodes the frame on screen at each thumbnail's time, scaled
// to width, opening each segment once; times without footage get a note.
// It fills in the record's frames and sources and returns the pictures and
// their shape (height/width).
func (s *Service) thumbnails(ctx context.Context, cam *catalog.Camera, rec *SheetRecord, width int, ev Events) ([]sheet.Thumb, float64, error) {
	if width <= 0 {
		width = 320
	}
	thumbs := make([]sheet.Thumb, len(rec.Thumbnails))
	type want struct {
		idx int
		off time.Duration
	}
	bySeg := map[int64][]want{}
	segs := map[int64]*store.Segment{}
	var order []int64
	for i := range rec.Thumbnails {
		t := &rec.Thumbnails[i]
		seg, err := footage.Locate(ctx, s.store, cam, t.At, s.show)
		if fault.KindOf(err) == fault.NotFound {
			t.NoFootage = "no footage"
			t.Label = s.show(t.At)
			thumbs[i] = sheet.Thumb{Lines: []string{t.Label}, Note: "no footage"}
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		if _, ok := segs[seg.ID]; !ok {
			segs[seg.ID] = seg
			order = append(order, seg.ID)
		}
		bySeg[seg.ID] = append(bySeg[seg.ID], want{i, t.At.Sub(seg.TrueStart)})
	}
	aspect := 0.0
	done := 0
	for _, id := range order {
		seg := segs[id]
		sum, err := footage.SourceHash(ctx, s.store, seg)
		if err != nil {
			return nil, 0, err
		}
		rec.Sources = append(rec.Sources, SheetSource{File: seg.Path, SHA256: sum})
		offs := make([]time.Duration, len(bySeg[id]))
		for j, w := range bySeg[id] {
			offs[j] = w.off
		}
		err = media.StillsEach(ctx, seg.Path, offs, func(j int, st media.Still) error {
			w := bySeg[id][j]
			t := &rec.Thumbnails[w.idx]
			frameTrue, frameCam := seg.TrueStart.Add(st.Offset), seg.CameraStart.Add(st.Offset)
			t.FrameTime, t.CameraClock, t.Source, t.SourcePTS = &frameTrue, &frameCam, seg.Path, st.PTS
			t.Label = s.show(frameTrue)
			lines := []string{t.Label}
			if len(t.Period) == 2 {
				lines = append(lines, "activity "+s.show(t.Period[0])[11:19]+"–"+s.show(t.Period[1])[11:19])
			}
			sw, sh := st.Image.Rect.Dx(), st.Image.Rect.Dy()
			if aspect == 0 {
				aspect = float64(sh) / float64(sw)
			}
			tw := min(width, sw) &^ 1
			th := max(2, int(float64(tw)*aspect+0.5)&^1)
			img := image.NewYCbCr(image.Rect(0, 0, tw, th), image.YCbCrSubsampleRatio420)
			sheet.Scale(img, img.Rect, st.Image, st.Full)
			thumbs[w.idx] = sheet.Thumb{Image: img, Lines: lines}
			done++
			ev.Progress("sheet "+filepath.Base(rec.File), int64(done), int64(len(thumbs)))
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	for i, t := range rec.Thumbnails {
		if len(t.Period) == 2 && t.NoFootage != "" {
			thumbs[i].Lines = append(thumbs[i].Lines, "activity "+s.show(t.Period[0])[11:19]+"–"+s.show(t.Period[1])[11:19])
		}
	}
	return thumbs, aspect, nil
}
