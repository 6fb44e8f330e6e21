package demo

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
	"time"

	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/framecode"
)

// GroundTruth is what the demo site really contains, in true time; tests and
// analysts in training check klipp's answers against it.
type GroundTruth struct {
	Start     time.Time               `json:"start"`
	End       time.Time               `json:"end"`
	FPS       int                     `json:"fps"`
	Width     int                     `json:"width"`
	Height    int                     `json:"height"`
	FrameCode string                  `json:"frame_code"`
	Suspect   Suspect                 `json:"suspect"`
	Cameras   map[string]*CameraTruth `json:"cameras"`
}

// Suspect describes the figure and its passages, in route order.
type Suspect struct {
	Description string  `json:"description"`
	Visits      []Visit `json:"visits"`
}

// Visit is one passage through a camera's view.
type Visit struct {
	Camera string    `json:"camera"`
	Enter  time.Time `json:"enter"` // first instant any of the figure is in the frame
	Leave  time.Time `json:"leave"` // first instant none of it is
	Track  []Sample  `json:"track"` // the figure's box, once a second
}

// Sample is the figure's box (clipped to the frame) at a true time.
type Sample struct {
	At time.Time `json:"at"`
	X  int       `json:"x"`
	Y  int       `json:"y"`
	W  int       `json:"w"`
	H  int       `json:"h"`
}

// CameraTruth lists a camera's files and what is wrong with them.
type CameraTruth struct {
	Offsets  clock.Offsets  `json:"-"`
	Segments []SegmentTruth `json:"segments"`
	Gaps     []Span         `json:"gaps,omitempty"`
	// Nuisance is what the camera adds that is not activity: changes of
	// light, a flickering lamp, noise.
	Nuisance []string `json:"nuisance,omitempty"`
}

// SegmentTruth is one recording file.
type SegmentTruth struct {
	File        string    `json:"file"`
	CameraClock time.Time `json:"camera_clock_start"`
	TrueStart   time.Time `json:"true_start"`
	Frames      int       `json:"frames"`
	Truncated   bool      `json:"truncated,omitempty"`
}

// Span is a true-time interval.
type Span struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

func newGroundTruth(o Options) *GroundTruth {
	gt := &GroundTruth{
		Start: o.Start, End: o.Start.Add(o.Length), FPS: o.FPS, Width: o.Width, Height: o.Height,
		FrameCode: fmt.Sprintf("two rows of %d blocks (%dx%d px) at the top: 64-bit camera-clock Unix ms, then a 16-bit CRC-32 fold; see internal/framecode",
			framecode.PerRow, framecode.BlockW, framecode.BlockH),
		Suspect: Suspect{Description: "adult in a red jacket and dark trousers, walking; runs from Gustav Adolfs torg to Möllevångstorget"},
		Cameras: map[string]*CameraTruth{},
	}
	for _, v := range route {
		p := &painter{o: o, visit: &v}
		enter, leave := o.Start.Add(v.Enter), o.Start.Add(v.Leave)
		gv := Visit{Camera: v.Camera, Enter: enter, Leave: leave}
		for t := enter; t.Before(leave); t = t.Add(time.Second) {
			box, _ := p.suspectAt(t)
			box = box.Intersect(image.Rect(0, 0, o.Width, o.Height))
			gv.Track = append(gv.Track, Sample{At: t, X: box.Min.X, Y: box.Min.Y, W: box.Dx(), H: box.Dy()})
		}
		gt.Suspect.Visits = append(gt.Suspect.Visits, gv)
	}
	return gt
}

// LoadGroundTruth reads a site's ground-truth.json.
func LoadGroundTruth(path string) (*GroundTruth, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var gt GroundTruth
	if err := json.Unmarshal(data, &gt); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &gt, nil
}
