package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (make test installs it)")
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
	// Chromium dumps the page when its virtual time runs out, which can come
	// before a loaded machine has finished decoding; a page with results
	// missing is loaded again (twice at most). Wrong results fail at once.
	var results map[string]result
	for attempt := 0; attempt < 3 && len(results) < len(files); attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir="+t.TempDir(),
			"--allow-file-access-from-files", "--virtual-time-budget=60000", "--dump-dom", "file://"+filepath.Join(out, "play.html"))
		dom, err := cmd.Output()
		cancel()
		if err != nil {
			t.Fatalf("chromium: %v", err)
		}
		m := regexp.MustCompile(`<pre id="out">(.*)</pre>`).FindSubmatch(dom)
		if m == nil {
			t.Fatalf("no result in the page:\n%s", dom)
		}
		results = nil
		if err := json.Unmarshal(m[1], &results); err != nil {
			t.Fatalf("%v: %s", err, m[1])
		}
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
