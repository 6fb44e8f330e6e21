// Command uiprof drives the terminal UI in-process, as the UI benchmark
// does through tmux (scripts/bench/ui.go), to find where a key's time goes:
// the real Bubble Tea program over the real service on 1080p25 H.264,
// keys sent to the program, its output counted instead of drawn. It
// prints per key the time to the frame's message (decode and service),
// to the output written after it (View, the renderer, the write), the
// bytes written, and the CPU time of the process; -cpuprofile writes a
// pprof profile of the steps.
//
//	go run ./scripts/uiprof -klipp bin/klipp [-dir DIR] [-cpuprofile F]
//
// The setup (footage, index, case) runs the klipp binary; with -dir it is
// kept there and reused.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"sync"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/tui"
)

func main() {
	klipp := flag.String("klipp", "bin/klipp", "klipp binary (for the setup)")
	dir := flag.String("dir", "", "setup directory to make or reuse (default: a temporary one)")
	cpu := flag.String("cpuprofile", "", "write a CPU profile of the steps and jumps here")
	coldCPU := flag.String("coldprofile", "", "write a CPU profile of the first opening of the frame browser here")
	profile := flag.String("profile", "truecolor", "colour profile of the output: truecolor or 256")
	steps := flag.Int("steps", 60, "frame steps")
	rest := flag.Duration("rest", time.Second, "how long the camera list rests before the first opening (under 300 ms: no warm-up)")
	flag.Parse()
	if err := run(*klipp, *dir, *cpu, *coldCPU, *profile, *steps, *rest); err != nil {
		fmt.Fprintln(os.Stderr, "uiprof:", err)
		os.Exit(1)
	}
}

func sh(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %v: %w", name, args, err)
	}
	return nil
}

// setup makes what the UI benchmark makes: a minute of 1080p25 H.264 with
// a 2 s GOP, indexed, and a case around it.
func setup(klipp, dir string) (string, error) {
	conf := filepath.Join(dir, "klipp.yaml")
	if _, err := os.Stat(conf); err == nil {
		return conf, nil
	}
	rec := filepath.Join(dir, "rec")
	if err := os.MkdirAll(rec, 0o755); err != nil {
		return "", err
	}
	file := filepath.Join(rec, "2026-11-20_22-00-00.mp4")
	if err := sh("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25:duration=60",
		"-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-pix_fmt", "yuv420p", file); err != nil {
		return "", err
	}
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte(`cameras:
  - {id: gate, name: Grind, owner: business, location: {lat: 55.6, lon: 13.0}, timezone: Europe/Stockholm,
     recordings: {path: rec, pattern: "%Y-%m-%d_%H-%M-%S.mp4"}}
`), 0o644)
	tmp := conf + ".tmp"
	os.WriteFile(tmp, []byte("timezone: Europe/Stockholm\ndata_dir: data\ncatalog: cameras.yaml\n"), 0o644)
	if err := sh(klipp, "--config", tmp, "-q", "index"); err != nil {
		return "", err
	}
	if err := sh(klipp, "--config", tmp, "-q", "case", "new", "--number", "K-UI", "--title", "UI", "--position", "55.6,13.0",
		"--from", "2026-11-20 22:00", "--to", "2026-11-20 22:01"); err != nil {
		return "", err
	}
	return conf, os.Rename(tmp, conf)
}

// watch records what the program does: when a frame message arrives and
// when output is written, and how much.
type watch struct {
	mu      sync.Mutex
	frameAt time.Time // the last frame message handled
	frames  int
	writeAt time.Time // the last write
	bytes   int       // bytes written since the mark
	writes  int
}

func (w *watch) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.writeAt, w.bytes, w.writes = time.Now(), w.bytes+len(p), w.writes+1
	w.mu.Unlock()
	return len(p), nil
}

func (w *watch) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	if fmt.Sprintf("%T", msg) == "tui.frameMsg" {
		w.mu.Lock()
		w.frameAt, w.frames = time.Now(), w.frames+1
		w.mu.Unlock()
	}
	return msg
}

