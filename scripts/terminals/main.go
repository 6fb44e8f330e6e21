// Command terminals checks that the frame browser's picture really renders
// in real terminal emulators (make terminals; not part of make test): for
// each of xterm (-ti vt340, sixel), mlterm (sixel) and kitty (kitty
// graphics) it starts Xvfb on a free display, the terminal at 100x45 cells
// running klipp tui on the demo site, opens the demo case's first entry in
// the frame browser with xdotool, takes screenshots (xwd, converted with
// ImageMagick) and checks the pixels:
//
//	picture  the picture's cells (from row 4, sized as klipp sizes it from
//	         the window's cell size) vary and resemble `klipp still` of the
//	         same camera and time, scaled to them
//	below    the rows under the picture (time bar, footer) hold only the
//	         colours of the header's text, and none resembles a row of the
//	         still
//	help     with ? the picture's cells no longer resemble the frame; after
//	         a key they do again
//	resize   after a resize smaller and back, picture and below hold again
//
// One line per terminal and check, PASS or FAIL with the numbers; the exit
// status is 1 on any FAIL. Screenshots are kept in -out.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The demo case's first entry, opened in the frame browser, and a decoy:
// another camera's frame, to show how far a wrong picture is from the
// reference (the thresholds' calibration).
const (
	caseNumber  = "5000-K123456-26"
	entryCamera = "malmo-c-spar-4"
	entryAt     = "2026-11-20 22:01:25"
	decoyCamera = "stortorget"
	decoyAt     = "2026-11-20 22:08:22"
)

// Thresholds: the mean absolute difference, per channel on 0-255, between
// the picture's cells and the reference still, both box-averaged to
// compareW x compareH (which evens out sixel dithering and the terminals'
// scaling). Measured on the demo (2026-12-03): the right picture 5-7 in
// all three terminals (sixel dithering included), the decoy (another
// camera of the same synthetic town) 35, the help screen 72-177, and a
// build of 3410bcd's parent, whose erase wiped a strip of the picture in
// mlterm, 14.8: 12 sits between. Under the picture, a cell row fails if
// over 2% of its pixels are of no colour of the header lines' text (a
// right screen: at most 0.4%; the picture's pixels: 13-44%) or if it
// resembles a cell row of the still (difference 12 or less; a right
// screen: 32 or more; the picture's own last row: 6-7).
const (
	compareW, compareH = 64, 36
	resembleMax        = 12.0 // picture resembles the frame at or under this
	blankStdMin        = 10.0 // the picture's cells vary at least this much (std dev)
	belowLeakMax       = 0.02 // share of non-text pixels allowed in a cell row under the picture
	textNear           = 4    // a pixel this close (per channel) to a header colour is text
)

var (
	cols = flag.Int("cols", 100, "terminal width in cells")
	rows = flag.Int("rows", 45, "terminal height in cells")
)

func main() {
	klipp := flag.String("klipp", "bin/klipp", "klipp binary")
	site := flag.String("site", "", "demo site (klipp demo --dir); default ./demo if made, else "+filepath.Join(os.TempDir(), "klipp-terminals-demo")+", made if missing")
	out := flag.String("out", filepath.Join(os.TempDir(), "klipp-terminals"), "directory for the screenshots")
	terms := flag.String("terms", "xterm,mlterm,kitty", "terminals to try")
	flag.Parse()
	start := time.Now()
	// Every process started is ended on the way out, also on ^C.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; cleanup(); os.Exit(2) }()
	failed, err := run(*klipp, *site, *out, strings.Split(*terms, ","))
	cleanup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "terminals:", err)
		os.Exit(1)
	}
	fmt.Printf("terminals: %.0f s, screenshots in %s\n", time.Since(start).Seconds(), *out)
	if failed > 0 {
		fmt.Printf("terminals: %d check(s) FAILED\n", failed)
		os.Exit(1)
	}
}

