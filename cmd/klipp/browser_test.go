package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// browserPage loads each video, seeks to at seconds, draws the frame and
// reads the frame code from the canvas (80 blocks of 16×8 at the top; the
// first 64 bits are the camera clock in Unix ms).
const browserPage = `<!doctype html><html><body><pre id="out">pending</pre><script>
const files = FILES, at = AT, results = {};
function done() { document.getElementById("out").textContent = JSON.stringify(results); }
done();
files.forEach(f => {
  const v = document.createElement("video");
  v.muted = true; v.preload = "auto"; v.src = f;
  v.addEventListener("error", () => { results[f] = {error: v.error ? v.error.code : -1}; done(); });
  v.addEventListener("loadeddata", () => {
    v.currentTime = at;
    v.addEventListener("seeked", () => {
      const c = document.createElement("canvas"); c.width = v.videoWidth; c.height = v.videoHeight;
      const g = c.getContext("2d"); g.drawImage(v, 0, 0);
      let ms = 0n;
      for (let i = 0; i < 64; i++) {
        const x = (i % 40) * 16 + 8, y = Math.floor(i / 40) * 8 + 4;
        const p = g.getImageData(x, y, 1, 1).data;
        ms = (ms << 1n) | ((p[0] + p[1] + p[2]) / 3 > 128 ? 1n : 0n);
      }
      results[f] = {code: ms.toString(), width: v.videoWidth, duration: v.duration};
      done();
    }, {once: true});
  });
  document.body.appendChild(v);
});
</script></body></html>`

// TestCutsPlayInChromium plays a cut of each mode in headless Chromium,
// seeks, and checks that the frame on screen is the right one.
func TestCutsPlayInChromium(t *testing.T) {
	if _, err := exec.LookPath("chromium"); err != nil {
		t.Skip("chromium is not installed (make test installs it)")
	}
	script, _ := filepath.Abs(filepath.Join("..", "..", "scripts", "browser", "play-check.js"))
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "playwright-core")); err != nil {
		t.Skip("playwright-core is not installed in scripts/browser (make setup installs it)")
	}
	_, conf, gt := indexedSite(t)
	seg := gt.Cameras["sodergatan-2"].Segments[10]
	from := seg.TrueStart.Add(43*time.Second + 310*time.Millisecond) // between keyframes, across a file join
	to := from.Add(30 * time.Second)
	out := t.TempDir()
	var files []string
	for _, mode := range []string{"copy", "exact", "transcode"} {
		name := mode + ".mp4"
		if code, _, errs := klipp(t, "--config", conf, "cut", "--camera", "sodergatan-2", "--from", from.Format(time.RFC3339Nano),
			"--to", to.Format(time.RFC3339Nano), "-o", filepath.Join(out, name), "--mode", mode); code != 0 {
			t.Fatal(errs)
		}
		files = append(files, name)
	}
	const at = 21.1 // seconds into the cut: after the file join
	want := wantCodes(gt, "sodergatan-2", from, to)[int(at*float64(gt.FPS))]
	filesJSON, _ := json.Marshal(files)
	page := regexp.MustCompile(`FILES|AT`).ReplaceAllStringFunc(browserPage, func(m string) string {
		if m == "FILES" {
			return string(filesJSON)
		}
		return strconv.FormatFloat(at, 'f', -1, 64)
	})
	if err := os.WriteFile(filepath.Join(out, "play.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	type result struct {
		Code     string  `json:"code"`
		Width    int     `json:"width"`
		Duration float64 `json:"duration"`
		Error    *int    `json:"error"`
	}
	// playwright-core waits until every file has its result (at most 60 s).
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, filepath.Join(out, "play.html"), strconv.Itoa(len(files)))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("play-check: %v\n%s", err, stderr.String())
	}
	var results map[string]result
	if err := json.Unmarshal(res, &results); err != nil {
		t.Fatalf("%v: %s", err, res)
	}
	for _, f := range files {
		r, ok := results[f]
		switch {
		case !ok:
			t.Errorf("%s: no result", f)
		case r.Error != nil:
			t.Errorf("%s: Chromium cannot play it (media error %d)", f, *r.Error)
		case r.Code != strconv.FormatInt(want, 10):
			t.Errorf("%s at %.1f s: Chromium shows frame code %s, want %d", f, at, r.Code, want)
		case r.Duration < 29.5 || r.Duration > 30.5:
			t.Errorf("%s: Chromium reports %.3f s, want 30", f, r.Duration)
		}
	}
}
