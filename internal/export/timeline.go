package export

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// EntryView is a timeline entry as klipp shows it: true time, the camera's
// clock at that instant, and the camera's name.
type EntryView struct {
	Number        int         `json:"number"` // position in time order
	ID            int64       `json:"id"`
	At            time.Time   `json:"at"`
	CameraClock   time.Time   `json:"camera_clock"`
	ClockVerified bool        `json:"clock_verified"`
	Camera        string      `json:"camera"`
	CameraName    string      `json:"camera_name"`
	From          time.Time   `json:"from"`
	To            time.Time   `json:"to"`
	Text          string      `json:"text"`
	Tags          []string    `json:"tags"`
	Stills        []time.Time `json:"stills"`
	Author        string      `json:"author"`
	Mode          string      `json:"mode,omitempty"` // the clip's cut mode if not clip.mode
	// Uncertainty: the true time is At ± this many seconds (the clock
	// model's bound, see clock.Offsets.Uncertainty); nil when the camera's
	// clock is not verified, which has no bound.
	Uncertainty *float64 `json:"uncertainty_s"`
	// OrderUncertain lists the entries (by number) on other cameras whose
	// time intervals overlap this one's: their order is not certain.
	OrderUncertain []int `json:"order_uncertain_with,omitempty"`
	bound          clock.Bound
}

// FrameInterval is the frame interval a bound counts for cam: that of the
// catalog's fps, 1/25 s when it names none.
func FrameInterval(cam *catalog.Camera) time.Duration {
	if cam != nil && cam.FPS > 0 {
		return time.Duration(float64(time.Second) / cam.FPS)
	}
	return time.Second / 25
}

// Bound is the uncertainty of true time at derived through cam's clock.
func Bound(cam *catalog.Camera, at time.Time, driftPerDay time.Duration) clock.Bound {
	if cam == nil {
		return clock.Bound{}
	}
	return cam.Clock.Uncertainty(at, driftPerDay, FrameInterval(cam))
}

// Bound is the entry's uncertainty.
func (v EntryView) Bound() clock.Bound { return v.bound }

// MarkOrder flags the entries on different cameras whose intervals
// overlap (an unverified clock overlaps everything): view(i) is the i-th
// of n entries.
func MarkOrder(n int, view func(i int) *EntryView) {
	for i := 0; i < n; i++ {
		a := view(i)
		a.OrderUncertain = nil
		for j := 0; j < n; j++ {
			b := view(j)
			if i != j && a.Camera != b.Camera && clock.Overlap(a.At, a.bound, b.At, b.bound) {
				a.OrderUncertain = append(a.OrderUncertain, b.Number)
			}
		}
	}
}

// ViewEntry is e as shown, numbered, with its uncertainty under a drift
// bound of driftPerDay; cam may be nil (not in the catalog).
func ViewEntry(e store.Entry, number int, cam *catalog.Camera, driftPerDay time.Duration) EntryView {
	v := EntryView{Number: number, ID: e.ID, At: e.At, CameraClock: e.At, Camera: e.Camera, CameraName: e.Camera, From: e.From, To: e.To,
		Text: e.Text, Tags: e.Tags, Stills: e.Stills, Author: e.Author, Mode: e.Mode}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if v.Stills == nil {
		v.Stills = []time.Time{}
	}
	if cam != nil {
		// The camera clock to the millisecond, as the entry's time: a
		// drifting clock's model gives nanoseconds no one measured.
		v.CameraClock, v.ClockVerified, v.CameraName = cam.Clock.CameraClock(e.At).Round(time.Millisecond), cam.Clock.Verified(), cam.Name
	}
	if v.bound = Bound(cam, e.At, driftPerDay); v.bound.Known {
		u := math.Ceil(v.bound.Plus.Seconds()*1000) / 1000
		v.Uncertainty = &u
	}
	return v
}

// Entry is one timeline entry as the bundle's timeline.json has it.
type Entry struct {
	EntryView
	Clip        string      `json:"clip,omitempty"` // bundle path; "" when the camera has no footage for the range
	Mode        string      `json:"mode,omitempty"`
	Reencoded   string      `json:"reencoded_frames,omitempty"`
	ClipFrom    time.Time   `json:"clip_first_frame,omitempty"` // true time of the clip's first frame
	Stills      []string    `json:"still_files"`
	StillFrames []time.Time `json:"still_frame_times"` // true time of the frame each still shows
	Gaps        int         `json:"gaps"`
	Note        string      `json:"note,omitempty"`
	// Sheet is the contact sheet of the clip range (bundle path), one
	// thumbnail every SheetEvery seconds.
	Sheet      string  `json:"contact_sheet,omitempty"`
	SheetEvery float64 `json:"contact_sheet_every_s,omitempty"`
}

// writeTimeline writes timeline.json and timeline.csv.
func writeTimeline(job *Work, entries []Entry) error {
	data, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(job.Path(bundle.TimelineJSON), append(data, '\n')); err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"number", "true_time", "uncertainty_s", "order_uncertain_with", "camera_clock", "clock_verified", "camera", "camera_name", "clip_from", "clip_to", "tags", "text", "clip", "stills"})
	for _, e := range entries {
		w.Write([]string{strconv.Itoa(e.Number), e.At.Format(time.RFC3339Nano), uncertaintyText(e.Uncertainty), numbers(e.OrderUncertain),
			e.CameraClock.Format(time.RFC3339Nano), strconv.FormatBool(e.ClockVerified),
			e.Camera, e.CameraName, e.From.Format(time.RFC3339Nano), e.To.Format(time.RFC3339Nano), strings.Join(e.Tags, ","), e.Text, e.Clip, strings.Join(e.Stills, ",")})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return fault.Wrap(fault.Storage, atomicfile.Write(job.Path(bundle.TimelineCSV), []byte(b.String())))
}

// uncertaintyText is the ± in seconds, "" when there is no bound.
func uncertaintyText(u *float64) string {
	if u == nil {
		return ""
	}
	return strconv.FormatFloat(*u, 'f', -1, 64)
}

// numbers joins entry numbers with commas.
func numbers(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// caseAudit writes the audit chain's entries for a case to path, line for
// line as the chain holds them.
func caseAudit(ctx context.Context, st *store.Store, path, number string) error {
	var b strings.Builder
	if err := st.AuditRows(ctx, number, func(r store.AuditRow) error {
		b.WriteString(r.Line)
		b.WriteByte('\n')
		return nil
	}); err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	return fault.Wrap(fault.Storage, atomicfile.Write(path, []byte(b.String())))
}