// started holds the process groups started, and pidFiles the files of
// pids of the processes started in sessions of their own (see stopPids):
// cleanup ends them.
var (
	started  []*exec.Cmd
	pidFiles []string
)

func startBg(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	started = append(started, cmd)
	go cmd.Wait()
	return nil
}

// stop ends cmd's process group (its own, by its pid) and waits a moment.
func stop(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	for i := 0; i < 20; i++ {
		if syscall.Kill(-cmd.Process.Pid, 0) != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// stopPids ends the processes whose pids are in the file, klipp's first.
func stopPids(file string) {
	b, _ := os.ReadFile(file)
	f := strings.Fields(string(b))
	for i := len(f) - 1; i >= 0; i-- {
		pid, err := strconv.Atoi(f[i])
		if err != nil || pid <= 1 {
			continue
		}
		syscall.Kill(pid, syscall.SIGTERM)
		for j := 0; j < 20 && syscall.Kill(pid, 0) == nil; j++ {
			time.Sleep(100 * time.Millisecond)
		}
		syscall.Kill(pid, syscall.SIGKILL)
	}
	os.Remove(file)
}

func cleanup() {
	for _, f := range pidFiles {
		stopPids(f)
	}
	for i := len(started) - 1; i >= 0; i-- {
		stop(started[i])
	}
	started = nil
}

// needTools installs the Debian packages of the tools missing (as root),
// or says which to install.
func needTools() error {
	pkgs := map[string]string{"Xvfb": "xvfb", "xterm": "xterm", "mlterm": "mlterm", "kitty": "kitty",
		"xdotool": "xdotool", "xwd": "x11-apps", "convert": "imagemagick", "script": "bsdutils"}
	var missing []string
	for _, bin := range []string{"Xvfb", "xterm", "mlterm", "kitty", "xdotool", "xwd", "convert", "script"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, pkgs[bin])
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("missing tools: sudo apt-get install -y %s", strings.Join(missing, " "))
	}
	fmt.Println("installing", strings.Join(missing, " "))
	for _, args := range [][]string{{"update"}, append([]string{"install", "-y", "--no-install-recommends"}, missing...)} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get %s: %w", args[0], err)
		}
	}
	return nil
}

// demoSite is a demo site with the demo case: ./demo as make demo left it,
// or one made (once) in the temporary directory.
func demoSite(klipp, site string) (string, error) {
	if site == "" {
		site = "demo"
		if _, err := os.Stat(filepath.Join(site, "klipp.yaml")); err != nil {
			site = filepath.Join(os.TempDir(), "klipp-terminals-demo")
		}
	}
	site, _ = filepath.Abs(site)
	if _, err := os.Stat(filepath.Join(site, "klipp.yaml")); err != nil {
		fmt.Println("making the demo site in", site, "(about a minute)")
		os.RemoveAll(site)
		if err := sh(klipp, "--quiet", "demo", "--dir", site); err != nil {
			return "", err
		}
	}
	// scripts/demo-case.sh is idempotent: the case and its entries.
	if err := sh("scripts/demo-case.sh", klipp+" --quiet --config "+filepath.Join(site, "klipp.yaml"), caseNumber); err != nil {
		return "", err
	}
	return site, nil
}

