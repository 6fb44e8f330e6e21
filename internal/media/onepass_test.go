package media

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A copy cut of an MP4 with AAC audio is planned from the sample tables of
// both streams and hashed as it is written: the hash is sha256sum's.
func TestCopyCutWithAudioHashedAsWritten(t *testing.T) {
	dir := t.TempDir()
	src, out := filepath.Join(dir, "a.mp4"), filepath.Join(dir, "cut.mp4")
	writeLumaClip(t, src, WriterOptions{Format: "mp4", Codec: "h264", Width: 160, Height: 96, FPS: 25, GOP: 10, Preset: "ultrafast", Audio: "aac"}, 50)
	res, err := CopyCut(context.Background(), []CutPart{{Path: src, From: 500 * time.Millisecond, To: 1500 * time.Millisecond}}, out, CutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := exec.Command("sha256sum", out).Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Fields(string(sum))[0]; res.SHA256 != want || res.Audio != "aac" {
		t.Errorf("SHA-256 as written %q (audio %q), sha256sum %s", res.SHA256, res.Audio, want)
	}
}
