// Command bench measures klipp against the FFmpeg command-line tools on the
// same input in one run and prints ratios (make bench). Inputs are generated
// in a temporary directory and removed afterwards.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/store"
)

func main() {
	klipp := flag.String("klipp", "bin/klipp", "klipp binary")
	segments := flag.Int("segments", 10000, "segments in the index benchmark")
	sample := flag.Int("ffprobe-sample", 300, "files ffprobe reads for the reference rate")
	length := flag.Duration("segment-length", time.Minute, "length of each segment (recorders write 10 s to 15 min)")
	keep := flag.Bool("keep", false, "keep the generated tree")
	flag.Parse()
	if err := run(*klipp, *segments, *sample, *length, *keep); err != nil {
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

	// Coverage of a 1-hour window, as a query on the index and end to end.
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "data", "klipp.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	cat, err := catalog.Load(filepath.Join(dir, "cameras.yaml"), time.UTC)
	if err != nil {
		return err
	}
	cam, _ := cat.Camera("bench")
	from := t0.Add(time.Duration(n/2) * length)
	const rounds = 200
	start = time.Now()
	var cov *footage.Coverage
	for i := 0; i < rounds; i++ {
		if cov, err = footage.CoverageOf(ctx, st, cam, from, from.Add(time.Hour), time.Now()); err != nil {
			return err
		}
	}
	q := time.Since(start) / rounds
	cli, err := timed(klipp, "--config", conf, "--json", "coverage", "--camera", "bench", "--from", from.Format(time.RFC3339), "--to", from.Add(time.Hour).Format(time.RFC3339))
	if err != nil {
		return err
	}
	fmt.Printf("coverage of a 1-hour window (%d segments): %.2f ms per query (goal < 5 ms); whole CLI call %.0f ms\n", len(cov.Segments), ms(q), ms(cli))
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
