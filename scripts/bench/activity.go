package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/klipp-forensics/klipp/internal/activity"
	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/config"
)

// activityBench: one hour of 1080p25 H.264 with a keyframe every 2 s (a
// still scene with sensor noise, a slow change of light and a person
// walking through twice every two minutes; two minutes encoded, then
// joined thirty times without re-encoding), scanned by klipp activity and
// by ffmpeg's scene filter on the same file in the same run.
func activityBench(klipp string) error {
	dir, err := os.MkdirTemp("", "klipp-bench-activity-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rec := filepath.Join(dir, "recordings")
	os.MkdirAll(rec, 0o755)
	base := filepath.Join(dir, "base.mp4")
	walk := "if(between(t,20,38),-90+(t-20)*2010/18,if(between(t,75,90),1920-(t-75)*2010/15,-300))"
	start := time.Now()
	if err := sh("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "smptehdbars=size=1920x1080:rate=25:duration=120",
		"-f", "lavfi", "-i", "color=c=0xB02020:size=90x240:rate=25", "-filter_complex",
		"[0][1]overlay=x='"+walk+"':y=620:eval=frame:shortest=1,noise=alls=10:allf=t,eq=brightness='0.04*sin(t/20)':eval=frame",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p", base); err != nil {
		return err
	}
	list := filepath.Join(dir, "list.txt")
	os.WriteFile(list, []byte(strings.Repeat("file 'base.mp4'\n", 30)), 0o644)
	hour := filepath.Join(rec, "2026-11-20_22-00-00.mp4")
	if err := sh("ffmpeg", "-v", "error", "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", hour); err != nil {
		return err
	}
	fi, err := os.Stat(hour)
	if err != nil {
		return err
	}
	fmt.Printf("(generated 1 h of 1080p25 H.264, %.2f GB, in %.0f s)\n", float64(fi.Size())/1e9, time.Since(start).Seconds())
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("timezone: UTC\ndata_dir: data\ncatalog: cameras.yaml\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte("cameras:\n  - {id: hd, name: HD, owner: polisen, location: {lat: 55.6, lon: 13.0}, timezone: UTC, recordings: {path: recordings, pattern: \"%Y-%m-%d_%H-%M-%S.mp4\"}}\n"), 0o644)
	if _, err := timed(klipp, "--quiet", "--config", conf, "index"); err != nil {
		return err
	}
	// The reference: every frame decoded and compared by the scene filter.
	ffCmd := exec.Command("ffmpeg", "-hide_banner", "-nostats", "-i", hour, "-vf", "select='gt(scene,0.01)',metadata=print", "-f", "null", "-")
	start = time.Now()
	if err := ffCmd.Run(); err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	ff := time.Since(start)
	ffCPU := ffCmd.ProcessState.UserTime() + ffCmd.ProcessState.SystemTime()
	query := []string{"--quiet", "--config", conf, "--json", "activity", "--camera", "hd", "--from", "2026-11-20T22:00:00Z", "--to", "2026-11-20T23:00:00Z"}
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M", klipp}, query...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start = time.Now()
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("klipp activity: %v: %s", err, stderr.String())
	}
	scan := time.Since(start)
	scanCPU := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime() // /usr/bin/time's child included
	fields := strings.Fields(stderr.String())
	var res struct {
		Periods []json.RawMessage `json:"periods"`
	}
	json.Unmarshal(out, &res)
	// Repeated questions are answered from the index.
	var again []time.Duration
	for i := 0; i < 7; i++ {
		d, err := timed(klipp, query...)
		if err != nil {
			return err
		}
		again = append(again, d)
	}
	sort.Slice(again, func(i, j int) bool { return again[i] < again[j] })
	// What any klipp call costs before it does anything: the process's
	// start (the dynamic loader with FFmpeg's libraries and theirs, Go's
	// initialisation), measured as klipp --version.
	var bare []time.Duration
	for i := 0; i < 7; i++ {
		d, err := timedQuiet(klipp, "--version")
		if err != nil {
			return err
		}
		bare = append(bare, d)
	}
	sort.Slice(bare, func(i, j int) bool { return bare[i] < bare[j] })
	libs := "?"
	if out, err := exec.Command("ldd", klipp).Output(); err == nil {
		libs = fmt.Sprint(strings.Count(string(out), "\n"))
	}
	// The question alone, through the service as the CLI and the UI ask it.
	inProcess, err := activityQuery(conf)
	if err != nil {
		return err
	}
	// The scan alone, in this process: as klipp scans (one keyframe in 4 s
	// where nothing moves), and decoding every keyframe.
	sparse, err := scanInProcess(hour, 0)
	if err != nil {
		return err
	}
	every, err := scanInProcess(hour, -1)
	if err != nil {
		return err
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("(load average now: %s)\n", strings.TrimSpace(string(load)))
	fmt.Printf("activity of 1 h of 1080p25 H.264 (2 s GOP): klipp %.2f s (%.0fx real time; goal >= 300x), ffmpeg select='gt(scene,0.01)' %.1f s\n",
		scan.Seconds(), time.Hour.Seconds()/scan.Seconds(), ff.Seconds())
	fmt.Printf("  ratio klipp/ffmpeg: %.3f (goal <= 0.05); %d periods found (60 walk-throughs in the footage)\n", scan.Seconds()/ff.Seconds(), len(res.Periods))
	fmt.Printf("  CPU time (user+system): klipp %.1f s (%.2f cores busy), ffmpeg %.1f s (%.2f cores): ratio %.3f\n",
		scanCPU.Seconds(), scanCPU.Seconds()/scan.Seconds(), ffCPU.Seconds(), ffCPU.Seconds()/ff.Seconds(), scanCPU.Seconds()/ffCPU.Seconds())
	fmt.Printf("  repeated query from the index: %.1f ms median through the service (goal < 50 ms); the whole CLI call %.0f ms median,\n",
		ms(inProcess), ms(again[len(again)/2]))
	fmt.Printf("    of which the process's start (klipp --version, %s shared libraries loaded) %.0f ms median\n", libs, ms(bare[len(bare)/2]))
	fmt.Printf("  peak RSS of the scan: %s MB (goal < 200 MB)\n", kbToMB(fields[len(fields)-1]))
	fmt.Printf("  the scan in-process (activity.Run, no process start nor store): %s\n", sparse)
	fmt.Printf("    decoding every keyframe instead:                                %s\n", every)
	return nil
}

// scanInProcess scans the hour with activity.Run and says how long it took,
// its CPU time and how many keyframes it decoded.
func scanInProcess(path string, sparse time.Duration) (string, error) {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	keys := 0
	c0, t0 := cpu(), time.Now()
	err := activity.Run(context.Background(), []activity.Segment{{ID: 1, Path: path, Start: time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC), Duration: time.Hour}},
		activity.Options{Sparse: sparse, Save: func(_ context.Context, s activity.Scanned) error {
			for _, x := range s.Scan.Samples {
				if x.Kind == activity.Key {
					keys++
				}
			}
			return nil
		}})
	if err != nil {
		return "", err
	}
	wall, used := time.Since(t0), cpu()-c0
	return fmt.Sprintf("%.1f s (%.0fx real time), CPU %.1f s (%.2f cores busy), %d keyframes decoded of 1800",
		wall.Seconds(), time.Hour.Seconds()/wall.Seconds(), used.Seconds(), used.Seconds()/wall.Seconds(), keys), nil
}

// activityQuery asks the service for the hour's activity, answered from the
// index, and returns the median of 21 questions.
func activityQuery(conf string) (time.Duration, error) {
	ctx := context.Background()
	cfg, err := config.Load(conf, nil)
	if err != nil {
		return 0, err
	}
	svc, err := app.Open(ctx, cfg, app.Options{Version: "bench"})
	if err != nil {
		return 0, err
	}
	defer svc.Close()
	t0 := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
	req := app.ActivityRequest{Camera: "hd", From: t0, To: t0.Add(time.Hour), MinLength: activity.DefaultMinLength}
	var ds []time.Duration
	for i := 0; i < 21; i++ {
		start := time.Now()
		res, err := svc.Activity(ctx, req, nil)
		if err != nil {
			return 0, err
		}
		if res.Scan.Scanned != 0 {
			return 0, fmt.Errorf("the repeated question scanned %d segments", res.Scan.Scanned)
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], nil
}

// timedQuiet runs a command with its output thrown away and times it.
func timedQuiet(name string, args ...string) (time.Duration, error) {
	start := time.Now()
	cmd := exec.Command(name, args...)
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s %v: %w", name, args, err)
	}
	return time.Since(start), nil
}