func sh(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

func run(klipp, site, out string, terms []string) (int, error) {
	if err := needTools(); err != nil {
		return 0, err
	}
	klipp, _ = filepath.Abs(klipp)
	if _, err := os.Stat(klipp); err != nil {
		return 0, fmt.Errorf("no klipp binary (make build): %w", err)
	}
	site, err := demoSite(klipp, site)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return 0, err
	}
	conf := filepath.Join(site, "klipp.yaml")
	still := func(camera, at, name string) (image.Image, error) {
		p := filepath.Join(out, name)
		if err := sh(klipp, "--quiet", "--config", conf, "still", "--camera", camera, "--at", at, "-o", p, "--force"); err != nil {
			return nil, err
		}
		return readPNG(p)
	}
	ref, err := still(entryCamera, entryAt, "reference.png")
	if err != nil {
		return 0, err
	}
	decoy, err := still(decoyCamera, decoyAt, "decoy.png")
	if err != nil {
		return 0, err
	}
	failed := 0
	for _, t := range terms {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		start := time.Now()
		results, err := tryTerminal(t, klipp, conf, out, ref, decoy)
		for _, r := range results {
			fmt.Println(r)
			if strings.Contains(r, " FAIL ") {
				failed++
			}
		}
		if err != nil {
			fmt.Printf("%-7s %-8s FAIL %v\n", t, "run", err)
			failed++
		}
		fmt.Printf("%-7s %.0f s\n", t, time.Since(start).Seconds())
	}
	return failed, nil
}

// freeDisplay is an X display number with no server.
func freeDisplay() (int, error) {
	for n := 90; n < 300; n++ {
		_, e1 := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
		_, e2 := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n))
		if errors.Is(e1, os.ErrNotExist) && errors.Is(e2, os.ErrNotExist) {
			return n, nil
		}
	}
	return 0, errors.New("no free X display number")
}

// session is one terminal on its own Xvfb.
type session struct {
	name, display, class string
	win                  string
	out                  string
	shots                int
	cols, rows           int // the terminal's size in cells, from its window
	cw, ch, ox, oy       int // a cell's size and the cells' offset in the window, in pixels
}

func (s *session) xdotool(args ...string) (string, error) {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+s.display)
	b, err := cmd.Output()
	return strings.TrimSpace(string(b)), err
}

// keys focuses the terminal and types keys (xdotool key names).
func (s *session) keys(k ...string) {
	s.xdotool("windowfocus", "--sync", s.win)
	s.xdotool(append([]string{"key", "--delay", "120"}, k...)...)
}

func (s *session) typeText(t string) {
	s.xdotool("windowfocus", "--sync", s.win)
	s.xdotool("type", "--delay", "60", t)
}

// shot is the terminal's window as an image (xwd of the root window,
// cropped to the window), saved as out/<terminal>-<n>-<label>.png.
func (s *session) shot(label string) (*image.RGBA, error) {
	g, err := s.xdotool("getwindowgeometry", "--shell", s.win)
	if err != nil {
		return nil, fmt.Errorf("window geometry: %w", err)
	}
	geo := map[string]int{}
	for _, l := range strings.Split(g, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			geo[k], _ = strconv.Atoi(v)
		}
	}
	xwd := exec.Command("xwd", "-root", "-silent", "-display", s.display)
	conv := exec.Command("convert", "xwd:-", "png:-")
	pipe, err := xwd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	conv.Stdin = pipe
	var buf bytes.Buffer
	conv.Stdout = &buf
	if err := xwd.Start(); err != nil {
		return nil, err
	}
	if err := conv.Run(); err != nil {
		xwd.Wait()
		return nil, fmt.Errorf("xwd | convert: %w", err)
	}
	if err := xwd.Wait(); err != nil {
		return nil, fmt.Errorf("xwd: %w", err)
	}
	root, err := png.Decode(&buf)
	if err != nil {
		return nil, err
	}
	r := image.Rect(geo["X"], geo["Y"], geo["X"]+geo["WIDTH"], geo["Y"]+geo["HEIGHT"]).Intersect(root.Bounds())
	img := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			img.Set(x, y, root.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	s.shots++
	f, err := os.Create(filepath.Join(s.out, fmt.Sprintf("%s-%02d-%s.png", s.name, s.shots, label)))
	if err == nil {
		png.Encode(f, img)
		f.Close()
	}
	return img, nil
}

