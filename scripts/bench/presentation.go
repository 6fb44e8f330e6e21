package main

// The demo case's export before and after issue 15's presentation work, in
// the same run, and the presentation against the FFmpeg command line
// joining the same cards and clips at the same size and quality.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/export"
)

const demoCase = "5000-K123456-26"

// presentationBench exports the demo case at site with the klipp built from
// before and with klipp, alternating (best of two each, each on its own
// data directory), then joins the after bundle's cards and clips with
// ffmpeg at the same size and x264 settings and compares times and SSIM.
func presentationBench(klipp, site, before string) error {
	work, err := os.MkdirTemp("", "klipp-bench-presentation-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	old := filepath.Join(work, "klipp-before")
	if err := buildAt(before, old); err != nil {
		return err
	}
	conf := filepath.Join(site, "klipp.yaml")
	prepare := func(bin, data string) error {
		k := bin + " --quiet --config " + conf + " --data-dir " + data
		if err := sh("sh", "-c", k+" index >/dev/null"); err != nil {
			return err
		}
		return sh("bash", "scripts/demo-case.sh", k, demoCase)
	}
	type run struct {
		wall  time.Duration
		stage float64 // presentation stage, s
		dir   string
	}
	exportCase := func(bin, data, out string) (run, error) {
		start := time.Now()
		cmd := exec.Command(bin, "--quiet", "--json", "--config", conf, "--data-dir", data, "export", demoCase, "-o", out)
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			return run{}, fmt.Errorf("%s export: %w", bin, err)
		}
		var res struct {
			Dir    string             `json:"dir"`
			Stages map[string]float64 `json:"stages_s"`
		}
		if err := json.Unmarshal(b, &res); err != nil {
			return run{}, err
		}
		return run{time.Since(start), res.Stages["presentation"], res.Dir}, nil
	}
	bins := map[string]string{"before": old, "after": klipp}
	for name, bin := range bins {
		if err := prepare(bin, filepath.Join(work, "data-"+name)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	best := map[string]run{}
	for i, name := range []string{"before", "after", "after", "before"} {
		r, err := exportCase(bins[name], filepath.Join(work, "data-"+name), filepath.Join(work, fmt.Sprintf("out-%s-%d", name, i)))
		if err != nil {
			return err
		}
		if b, ok := best[name]; !ok || r.wall < b.wall {
			best[name] = r
		}
	}
	b, a := best["before"], best["after"]
	bw, bh := videoSize(filepath.Join(b.dir, bundle.PresentationName))
	aw, ah := videoSize(filepath.Join(a.dir, bundle.PresentationName))
	fmt.Printf("export of the demo case, before (%s): %.2f s (presentation %.2f s, %dx%d)\n", before, b.wall.Seconds(), b.stage, bw, bh)
	fmt.Printf("export of the demo case, after:  %.2f s (presentation %.2f s, %dx%d)\n", a.wall.Seconds(), a.stage, aw, ah)
	fmt.Printf("after / before: %.2fx (goal <= 0.5x)\n", a.wall.Seconds()/b.wall.Seconds())
	// The same at the size before (presentation.size: fixed, 1920x1080):
	// what the one-pass, parallel encoding gains without the smaller frame.
	os.Setenv("KLIPP_PRESENTATION_SIZE", "fixed")
	f, err := exportCase(klipp, filepath.Join(work, "data-after"), filepath.Join(work, "out-fixed"))
	os.Unsetenv("KLIPP_PRESENTATION_SIZE")
	if err != nil {
		return err
	}
	fw, fh := videoSize(filepath.Join(f.dir, bundle.PresentationName))
	fmt.Printf("export of the demo case, after, presentation.size fixed: %.2f s (presentation %.2f s, %dx%d): %.2fx the time before\n",
		f.wall.Seconds(), f.stage, fw, fh, f.wall.Seconds()/b.wall.Seconds())

	// ffmpeg joins the same cards (the card frames of klipp's presentation,
	// as pictures) and clips at the same size and settings; the clips get
	// the same black bar below, without text.
	var m bundle.Manifest
	if err := readJSONFile(filepath.Join(a.dir, bundle.ManifestName), &m); err != nil {
		return err
	}
	var parts []export.Part
	for _, f := range m.Files {
		if f.Path == bundle.PresentationName {
			json.Unmarshal([]byte(f.Parameters["parts"]), &parts)
		}
	}
	var tl []export.Entry
	if err := readJSONFile(filepath.Join(a.dir, bundle.TimelineJSON), &tl); err != nil {
		return err
	}
	clips := map[int]string{}
	for _, e := range tl {
		clips[e.Number] = filepath.Join(a.dir, filepath.FromSlash(e.Clip))
	}
	pres := filepath.Join(a.dir, bundle.PresentationName)
	var inputs []string
	var filter strings.Builder
	var labels string
	for i, p := range parts {
		if p.Clip {
			inputs = append(inputs, "-i", clips[p.Entry])
			fmt.Fprintf(&filter, "[%d:v]fps=25,pad=%d:%d:0:0:black,setsar=1,format=yuv420p[v%d];", i, aw, ah, i)
		} else {
			png := filepath.Join(work, fmt.Sprintf("card-%02d.png", i))
			if err := sh("ffmpeg", "-v", "error", "-y", "-ss", fmt.Sprint(p.Start+p.Seconds/2), "-i", pres, "-frames:v", "1", png); err != nil {
				return err
			}
			inputs = append(inputs, "-loop", "1", "-framerate", "25", "-t", fmt.Sprint(p.Seconds), "-i", png)
			fmt.Fprintf(&filter, "[%d:v]setsar=1,format=yuv420p[v%d];", i, i)
		}
		labels += fmt.Sprintf("[v%d]", i)
	}
	fmt.Fprintf(&filter, "%sconcat=n=%d:v=1:a=0[out]", labels, len(parts))
	join := func(out string, codec ...string) []string {
		args := append([]string{"-v", "error", "-y"}, inputs...)
		args = append(args, "-filter_complex", filter.String(), "-map", "[out]")
		return append(append(args, codec...), "-movflags", "+faststart", out)
	}
	x264 := func(preset string, crf int) []string {
		return []string{"-c:v", "libx264", "-preset", preset, "-crf", strconv.Itoa(crf), "-g", "50", "-x264-params", "scenecut=0"}
	}
	ref := filepath.Join(work, "reference.mkv") // lossless: the unencoded frames
	if err := sh("ffmpeg", join(ref, "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0")...); err != nil {
		return err
	}
	ff := filepath.Join(work, "ffmpeg.mp4")
	tk, tf, err := bestOfTwo(func() (time.Duration, error) {
		r, err := exportCase(klipp, filepath.Join(work, "data-after"), filepath.Join(work, fmt.Sprintf("out-again-%d", time.Now().UnixNano())))
		return time.Duration(r.stage * float64(time.Second)), err
	}, func() (time.Duration, error) {
		return timed("ffmpeg", join(ff, x264(export.PresentationPreset, export.PresentationCRF)...)...)
	})
	if err != nil {
		return err
	}
	fmt.Printf("presentation, %d parts, %dx%d, x264 preset %s crf %d: klipp %.2f s (its presentation stage), ffmpeg (same cards and clips, no caption text) %.2f s: ratio %.2fx (goal <= 1.0x)\n",
		len(parts), aw, ah, export.PresentationPreset, export.PresentationCRF, tk.Seconds(), tf.Seconds(), tk.Seconds()/tf.Seconds())
	// Quality: SSIM of the picture area (the caption bar left out) against
	// the unencoded frames, klipp's and ffmpeg's, and for other settings.
	crop := fmt.Sprintf("crop=%d:%d:0:0", aw, ah-captionBar(ah))
	ks, err := ssim(pres, ref, crop)
	if err != nil {
		return err
	}
	fs, err := ssim(ff, ref, crop)
	if err != nil {
		return err
	}
	fmt.Printf("SSIM against the unencoded frames (picture area): klipp %.5f, ffmpeg %.5f\n", ks, fs)
	fmt.Println("x264 settings on the same frames (ffmpeg, time and SSIM):")
	for _, c := range []struct {
		preset string
		crf    int
	}{{"veryfast", 20}, {"superfast", 20}, {"ultrafast", 20}, {"superfast", 18}, {"faster", 22}} {
		out := filepath.Join(work, fmt.Sprintf("x264-%s-%d.mp4", c.preset, c.crf))
		d, err := timed("ffmpeg", join(out, x264(c.preset, c.crf)...)...)
		if err != nil {
			return err
		}
		s, err := ssim(out, ref, crop)
		if err != nil {
			return err
		}
		fi, _ := os.Stat(out)
		fmt.Printf("  preset %-9s crf %d: %5.2f s, SSIM %.5f, %5.1f MB\n", c.preset, c.crf, d.Seconds(), s, float64(fi.Size())/1e6)
	}
	return nil
}

// captionBar is media's caption bar for a frame of height h with a clip of
// the frame's height less the bar.
func captionBar(h int) int {
	for bar := 24; bar < h; bar += 2 {
		if max(24, (h-bar)/12)&^1 == bar {
			return bar
		}
	}
	return 24
}

var ssimAll = regexp.MustCompile(`All:([0-9.]+)`)

// ssim compares a with the reference ref after filter on both.
func ssim(a, ref, filter string) (float64, error) {
	cmd := exec.Command("ffmpeg", "-hide_banner", "-i", a, "-i", ref, "-lavfi", fmt.Sprintf("[0:v]%s[a];[1:v]%s[b];[a][b]ssim", filter, filter), "-f", "null", "-")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("ssim: %v %s", err, out)
	}
	m := ssimAll.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("ssim: no result in %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func videoSize(path string) (int, int) {
	out, _ := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", path).Output()
	var w, h int
	fmt.Sscanf(strings.TrimSpace(string(out)), "%d,%d", &w, &h)
	return w, h
}

// buildAt builds klipp as it was at a git revision.
func buildAt(rev, bin string) error {
	src, err := os.MkdirTemp("", "klipp-bench-src-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(src)
	if err := sh("sh", "-c", "git archive "+rev+" | tar -x -C "+src); err != nil {
		return fmt.Errorf("git archive %s: %w", rev, err)
	}
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/klipp")
	cmd.Dir, cmd.Stderr = src, os.Stderr
	return cmd.Run()
}

func readJSONFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
