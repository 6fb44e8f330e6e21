package export

import (
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
)

// A title card's time carries the clock model's ±: resolution, a frame
// and the drift bound times the distance from the measurement.
func TestCardTime(t *testing.T) {
	zone, _ := time.LoadLocation("Europe/Stockholm")
	at := time.Date(2026, 11, 20, 21, 14, 5, 200e6, time.UTC)
	cam := &catalog.Camera{Name: "Shop", FPS: 25, Clock: clock.NewOffsets([]clock.Measurement{{At: at.Add(-6 * time.Hour), Offset: 3 * time.Second}})}
	in := Inputs{Zone: zone, Language: "sv", DriftBound: clock.DefaultDriftBound}
	if got := cardTime(at, cam, in); got != "2026-11-20 22:14:05,2 ± 1,1 s" { // 0.5 + 0.04 + 0.5
		t.Errorf("sv card: %q", got)
	}
	in.Language = "en"
	if got := cardTime(at, &catalog.Camera{Name: "Bank"}, in); got != "2026-11-20 22:14:05.2 (clock not verified)" {
		t.Errorf("en card, unverified: %q", got)
	}
}
