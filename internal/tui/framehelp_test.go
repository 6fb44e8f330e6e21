package tui

import (
	"strings"
	"testing"
)

// At 80 columns the frame browser's footer keeps the everyday keys; the
// help screen lists every key, and fits 80x24.
func TestFrameKeysNarrow(t *testing.T) {
	m := openFrames(t, &fakeOps{}, 80, 24)
	s := screenOf(m)
	for _, want := range []string{"frame", "go to", "still", "? help"} {
		if !strings.Contains(s, want) {
			t.Errorf("footer at 80 columns lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "clock reading") {
		t.Errorf("footer at 80 columns lists every key:\n%s", s)
	}
	m = run(m, keyMsg("?"))
	s = screenOf(m)
	for _, want := range []string{"clock reading", "grid", "open frame/clip", "entry at activity", "scan activity", "speed", "ctrl+c quits"} {
		if !strings.Contains(s, want) {
			t.Errorf("help at 80x24 lacks %q:\n%s", want, s)
		}
	}
	// The two columns' texts each start in one column, the long keys
	// (ctrl+←→↑↓) included.
	lines := strings.Split(s, "\n")
	col := strings.Index(lines[2], "frame") // in bytes; the keys before it are arrows
	col = len([]rune(lines[2][:col]))
	for _, l := range lines[2:] {
		if !strings.HasPrefix(l, "  ") {
			break
		}
		if r := []rune(l); len(r) <= col || r[col-1] != ' ' || r[col] == ' ' {
			t.Errorf("a text not in the left column's (column %d): %q", col, l)
		}
	}
	m = openFrames(t, &fakeOps{}, 160, 48)
	if s := screenOf(m); !strings.Contains(s, "clock reading") {
		t.Errorf("footer at 160 columns lacks the clock key:\n%s", s)
	}
}

// At 72x20, the least the UI takes, the frame browser's help still lists
// every key, in two columns.
func TestFrameHelpAtTheSmallestSize(t *testing.T) {
	m := openFrames(t, &fakeOps{}, 72, 20)
	m = run(m, keyMsg("?"))
	s := screenOf(m)
	for _, want := range []string{"add entry", "entry at activity", "scan activity", "open frame/clip", "clock reading", "back"} {
		if !strings.Contains(s, want) {
			t.Errorf("help at 72x20 lacks %q:\n%s", want, s)
		}
	}
	if n := len(strings.Split(strings.TrimRight(s, "\n"), "\n")); n > 20 {
		t.Errorf("help at 72x20 takes %d lines", n)
	}
}