func tryTerminal(name, klipp, conf, out string, ref, decoy image.Image) (results []string, err error) {
	n, err := freeDisplay()
	if err != nil {
		return nil, err
	}
	s := &session{name: name, display: fmt.Sprintf(":%d", n), out: out, cols: *cols, rows: *rows}
	old, _ := filepath.Glob(filepath.Join(out, name+"-*.png"))
	for _, f := range old {
		os.Remove(f)
	}
	xvfb := exec.Command("Xvfb", s.display, "-screen", "0", "1920x1200x24", "-nolisten", "tcp")
	if err := startBg(xvfb); err != nil {
		return nil, fmt.Errorf("Xvfb: %w", err)
	}
	defer stop(xvfb)
	if err := waitFor(10*time.Second, func() bool {
		_, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
		return err == nil
	}); err != nil {
		return nil, fmt.Errorf("Xvfb %s did not start", s.display)
	}
	// klipp runs under script(1), whose typescript shows what it drew.
	typescript := filepath.Join(out, name+".typescript")
	os.Remove(typescript)
	// script and klipp run in sessions of their own, which the terminal's
	// end does not end: their pids are written down and they are ended
	// by pid.
	pids := filepath.Join(out, name+".pids")
	os.Remove(pids)
	pidFiles = append(pidFiles, pids)
	defer stopPids(pids)
	inner := fmt.Sprintf("echo $$ >>%s; exec %s --config %s tui 2>%s", pids, klipp, conf, filepath.Join(out, name+"-klipp.err"))
	runK := []string{"sh", "-c", `echo $$ >>"$0"; exec script -q -f -c "$1" "$2"`, pids, inner, typescript}
	geom := fmt.Sprintf("%dx%d+0+0", s.cols, s.rows)
	env := append(os.Environ(), "DISPLAY="+s.display)
	var term *exec.Cmd
	switch name {
	case "xterm":
		s.class = "XTerm"
		term = exec.Command("xterm", append([]string{"-ti", "vt340", "-fa", "Monospace", "-fs", "10", "-geometry", geom, "-e"}, runK...)...)
		env = append(env, "KLIPP_GRAPHICS=sixel")
	case "mlterm":
		s.class = "mlterm"
		term = exec.Command("mlterm", append([]string{"--sbmod=none", "-g", geom, "-e"}, runK...)...)
		env = append(env, "KLIPP_GRAPHICS=sixel")
	case "kitty":
		s.class = "kitty"
		cfg, _ := os.MkdirTemp("", "klipp-kitty-")
		defer os.RemoveAll(cfg)
		term = exec.Command("kitty", append([]string{"-o", fmt.Sprintf("initial_window_width=%dc", s.cols),
			"-o", fmt.Sprintf("initial_window_height=%dc", s.rows), "-o", "remember_window_size=no",
			"-o", "placement_strategy=top-left", "-o", "font_size=10", "-o", "window_padding_width=0"}, runK...)...)
		env = append(env, "KLIPP_GRAPHICS=kitty", "LIBGL_ALWAYS_SOFTWARE=1", "KITTY_CONFIG_DIRECTORY="+cfg)
	default:
		return nil, fmt.Errorf("unknown terminal %q", name)
	}
	if _, err := exec.LookPath(term.Path); err != nil {
		return nil, err
	}
	term.Env = env
	logf, _ := os.Create(filepath.Join(out, name+".log"))
	if logf != nil {
		defer logf.Close()
		term.Stdout, term.Stderr = logf, logf
	}
	if err := startBg(term); err != nil {
		return nil, err
	}
	defer stop(term)
	if err := waitFor(15*time.Second, func() bool {
		w, _ := s.xdotool("search", "--onlyvisible", "--class", s.class)
		if f := strings.Fields(w); len(f) > 0 {
			s.win = f[len(f)-1]
		}
		return s.win != ""
	}); err != nil {
		return nil, fmt.Errorf("no %s window", name)
	}
	seen := func(text string) func() bool {
		return func() bool { b, _ := os.ReadFile(typescript); return bytes.Contains(b, []byte(text)) }
	}
	if err := waitFor(20*time.Second, seen(caseNumber)); err != nil {
		return nil, errors.New("klipp's case list did not show " + caseNumber)
	}
	time.Sleep(500 * time.Millisecond)
	// The case, then its first entry in the frame browser.
	s.keys("slash")
	s.typeText(caseNumber)
	s.keys("Return")
	time.Sleep(300 * time.Millisecond)
	s.keys("Return")
	if err := waitFor(10*time.Second, seen("Case "+caseNumber)); err != nil {
		return nil, errors.New("the case did not open")
	}
	time.Sleep(500 * time.Millisecond)
	s.keys("Return")
	if err := waitFor(10*time.Second, seen("camera clock")); err != nil {
		return nil, errors.New("the frame browser did not open")
	}

	line := func(check string, ok bool, format string, a ...any) {
		v := "PASS"
		if !ok {
			v = "FAIL"
		}
		results = append(results, fmt.Sprintf("%-7s %-8s %s %s", name, check, v, fmt.Sprintf(format, a...)))
	}
	// look waits (up to limit) for the screen to meet want, then a moment
	// more, and measures the screenshot taken then: what stays on screen.
	look := func(label string, want func(m measure) bool, limit time.Duration) (measure, error) {
		var m measure
		end := time.Now().Add(limit)
		for {
			img, err := s.shot(label)
			if err != nil {
				return m, err
			}
			m = s.measure(img, ref, decoy)
			if want(m) || time.Now().After(end) {
				break
			}
			time.Sleep(300 * time.Millisecond)
		}
		time.Sleep(time.Second)
		img, err := s.shot(label)
		if err != nil {
			return m, err
		}
		return s.measure(img, ref, decoy), nil
	}
	shown := func(m measure) bool { return m.pictureOK() && m.belowOK() }
	report := func(when string, m measure) {
		line("picture", m.pictureOK(), "%s: difference from the still %.1f (limit %.0f; another camera's still %.1f), std dev %.0f (min %.0f); cells %dx%d px, picture %dx%d px at row 4",
			when, m.diff, resembleMax, m.decoyDiff, m.std, blankStdMin, m.cw, m.ch, m.pw, m.ph)
		line("below", m.belowOK(), "%s: rows %d-%d under the picture: at most %.2f%% non-text pixels in a row (limit %.0f%%; the picture %.0f%%); least difference of a row from a row of the still %.1f (must exceed %.0f; the picture's last row %.1f)",
			when, m.belowFrom+1, s.rows, 100*m.leak, 100*belowLeakMax, 100*m.pictureNonText, m.rowLike, resembleMax, m.pictureRowLike)
	}

	m, err := look("frames", shown, 15*time.Second)
	if err != nil {
		return results, err
	}
	report("opened", m)

	s.keys("question")
	help, err := look("help", func(m measure) bool { return m.diff > resembleMax }, 8*time.Second)
	if err != nil {
		return results, err
	}
	s.keys("Escape")
	back, err := look("help-closed", shown, 10*time.Second)
	if err != nil {
		return results, err
	}
	line("help", help.diff > resembleMax && back.pictureOK() && back.belowOK(),
		"difference from the still with help shown %.1f (must exceed %.0f), after esc %.1f; below: %.2f%% non-text, row difference %.1f",
		help.diff, resembleMax, back.diff, 100*back.leak, back.rowLike)

	// A resize smaller and back, in pixels (not every terminal sets
	// size hints in cells): the size in cells is read back from the
	// window's.
	cols0, rows0 := s.cols, s.rows
	s.resize(cols0-20, rows0-9)
	time.Sleep(500 * time.Millisecond)
	sm, err := look("resized-small", shown, 10*time.Second)
	if err != nil {
		return results, err
	}
	smallCols, smallRows := s.cols, s.rows
	s.resize(cols0, rows0)
	time.Sleep(500 * time.Millisecond)
	rm, err := look("resized-back", shown, 10*time.Second)
	if err != nil {
		return results, err
	}
	line("resize", sm.pictureOK() && sm.belowOK(), "at %dx%d: difference %.1f, std dev %.0f; below: %.2f%% non-text, row difference %.1f; picture %dx%d px",
		smallCols, smallRows, sm.diff, sm.std, 100*sm.leak, sm.rowLike, sm.pw, sm.ph)
	if s.cols != cols0 || s.rows != rows0 {
		line("resize", false, "back at %dx%d, not %dx%d", s.cols, s.rows, cols0, rows0)
	}
	report("resized back", rm)
	return results, nil
}

