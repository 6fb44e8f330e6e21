package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Transcode parameters that cannot work are refused when the flags are
// read: exit 2, one line naming the flag, nothing written.
func TestCutRefusesBadTranscodeFlags(t *testing.T) {
	_, conf, _ := indexedSite(t)
	for _, c := range []struct{ flag, value, msg string }{
		{"--crf", "99", "--crf: 99: want 0 to 51"},
		{"--crf", "-5", "--crf: -5: want 0 to 51"},
		{"--preset", "warp", `--preset: "warp": want one of`},
		{"--scale", "321x240", "--scale: 321x240: width and height must be even"},
		{"--scale", "20000x20000", "--scale: 20000x20000: larger than H.264 encodes"},
	} {
		out := filepath.Join(t.TempDir(), "c.mp4")
		code, _, errs := klipp(t, "--config", conf, "cut", "--camera", "stortorget", "--from", "2026-11-20 22:08:00", "--to", "2026-11-20 22:08:03",
			"--mode", "transcode", "-o", out, c.flag+"="+c.value)
		if code != 2 || !strings.HasPrefix(errs, "klipp: "+c.msg) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%s %s: exit %d %q; want exit 2 %q", c.flag, c.value, code, errs, c.msg)
		}
		if list, _ := os.ReadDir(filepath.Dir(out)); len(list) != 0 {
			t.Errorf("%s %s: left %v", c.flag, c.value, list)
		}
	}
}
