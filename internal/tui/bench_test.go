package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkPickerKey measures one key in the camera picker's filter with
// 2,000 cameras: the filter over every camera and the redraw at 160x48
// (strips of the visible rows already loaded, as they are after the first
// screen). Goal: under 50 ms per key.
func BenchmarkPickerKey(b *testing.B) {
	m := New(context.Background(), nil, time.UTC, time.Now)
	m.width, m.height = 160, 48
	m.screen = screenCameras
	m.caseView.detail = CaseDetail{CaseRow: CaseRow{Number: "K-BENCH", From: time.Unix(0, 0), To: time.Unix(3600, 0)}, Place: "Stortorget"}
	owners := []string{"polisen", "trafikverket", "kommun", "business"}
	for i := range 2000 {
		m.picker.all = append(m.picker.all, CameraRow{ID: fmt.Sprintf("cam-%04d", i), Name: fmt.Sprintf("Kamera %04d Södergatan", i),
			Owner: owners[i%4], Quality: "recognition", Distance: float64(i)})
	}
	m.picker.strips = map[string]Strip{}
	for _, c := range m.picker.all {
		m.picker.strips[c.ID] = Strip(strings.Repeat("█", m.stripWidth()))
	}
	m.picker.applyFilter()
	keys := []string{"/", "k", "a", "m", "backspace", "backspace", "esc"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := keys[i%len(keys)]
		var msg tea.KeyPressMsg
		switch k {
		case "backspace":
			msg = tea.KeyPressMsg{Code: tea.KeyBackspace}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		default:
			msg = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		}
		mm, _ := m.Update(msg)
		m = mm.(Model)
		_ = m.View()
	}
}