// resize sets the window to cols x rows cells of the size measured.
func (s *session) resize(cols, rows int) {
	s.xdotool("windowsize", s.win, strconv.Itoa(cols*s.cw+2*s.ox), strconv.Itoa(rows*s.ch+2*s.oy))
}

func waitFor(limit time.Duration, ok func() bool) error {
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		if ok() {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("timed out")
}

// measure is what a screenshot of the frame browser shows.
type measure struct {
	cw, ch, pw, ph  int     // cell and picture size in pixels
	diff, decoyDiff float64 // mean absolute difference from the still, and from the decoy
	std             float64 // standard deviation of the picture's pixels
	leak            float64 // share of non-text pixels in the worst cell row under the picture
	pictureNonText  float64 // the share in the picture (calibration)
	belowFrom       int     // first row under the picture (zero-based)
	rowLike         float64 // the least difference of a row under the picture from a row of the still
	pictureRowLike  float64 // the same for the picture's last row (calibration)
}

func (m measure) pictureOK() bool { return m.diff <= resembleMax && m.std >= blankStdMin }
func (m measure) belowOK() bool   { return m.leak <= belowLeakMax && m.rowLike > resembleMax }

// measure locates the picture as klipp does (from row 4, cols x rows of
// cells sized window/cells, the picture's aspect kept; xterm's sixels
// within 1000x1000 px) and measures it and the rows under it.
func (s *session) measure(img *image.RGBA, ref, decoy image.Image) measure {
	W, H := img.Bounds().Dx(), img.Bounds().Dy()
	if s.cw == 0 {
		// The cell size, once, from the size in cells asked for.
		s.cw, s.ch = W/s.cols, H/s.rows
		s.ox, s.oy = (W-s.cols*s.cw)/2, (H-s.rows*s.ch)/2
	}
	// The size in cells, from the window's (after a resize too).
	cw, ch, ox, oy := s.cw, s.ch, s.ox, s.oy
	s.cols, s.rows = (W-2*ox)/cw, (H-2*oy)/ch
	m := measure{cw: cw, ch: ch}
	// The rows klipp gives the picture: all but 3 header lines, the time
	// bar (2), 2 status lines, the breadcrumb and the footer's key lines
	// (up to 4). At the sizes tried the picture fills the width and is
	// less high than that, so its size does not depend on the footer.
	frameRows := s.rows - 3 - 2 - 2 - 1 - 4
	b := ref.Bounds()
	w := s.cols
	h := w * b.Dy() * cw / (b.Dx() * ch)
	if h > frameRows {
		h = frameRows
		w = h * ch * b.Dx() / (b.Dy() * cw)
	}
	pw, ph := w*cw, h*ch
	if s.name == "xterm" && (pw > 1000 || ph > 1000) {
		if pw >= ph {
			pw, ph = 1000, ph*1000/pw
		} else {
			pw, ph = pw*1000/ph, 1000
		}
	}
	m.pw, m.ph = pw, ph
	pic := image.Rect(ox, oy+3*ch, ox+pw, oy+3*ch+ph)
	got := boxScale(img, pic, compareW, compareH)
	m.diff = mad(got, boxScale(ref, ref.Bounds(), compareW, compareH))
	m.decoyDiff = mad(got, boxScale(decoy, decoy.Bounds(), compareW, compareH))
	m.std = stddev(img, pic)
	// Text colours: those of the three header lines (text only) and the
	// background, with their blends (antialiasing) within a distance.
	header := image.Rect(0, 0, W, oy+3*ch)
	palette := colours(img, header)
	m.belowFrom = 3 + h
	below := image.Rect(0, oy+(3+h)*ch, W, H)
	// By cell row: the worst row under the picture.
	for y := below.Min.Y; y+ch <= below.Max.Y; y += ch {
		m.leak = math.Max(m.leak, nonText(img, image.Rect(0, y, W, y+ch), palette))
	}
	m.pictureNonText = nonText(img, pic, palette)
	// And no row under the picture resembles a row of the frame (the
	// picture, or part of it, drawn or carried too low): each cell row,
	// across the picture's width, against every cell row of the still.
	var refRows [][][3]float64
	for i := 0; i < h; i++ {
		r := image.Rect(b.Min.X, b.Min.Y+i*b.Dy()/h, b.Max.X, b.Min.Y+(i+1)*b.Dy()/h)
		refRows = append(refRows, boxScale(ref, r, compareW, 2))
	}
	likeRow := func(y int) float64 {
		got := boxScale(img, image.Rect(pic.Min.X, y, pic.Max.X, y+ch), compareW, 2)
		best := math.Inf(1)
		for _, r := range refRows {
			best = math.Min(best, mad(got, r))
		}
		return best
	}
	m.rowLike = math.Inf(1)
	for y := below.Min.Y; y+ch <= below.Max.Y; y += ch {
		m.rowLike = math.Min(m.rowLike, likeRow(y))
	}
	m.pictureRowLike = likeRow(pic.Max.Y - ch)
	return m
}

// boxScale is r of img averaged down to w x h.
func boxScale(img image.Image, r image.Rectangle, w, h int) [][3]float64 {
	out := make([][3]float64, w*h)
	n := make([]float64, w*h)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := (y-r.Min.Y)*h/r.Dy()*w + (x-r.Min.X)*w/r.Dx()
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			out[i][0] += float64(c.R)
			out[i][1] += float64(c.G)
			out[i][2] += float64(c.B)
			n[i]++
		}
	}
	for i := range out {
		for k := 0; k < 3; k++ {
			out[i][k] /= math.Max(1, n[i])
		}
	}
	return out
}

