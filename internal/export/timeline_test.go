package export

import (
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/store"
)

// A drifting clock's model gives the camera clock nanoseconds no one
// measured: the timeline's camera clock is to the millisecond, as the
// entry's own time.
func TestViewEntryCameraClockToTheMillisecond(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	cam := &catalog.Camera{ID: "sodergatan-2", Name: "Södergatan 2", Clock: clock.NewOffsets([]clock.Measurement{
		{At: t0, Offset: 35 * time.Second}, {At: t0.Add(20 * 24 * time.Hour), Offset: 39 * time.Second},
	})}
	at := time.Date(2026, 11, 20, 21, 8, 20, 299e6, time.UTC)
	if raw := cam.Clock.CameraClock(at); raw.Nanosecond()%1e6 == 0 {
		t.Fatalf("the model gives whole milliseconds here (%s): the test proves nothing", raw.Format(time.RFC3339Nano))
	}
	v := ViewEntry(store.Entry{At: at, From: at.Add(-5 * time.Second), To: at.Add(10 * time.Second), Camera: cam.ID}, 1, cam, 0)
	want := cam.Clock.CameraClock(at).Round(time.Millisecond)
	if v.CameraClock.Nanosecond()%1e6 != 0 || !v.CameraClock.Equal(want) {
		t.Errorf("camera clock %s, want %s", v.CameraClock.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
}
