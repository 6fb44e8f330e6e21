package export

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/catalog"
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
}

// ViewEntry is e as shown, numbered; cam may be nil (not in the catalog).
func ViewEntry(e store.Entry, number int, cam *catalog.Camera) EntryView {
	v := EntryView{Number: number, ID: e.ID, At: e.At, CameraClock: e.At, Camera: e.Camera, CameraName: e.Camera, From: e.From, To: e.To,
		Text: e.Text, Tags: e.Tags, Stills: e.Stills, Author: e.Author, Mode: e.Mode}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if v.Stills == nil {
		v.Stills = []time.Time{}
	}
	if cam != nil {
		v.CameraClock, v.ClockVerified, v.CameraName = cam.Clock.CameraClock(e.At), cam.Clock.Verified(), cam.Name
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
	w.Write([]string{"number", "true_time", "camera_clock", "clock_verified", "camera", "camera_name", "clip_from", "clip_to", "tags", "text", "clip", "stills"})
	for _, e := range entries {
		w.Write([]string{strconv.Itoa(e.Number), e.At.Format(time.RFC3339Nano), e.CameraClock.Format(time.RFC3339Nano), strconv.FormatBool(e.ClockVerified),
			e.Camera, e.CameraName, e.From.Format(time.RFC3339Nano), e.To.Format(time.RFC3339Nano), strings.Join(e.Tags, ","), e.Text, e.Clip, strings.Join(e.Stills, ",")})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return fault.Wrap(fault.Storage, atomicfile.Write(job.Path(bundle.TimelineCSV), []byte(b.String())))
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