func mad(a, b [][3]float64) float64 {
	var s float64
	for i := range a {
		for k := 0; k < 3; k++ {
			s += math.Abs(a[i][k] - b[i][k])
		}
	}
	return s / float64(3*len(a))
}

func stddev(img *image.RGBA, r image.Rectangle) float64 {
	var s, s2, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := img.RGBAAt(x, y)
			v := (float64(c.R) + float64(c.G) + float64(c.B)) / 3
			s += v
			s2 += v * v
			n++
		}
	}
	if n == 0 {
		return 0
	}
	mean := s / n
	return math.Sqrt(math.Max(0, s2/n-mean*mean))
}

// colours are the distinct colours in r.
func colours(img *image.RGBA, r image.Rectangle) []color.RGBA {
	seen := map[color.RGBA]bool{}
	var out []color.RGBA
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := img.RGBAAt(x, y)
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// nonText is the share of r's pixels further than textNear (per channel) from
// every colour of palette.
func nonText(img *image.RGBA, r image.Rectangle, palette []color.RGBA) float64 {
	var bad, n float64
	near := map[color.RGBA]bool{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := img.RGBAAt(x, y)
			n++
			ok, known := near[c]
			if !known {
				for _, p := range palette {
					if absd(c.R, p.R) <= textNear && absd(c.G, p.G) <= textNear && absd(c.B, p.B) <= textNear {
						ok = true
						break
					}
				}
				near[c] = ok
			}
			if !ok {
				bad++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return bad / n
}

func absd(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func readPNG(p string) (image.Image, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}