type sample struct {
	decode, screen, cpu time.Duration
	bytes               int
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func run(klipp, dir, cpuFile, coldFile, prof string, steps int, rest time.Duration) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "klipp-uiprof-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	abs, err := filepath.Abs(klipp)
	if err != nil {
		return err
	}
	conf, err := setup(abs, dir)
	if err != nil {
		return err
	}
	cfg, err := config.Load(conf, nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		return err
	}
	defer svc.Close()
	m := tui.New(ctx, tui.NewServiceOps(svc), cfg.Timezone, svc.Now).WithGraphics(tui.GraphicsBlocks).WithColour(true)
	w := &watch{}
	cp := colorprofile.TrueColor
	if prof == "256" {
		cp = colorprofile.ANSI256
	}
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(w), tea.WithWindowSize(160, 48),
		tea.WithColorProfile(cp), tea.WithFilter(w.filter), tea.WithoutSignalHandler(), tea.WithEnvironment([]string{"TERM=xterm-256color"}), tea.WithFPS(120))
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	key := func(k string) {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "right":
			msg = tea.KeyPressMsg{Code: tea.KeyRight}
		case "space":
			msg = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
		default:
			msg = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		}
		p.Send(msg)
	}
	// press sends a key and waits for the frame message and the output
	// after it (quiet for 40 ms: the renderer flushes at 60 fps).
	press := func(k string) (sample, error) {
		w.mu.Lock()
		frames := w.frames
		w.bytes = 0
		w.mu.Unlock()
		c0 := cpuTime()
		start := time.Now()
		key(k)
		limit := time.Now().Add(20 * time.Second)
		for time.Now().Before(limit) {
			time.Sleep(time.Millisecond)
			w.mu.Lock()
			got, fa, wa, n := w.frames > frames, w.frameAt, w.writeAt, w.bytes
			w.mu.Unlock()
			if got && wa.After(fa) && time.Since(wa) > 40*time.Millisecond {
				return sample{decode: fa.Sub(start), screen: wa.Sub(start), cpu: cpuTime() - c0, bytes: n}, nil
			}
		}
		return sample{}, fmt.Errorf("no frame after %q", k)
	}
	time.Sleep(time.Second)
	for _, k := range []string{"/", "K", "-", "U", "I", "enter"} {
		key(k)
	}
	time.Sleep(300 * time.Millisecond)
	key("enter")
	time.Sleep(500 * time.Millisecond)
	key("c")
	time.Sleep(rest)
	var cold, warm, jump []sample
	for i := 0; i < 8; i++ {
		if i == 0 && coldFile != "" {
			f, err := os.Create(coldFile)
			if err != nil {
				return err
			}
			pprof.StartCPUProfile(f)
			defer f.Close()
		}
		s, err := press("enter")
		if i == 0 && coldFile != "" {
			pprof.StopCPUProfile()
		}
		if err != nil {
			return err
		}
		cold = append(cold, s)
		if i < 7 {
			key("esc")
			time.Sleep(200 * time.Millisecond)
		}
	}
	if cpuFile != "" {
		f, err := os.Create(cpuFile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer f.Close()
	}
	for i := 0; i < steps; i++ {
		s, err := press("right")
		if err != nil {
			return err
		}
		warm = append(warm, s)
	}
	for i := 0; i < 20; i++ {
		s, err := press(map[bool]string{true: "]", false: "["}[i%2 == 0])
		if err != nil {
			return err
		}
		jump = append(jump, s)
	}
	if cpuFile != "" {
		pprof.StopCPUProfile()
	}
	// Playback: frame messages and output in 5 s.
	w.mu.Lock()
	f0, w0, b0 := w.frames, w.writes, w.bytes
	w.mu.Unlock()
	c0 := cpuTime()
	key("space")
	time.Sleep(5 * time.Second)
	key("space")
	w.mu.Lock()
	f1, w1, b1 := w.frames, w.writes, w.bytes
	w.mu.Unlock()
	pl := cpuTime() - c0
	p.Quit()
	<-done
	report := func(name string, ss []sample) {
		pc := func(get func(sample) time.Duration, q int) float64 {
			var ds []time.Duration
			for _, s := range ss {
				ds = append(ds, get(s))
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			return float64(ds[max(0, min(len(ds)-1, (len(ds)*q+99)/100-1))]) / 1e6
		}
		bytes := 0
		for _, s := range ss {
			bytes += s.bytes
		}
		fmt.Printf("%-6s (%d): to frame message p50 %.0f p95 %.0f ms; to output p50 %.0f p95 %.0f ms; CPU p50 %.0f ms; %d bytes written per key\n",
			name, len(ss), pc(func(s sample) time.Duration { return s.decode }, 50), pc(func(s sample) time.Duration { return s.decode }, 95),
			pc(func(s sample) time.Duration { return s.screen }, 50), pc(func(s sample) time.Duration { return s.screen }, 95),
			pc(func(s sample) time.Duration { return s.cpu }, 50), bytes/len(ss))
	}
	fmt.Printf("first opening: to frame message %.0f ms, to output %.0f ms, CPU %.0f ms\n", ms(cold[0].decode), ms(cold[0].screen), ms(cold[0].cpu))
	report("cold", cold)
	report("step", warm)
	report("jump", jump)
	fmt.Printf("play   5 s: %d frames (%.1f fps), %d writes, %d bytes, CPU %.0f ms/s\n", f1-f0, float64(f1-f0)/5, w1-w0, b1-b0, float64(pl)/5e6)
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
