// Command bench measures klipp against the FFmpeg command-line tools on the
// same input in one run and prints ratios (make bench). Inputs are generated
// in a temporary directory and removed afterwards.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/config"
)

func main() {
	klipp := flag.String("klipp", "bin/klipp", "klipp binary")
	segments := flag.Int("segments", 10000, "segments in the index benchmark")
	sample := flag.Int("ffprobe-sample", 300, "files ffprobe reads for the reference rate")
	length := flag.Duration("segment-length", time.Minute, "length of each segment (recorders write 10 s to 15 min)")
	keep := flag.Bool("keep", false, "keep the generated tree")
	stills := flag.Bool("stills", false, "run the stills benchmark instead")
	cuts := flag.Bool("cut", false, "run the cut benchmarks instead")
	copyOnly := flag.Bool("copy-only", false, "with -cut: the copy cut only")
	archive := flag.Bool("archive", false, "run the archive push benchmark instead")
	cameras := flag.Int("catalog", 0, "run the camera catalog benchmark with this many cameras instead")
	site := flag.String("presentation", "", "run the demo export and presentation benchmark on this demo site instead")
	before := flag.String("before", "5bfc1ca", "with -presentation: the git revision to compare with (before issue 15)")
	jobsRun := flag.Bool("jobs", false, "run the jobs benchmarks (own PostgreSQL) instead")
	timelineRun := flag.Bool("timeline", false, "run the timeline add benchmark on SQLite and PostgreSQL instead")
	activity := flag.Bool("activity", false, "run the activity benchmark instead")
	ui := flag.Bool("ui", false, "run the terminal UI benchmark (key to screen through tmux) instead")
	flag.Parse()
	var err error
	switch {
	case *ui:
		err = uiBench(*klipp)
	case *site != "":
		err = presentationBench(*klipp, *site, *before)
	case *activity:
		err = activityBench(*klipp)
	case *cameras > 0:
		err = catalogBench(*klipp, *cameras, *keep)
	case *jobsRun:
		err = jobsBench(*klipp)
	case *timelineRun:
		err = timelineBench()
	case *archive:
		err = archiveBench(*klipp)
	case *cuts:
		err = cutBench(*klipp, *copyOnly)
	case *stills:
		err = stillsBench(*klipp)
	default:
		err = run(*klipp, *segments, *sample, *length, *keep)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(klipp string, n, sample int, length time.Duration, keep bool) error {
	dir, err := os.MkdirTemp("", "klipp-bench-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(dir)
	}
	fmt.Printf("klipp bench in %s: %d segments of %s\n\n", dir, n, length)

	// One small H.264 segment, linked under n names one segment apart: a
	// long recording as a camera stores it, without n times the disk.
	base := filepath.Join(dir, "base.mp4")
	if err := sh("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-t", fmt.Sprint(length.Seconds()),
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "50", base); err != nil {
		return err
	}
	rec := filepath.Join(dir, "recordings")
	t0 := time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
	var files []string
	for i := 0; i < n; i++ {
		t := t0.Add(time.Duration(i) * length)
		p := filepath.Join(rec, t.Format("2006-01-02/15"), t.Format("15-04-05")+".mp4")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.Link(base, p); err != nil {
			return err
		}
		files = append(files, p)
	}
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("timezone: UTC\ndata_dir: data\ncatalog: cameras.yaml\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte(`cameras:
  - id: bench
    name: Bench
    owner: polisen
    location: {lat: 55.6, lon: 13.0}
    timezone: UTC
    recordings: {path: recordings, pattern: "%Y-%m-%d/%H/%H-%M-%S.mp4"}
`), 0o644)

	// First index: every file is read packet by packet.
	first, err := timed(klipp, "--quiet", "--config", conf, "index")
	if err != nil {
		return err
	}
	perFile := first / time.Duration(n)
	// Reference: ffprobe reading every packet of the same files.
	if sample > n {
		sample = n
	}
	start := time.Now()
	for _, f := range files[:sample] {
		if err := sh("ffprobe", "-v", "error", "-count_packets", "-show_entries", "stream=nb_read_packets,duration", "-of", "csv", f); err != nil {
			return err
		}
	}
	ffPerFile := time.Since(start) / time.Duration(sample)
	fmt.Printf("first index of %d segments: %.2f s, %.2f ms/file\n", n, first.Seconds(), ms(perFile))
	fmt.Printf("  reference ffprobe -count_packets (first %d files): %.2f ms/file\n", sample, ms(ffPerFile))
	fmt.Printf("  ratio klipp/ffprobe per file: %.2f (goal <= 1.0)\n\n", float64(perFile)/float64(ffPerFile))

	// Re-index of the unchanged tree: no media I/O.
	again, err := timed(klipp, "--quiet", "--config", conf, "index")
	if err != nil {
		return err
	}
	fmt.Printf("re-index of the unchanged %d segments: %.3f s (goal < 2 s)\n\n", n, again.Seconds())

	// Coverage of a 1-hour window: the service call (as the UI and the
	// worker make it, repeatedly in one process), the first call of a
	// process, and the whole CLI call.
	ctx := context.Background()
	cfg, err := config.Load(conf, nil)
	if err != nil {
		return err
	}
	open := time.Now()
	svc, err := app.Open(ctx, cfg, app.Options{Version: "bench"})
	if err != nil {
		return err
	}
	defer svc.Close()
	from := t0.Add(time.Duration(n/2) * length)
	req := app.CoverageRequest{Camera: "bench", From: from, To: from.Add(time.Hour)}
	cov, err := svc.Coverage(ctx, req)
	if err != nil {
		return err
	}
	firstCall := time.Since(open)
	const rounds = 200
	start = time.Now()
	for i := 0; i < rounds; i++ {
		if cov, err = svc.Coverage(ctx, req); err != nil {
			return err
		}
	}
	q := time.Since(start) / rounds
	var cli time.Duration
	for i := 0; i < 5; i++ {
		d, err := timed(klipp, "--config", conf, "--json", "coverage", "--camera", "bench", "--from", from.Format(time.RFC3339), "--to", from.Add(time.Hour).Format(time.RFC3339))
		if err != nil {
			return err
		}
		if i == 0 || d < cli {
			cli = d
		}
	}
	fmt.Printf("coverage of a 1-hour window (%d segments): service call %.2f ms per query, repeated (goal < 5 ms); first call of a process, with opening the service, %.0f ms; whole CLI call %.0f ms (best of 5)\n",
		len(cov.Segments), ms(q), ms(firstCall), ms(cli))
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func sh(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func timed(name string, args ...string) (time.Duration, error) {
	start := time.Now()
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	if err != nil {
		return 0, fmt.Errorf("%s %v: %w", name, args, err)
	}
	return time.Since(start), nil
}

// stillsBench: 20 stills at random times in two minutes of 1080p25 H.264
// (two 60-second segments, keyframe every 2 s), by one klipp call against
// twenty ffmpeg calls.
func stillsBench(klipp string) error {
	dir, err := os.MkdirTemp("", "klipp-bench-stills-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rec := filepath.Join(dir, "recordings")
	os.MkdirAll(rec, 0o755)
	t0 := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
	var files []string
	for i := 0; i < 2; i++ {
		f := filepath.Join(rec, t0.Add(time.Duration(i)*time.Minute).Format("2006-01-02_15-04-05")+".mp4")
		if err := sh("ffmpeg", "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=1920x1080:rate=25"),
			"-t", "60", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", f); err != nil {
			return err
		}
		files = append(files, f)
	}
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("timezone: UTC\ndata_dir: data\ncatalog: cameras.yaml\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte("cameras:\n  - {id: hd, name: HD, owner: polisen, location: {lat: 55.6, lon: 13.0}, timezone: UTC, recordings: {path: recordings, pattern: \"%Y-%m-%d_%H-%M-%S.mp4\"}}\n"), 0o644)
	if _, err := timed(klipp, "--quiet", "--config", conf, "index"); err != nil {
		return err
	}
	rng := rand.New(rand.NewSource(42))
	var ats []string
	type job struct {
		file string
		off  float64
	}
	var jobs []job
	for i := 0; i < 20; i++ {
		ms := rng.Intn(120000)
		at := t0.Add(time.Duration(ms) * time.Millisecond)
		ats = append(ats, at.Format("2006-01-02T15:04:05.000Z"))
		jobs = append(jobs, job{files[ms/60000], float64(ms%60000) / 1000})
	}
	out := filepath.Join(dir, "out")
	os.MkdirAll(out, 0o755)
	k, err := timed(klipp, "--quiet", "--config", conf, "still", "--camera", "hd", "--at", strings.Join(ats, ","), "-o", filepath.Join(out, "k.png"))
	if err != nil {
		return err
	}
	start := time.Now()
	for i, j := range jobs {
		if err := sh("ffmpeg", "-v", "error", "-y", "-ss", fmt.Sprintf("%.3f", j.off), "-i", j.file, "-frames:v", "1", filepath.Join(out, fmt.Sprintf("f%02d.png", i))); err != nil {
			return err
		}
	}
	f := time.Since(start)
	fmt.Printf("20 stills at random times in 1080p25 H.264: klipp %.2f s, 20 x ffmpeg -ss T -i F -frames:v 1: %.2f s\n", k.Seconds(), f.Seconds())
	fmt.Printf("  ratio klipp/ffmpeg: %.2f (goal <= 0.5)\n", k.Seconds()/f.Seconds())
	return nil
}

// cutBench: an hour of 1080p25 H.264 as 60 one-minute files (one encoded
// minute linked under 60 names), cut by klipp and by the ffmpeg CLI.
func cutBench(klipp string, copyOnly bool) error {
	dir, err := os.MkdirTemp("", "klipp-bench-cut-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rec := filepath.Join(dir, "recordings")
	os.MkdirAll(rec, 0o755)
	base := filepath.Join(dir, "base.mp4")
	if err := sh("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25", "-t", "60",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", base); err != nil {
		return err
	}
	t0 := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
	var files []string
	for i := 0; i < 60; i++ {
		f := filepath.Join(rec, t0.Add(time.Duration(i)*time.Minute).Format("2006-01-02_15-04-05")+".mp4")
		if err := os.Link(base, f); err != nil {
			return err
		}
		files = append(files, f)
	}
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("timezone: UTC\ndata_dir: data\ncatalog: cameras.yaml\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte("cameras:\n  - {id: hd, name: HD, owner: polisen, location: {lat: 55.6, lon: 13.0}, timezone: UTC, recordings: {path: recordings, pattern: \"%Y-%m-%d_%H-%M-%S.mp4\"}}\n"), 0o644)
	if _, err := timed(klipp, "--quiet", "--config", conf, "index"); err != nil {
		return err
	}
	concat := func(name string, from, to int) string {
		list := filepath.Join(dir, name)
		var b strings.Builder
		for _, f := range files[from:to] {
			fmt.Fprintf(&b, "file '%s'\n", f)
		}
		os.WriteFile(list, []byte(b.String()), 0o644)
		return list
	}
	at := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339) }
	// Outputs go to memory when it can hold them, so that neither tool's time
	// depends on the disk writing back the other's last gigabyte.
	outDir := dir
	if shm, err := os.MkdirTemp("/dev/shm", "klipp-bench-"); err == nil {
		outDir = shm
		defer os.RemoveAll(shm)
	}
	out := func(n string) string { return filepath.Join(outDir, n) }

	// Copy 10 minutes across 10 files, starting 30 s into the first.
	cutArgs := []string{"--quiet", "--config", conf, "cut", "--camera", "hd", "--from", at(10*time.Minute + 30*time.Second),
		"--to", at(20*time.Minute + 30*time.Second), "--mode", "copy", "--force", "-o"}
	// The first run also hashes the sources (once per file, kept in the
	// index); then klipp and ffmpeg alternate, best of two each, so that
	// neither gains from running on a warmer cache.
	first, err := timed(klipp, append(cutArgs, out("k1.mp4"))...)
	if err != nil {
		return err
	}
	again, ff, err := bestOfTwo(
		func() (time.Duration, error) { return timed(klipp, append(cutArgs, out("k2.mp4"))...) },
		func() (time.Duration, error) {
			return timed("ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", concat("l1.txt", 10, 21), "-ss", "30", "-t", "600",
				"-c", "copy", "-movflags", "+faststart", out("f1.mp4"))
		})
	if err != nil {
		return err
	}
	// klipp also hashes its output for the record (as it writes it); ffmpeg
	// does not. For scale: the same hash (Go's crypto/sha256) of the file
	// read back.
	hash, err := hashTime(out("k2.mp4"))
	if err != nil {
		return err
	}
	fi, _ := os.Stat(out("k2.mp4"))
	fmt.Printf("copy cut, 10 min of 1080p25 over 11 files, %.0f MB (best of 2, alternating): klipp %.2f s (%.2f s the first time, which hashes the sources), ffmpeg concat -c copy +faststart %.2f s\n",
		float64(fi.Size())/1e6, again.Seconds(), first.Seconds(), ff.Seconds())
	fmt.Printf("  ratio klipp/ffmpeg: %.2f (goal <= 1.0), klipp's time including the output's SHA-256 (hashing the file read back alone takes %.2f s)\n",
		again.Seconds()/ff.Seconds(), hash.Seconds())
	if copyOnly {
		return nil
	}

	// Transcode 60 s across a file join, same preset, CRF and automatic threads.
	tk, tf, err := bestOfTwo(
		func() (time.Duration, error) {
			return timed(klipp, "--quiet", "--config", conf, "cut", "--camera", "hd", "--from", at(30*time.Minute+10*time.Second),
				"--to", at(31*time.Minute+10*time.Second), "--mode", "transcode", "--crf", "23", "--preset", "veryfast", "--force", "-o", out("k3.mp4"))
		},
		func() (time.Duration, error) {
			return timed("ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", concat("l2.txt", 30, 32), "-ss", "10", "-t", "60",
				"-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-movflags", "+faststart", out("f3.mp4"))
		})
	if err != nil {
		return err
	}
	fmt.Printf("transcode 60 s of 1080p25 (best of 2, alternating): klipp %.2f s, ffmpeg -c:v libx264 -preset veryfast -crf 23 %.2f s\n", tk.Seconds(), tf.Seconds())
	fmt.Printf("  ratio klipp/ffmpeg: %.2f (goal <= 1.05)\n", tk.Seconds()/tf.Seconds())

	// Peak memory of a 1-hour copy cut.
	cmd := exec.Command("/usr/bin/time", "-f", "%M", klipp, "--quiet", "--config", conf, "cut", "--camera", "hd",
		"--from", at(0), "--to", at(time.Hour), "--mode", "copy", "-o", filepath.Join(dir, "hour.mp4"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("hour cut: %v: %s", err, stderr.String())
	}
	lines := strings.Fields(stderr.String())
	fmt.Printf("copy cut of 1 hour: %.1f s, peak RSS %s MB (goal <= 150 MB)\n", time.Since(start).Seconds(), kbToMB(lines[len(lines)-1]))
	return nil
}

func kbToMB(kb string) string {
	var n float64
	fmt.Sscan(kb, &n)
	return fmt.Sprintf("%.0f", n/1024)
}

// hashTime is how long SHA-256 of a file takes, as klipp computes it.
func hashTime(path string) (time.Duration, error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if _, err := io.Copy(sha256.New(), f); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// bestOfTwo runs a, b, b, a and returns each one's best time.
func bestOfTwo(a, b func() (time.Duration, error)) (time.Duration, time.Duration, error) {
	var ta, tb []time.Duration
	for _, f := range []struct {
		run func() (time.Duration, error)
		to  *[]time.Duration
	}{{a, &ta}, {b, &tb}, {b, &tb}, {a, &ta}} {
		d, err := f.run()
		if err != nil {
			return 0, 0, err
		}
		*f.to = append(*f.to, d)
	}
	return min(ta[0], ta[1]), min(tb[0], tb[1]), nil
}
