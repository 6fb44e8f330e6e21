package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/demo"
	"github.com/klipp-forensics/klipp/internal/framecode"
)

// codeInPNG reads the frame code from a still.
func codeInPNG(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	ycc := image.NewYCbCr(b, image.YCbCrSubsampleRatio420)
	for y := 0; y < framecode.Height; y++ {
		for x := 0; x < b.Dx(); x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			yy, _, _ := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
			ycc.Y[ycc.YOffset(x, y)] = yy
		}
	}
	ms, ok := framecode.Read(ycc)
	if !ok {
		t.Fatalf("%s: no frame code", path)
	}
	return ms
}

func TestStillIsTheFrameOnScreen(t *testing.T) {
	_, conf, gt := indexedSite(t)
	const frame = 200 * time.Millisecond // the test site runs at 5 fps
	for _, cam := range []string{"sodergatan-2", "malmo-c-spar-4", "lilla-torg", "sodergatan-14", "gustav-adolfs-torg"} {
		var visit demo.Visit
		for _, v := range gt.Suspect.Visits {
			if v.Camera == cam {
				visit = v
			}
		}
		at := visit.Enter.Add(7*time.Second + 123*time.Millisecond)
		// The expected frame, from the ground truth alone.
		var want int64
		for _, s := range gt.Cameras[cam].Segments {
			if !at.Before(s.TrueStart) && at.Before(s.TrueStart.Add(time.Minute)) {
				k := at.Sub(s.TrueStart) / frame
				want = s.CameraClock.Add(k * frame).UnixMilli()
			}
		}
		out := filepath.Join(t.TempDir(), cam+".png")
		code, stdout, errs := klipp(t, "--config", conf, "--json", "still", "--camera", cam, "--at", at.Format(time.RFC3339Nano), "-o", out)
		if code != 0 {
			t.Fatalf("%s: %s", cam, errs)
		}
		if got := codeInPNG(t, out); got != want {
			t.Errorf("%s at %v: frame code %d, want %d (off by %v)", cam, at, got, want, time.Duration(got-want)*time.Millisecond)
		}
		var recs []stillRecord
		if err := json.Unmarshal([]byte(stdout), &recs); err != nil || len(recs) != 1 {
			t.Fatalf("json: %v %s", err, stdout)
		}
		if recs[0].CameraClock.UnixMilli() != want || recs[0].FrameTime.After(at) || at.Sub(recs[0].FrameTime) >= frame {
			t.Errorf("%s record = %+v", cam, recs[0])
		}
		// The PNG carries the source's hash, which is the file's SHA-256.
		data, _ := os.ReadFile(out)
		src, _ := os.ReadFile(recs[0].Source)
		sum := sha256.Sum256(src)
		if !bytes.Contains(data, []byte("Source SHA-256\x00"+hex.EncodeToString(sum[:]))) || !bytes.Contains(data, []byte("Camera clock time\x00")) {
			t.Errorf("%s: PNG text chunks lack the source hash or clock", cam)
		}
	}

	// Several times in one call, one file each.
	base := filepath.Join(t.TempDir(), "s.jpg")
	code, _, errs := klipp(t, "--config", conf, "still", "--camera", "stortorget", "--at", "2026-11-20 22:08:20,2026-11-20 22:08:21.5", "-o", base)
	if code != 0 {
		t.Fatal(errs)
	}
	for _, n := range []string{"s-220820.000.jpg", "s-220821.500.jpg"} {
		if fi, err := os.Stat(filepath.Join(filepath.Dir(base), n)); err != nil || fi.Size() < 1000 {
			t.Errorf("%s: %v", n, err)
		}
	}

	existing := filepath.Join(t.TempDir(), "x.png")
	os.WriteFile(existing, []byte("keep me"), 0o644)
	bad := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"in the gap", []string{"--camera", "lilla-torg", "--at", "2026-11-20 22:15", "-o", filepath.Join(t.TempDir(), "g.png")}, 3, "nearest footage ends 2026-11-20 22:14:00.480 CET and starts again 2026-11-20 22:16:00.480 CET"},
		{"in the damaged file", []string{"--camera", "stortorget", "--at", "2026-11-20 22:15:30", "-o", filepath.Join(t.TempDir(), "d.png")}, 3, "no footage at"},
		{"exists", []string{"--camera", "stortorget", "--at", "2026-11-20 22:08", "-o", existing}, 2, "exists: use --force"},
		{"no directory", []string{"--camera", "stortorget", "--at", "2026-11-20 22:08", "-o", "/nonexistent/dir/x.png"}, 2, "does not exist"},
		{"bad extension", []string{"--camera", "stortorget", "--at", "2026-11-20 22:08", "-o", filepath.Join(t.TempDir(), "x.gif")}, 2, ".png or .jpg"},
	}
	for _, c := range bad {
		code, _, errs := klipp(t, append([]string{"--config", conf, "still"}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%s: exit %d %q; want %d %q", c.name, code, errs, c.code, c.msg)
		}
	}
	if data, _ := os.ReadFile(existing); string(data) != "keep me" {
		t.Error("an existing file was overwritten without --force")
	}
}
