package tui

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// rawOf finds the raw terminal output among a command's messages.
func rawOf(cmd tea.Cmd) (string, bool) {
	if cmd == nil {
		return "", false
	}
	switch msg := cmd().(type) {
	case tea.RawMsg:
		s, ok := msg.Msg.(string)
		return s, ok
	case tea.BatchMsg:
		for _, c := range msg {
			if s, ok := rawOf(c); ok {
				return s, true
			}
		}
	}
	return "", false
}

// sixelDecode reads a sixel DCS as a terminal would: the raster size, the
// palette, and the bands of six rows, colour by colour.
func sixelDecode(t *testing.T, seq string) *image.RGBA {
	t.Helper()
	i := strings.Index(seq, "\x1bP")
	j := strings.LastIndex(seq, "\x1b\\")
	if i < 0 || j < i {
		t.Fatalf("no DCS in %q", seq[:min(40, len(seq))])
	}
	body := seq[i+2 : j]
	q := strings.IndexByte(body, 'q')
	body = body[q+1:]
	m := regexp.MustCompile(`^"1;1;(\d+);(\d+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no raster attributes: %q", body[:20])
	}
	w, _ := strconv.Atoi(m[1])
	h, _ := strconv.Atoi(m[2])
	body = body[len(m[0]):]
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	pal := map[int]color.RGBA{}
	x, y, c := 0, 0, 0
	num := func() int {
		k := 0
		for k < len(body) && body[k] >= '0' && body[k] <= '9' {
			k++
		}
		n, _ := strconv.Atoi(body[:k])
		body = body[k:]
		return n
	}
	for len(body) > 0 {
		ch := body[0]
		body = body[1:]
		switch {
		case ch == '#':
			c = num()
			if len(body) > 0 && body[0] == ';' {
				var p [4]int
				for k := range p {
					body = body[1:]
					p[k] = num()
				}
				if p[0] != 2 {
					t.Fatalf("colour space %d", p[0])
				}
				pal[c] = color.RGBA{uint8(p[1] * 255 / 100), uint8(p[2] * 255 / 100), uint8(p[3] * 255 / 100), 255}
			}
		case ch == '$':
			x = 0
		case ch == '-':
			x, y = 0, y+6
		case ch == '!':
			n := num()
			bits := body[0] - 63
			body = body[1:]
			for k := 0; k < n; k++ {
				for b := 0; b < 6; b++ {
					if bits&(1<<b) != 0 {
						img.SetRGBA(x, y+b, pal[c])
					}
				}
				x++
			}
		case ch >= 63 && ch <= 126:
			for b := 0; b < 6; b++ {
				if (ch-63)&(1<<b) != 0 {
					img.SetRGBA(x, y+b, pal[c])
				}
			}
			x++
		default:
			t.Fatalf("unexpected %q in sixel data", ch)
		}
	}
	return img
}

// testPicture has colour, a gradient and fine detail: a red and a blue
// half, a grey ramp and a white square with a black cross.
func testPicture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{200, 30, 30, 255}
			if x >= w/2 {
				c = color.RGBA{30, 60, 200, 255}
			}
			if y >= h*3/4 {
				v := uint8(x * 255 / w)
				c = color.RGBA{v, v, v, 255}
			}
			if x >= w/3 && x < w*2/3 && y >= h/4 && y < h/2 {
				c = color.RGBA{255, 255, 255, 255}
				if x == w/2 || y == h*3/8 {
					c = color.RGBA{0, 0, 0, 255}
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// meanDiff compares two pictures of one size in blocks of n×n pixels (the
// dithering averages out over a block): the largest difference of a
// block's mean in any channel.
func meanDiff(a, b image.Image, n int) float64 {
	worst := 0.0
	r := a.Bounds()
	for y0 := r.Min.Y; y0+n <= r.Max.Y; y0 += n {
		for x0 := r.Min.X; x0+n <= r.Max.X; x0 += n {
			var sa, sb [3]float64
			for y := y0; y < y0+n; y++ {
				for x := x0; x < x0+n; x++ {
					r1, g1, b1, _ := a.At(x, y).RGBA()
					r2, g2, b2, _ := b.At(x-r.Min.X+b.Bounds().Min.X, y-r.Min.Y+b.Bounds().Min.Y).RGBA()
					sa[0], sa[1], sa[2] = sa[0]+float64(r1>>8), sa[1]+float64(g1>>8), sa[2]+float64(b1>>8)
					sb[0], sb[1], sb[2] = sb[0]+float64(r2>>8), sb[1]+float64(g2>>8), sb[2]+float64(b2>>8)
				}
			}
			for k := range sa {
				d := (sa[k] - sb[k]) / float64(n*n)
				if d < 0 {
					d = -d
				}
				worst = max(worst, d)
			}
		}
	}
	return worst
}

// Sixel output decoded back is the frame at the size of the cells it
// fills: every 10×10 block within a few levels of the frame's.
func TestSixelDecodesToFrame(t *testing.T) {
	src := testPicture(640, 360)
	seq := sixelImage(src, 3, 0, 64, 18)
	if !strings.HasPrefix(seq, "\x1b7\x1b[4;1H\x1bP") || !strings.HasSuffix(seq, "\x1b\\\x1b8") {
		t.Fatalf("sequence %q … %q", seq[:20], seq[len(seq)-10:])
	}
	got := sixelDecode(t, seq)
	if got.Bounds().Dx() != 640 || got.Bounds().Dy() != 360 {
		t.Fatalf("decoded %v", got.Bounds())
	}
	if d := meanDiff(got, src, 10); d > 12 {
		t.Errorf("decoded sixel differs from the frame by %.1f levels in a block", d)
	}
	// The black cross survives: detail is not smeared away.
	if r, _, _, _ := got.At(320, 100).RGBA(); r>>8 > 60 {
		t.Errorf("the cross's pixel is %v", got.At(320, 100))
	}
}

// Kitty graphics in tmux: each graphics command is wrapped for tmux to
// pass through, and unwrapped it is the picture, pixel for pixel.
func TestKittyThroughTmux(t *testing.T) {
	src := testPicture(320, 180)
	for i := range src.Pix {
		if i%4 != 3 && i%7 == 0 {
			src.Pix[i] ^= uint8(i) // noise: several chunks
		}
	}
	seq, err := kittyImage(src, 3, 0, 40, 11, true)
	if err != nil {
		t.Fatal(err)
	}
	wrapped := regexp.MustCompile(`\x1bPtmux;((?:\x1b\x1b|[^\x1b])*)\x1b\\`).FindAllStringSubmatch(seq, -1)
	if len(wrapped) < 3 {
		t.Fatalf("%d passthrough sequences", len(wrapped))
	}
	outside := regexp.MustCompile(`\x1bPtmux;((?:\x1b\x1b|[^\x1b])*)\x1b\\`).ReplaceAllString(seq, "")
	if outside != "\x1b7\x1b[4;1H\x1b8" {
		t.Errorf("outside the passthrough: %q", outside)
	}
	var inner strings.Builder
	for _, w := range wrapped {
		inner.WriteString(strings.ReplaceAll(w[1], "\x1b\x1b", "\x1b"))
	}
	if got := kittyPicture(t, inner.String()); meanDiff(got, src, 1) != 0 {
		t.Error("the picture through tmux is not the frame")
	}
}

// kittyPicture decodes the PNG of kitty graphics commands.
func kittyPicture(t *testing.T, seq string) image.Image {
	t.Helper()
	var payload strings.Builder
	for _, c := range regexp.MustCompile(`\x1b_G([^;\x1b]*);([^\x1b]*)\x1b\\`).FindAllStringSubmatch(seq, -1) {
		if strings.Contains(c[1], "a=d") {
			continue
		}
		payload.WriteString(c[2])
	}
	data, err := base64.StdEncoding.DecodeString(payload.String())
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// The fake's frame: a ramp with a white square at x 24–40, y 10–26.
func fakeFrame(t *testing.T) image.Image {
	f, err := (&fakeOps{}).Frame(nil, "sodergatan-2", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return f.Image
}

// Zoom crops the frame at its source resolution: + shows the middle half
// of the width and height, - the whole frame again, and a click zooms in
// around the pixel clicked; the kitty picture sent is exactly that crop.
func TestZoom(t *testing.T) {
	ops := &fakeOps{}
	start := New(nil, ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers().WithGraphics(GraphicsKitty)
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24}, keyMsg("enter"), keyMsg("c"), keyMsg("enter"))
	src := fakeFrame(t)
	mm, cmd := m.Update(keyMsg("+"))
	raw, ok := rawOf(cmd)
	if !ok {
		t.Fatal("+ sent no picture")
	}
	want := src.(*image.RGBA).SubImage(image.Rect(16, 9, 48, 27))
	if got := kittyPicture(t, raw); got.Bounds().Dx() != 32 || got.Bounds().Dy() != 18 || meanDiff(got, want, 1) != 0 {
		t.Errorf("zoom 2×: %v, not the middle of the frame", got.Bounds())
	}
	if s := screenOf(mm); !strings.Contains(s, "zoom 2×") {
		t.Errorf("zoom not shown:\n%s", s)
	}
	mm, cmd = mm.Update(keyMsg("-"))
	if raw, _ := rawOf(cmd); kittyPicture(t, raw).Bounds().Dx() != 64 {
		t.Error("- does not show the whole frame")
	}
	// A click on cell (6, 4) of the picture (it starts on line 3) is the
	// source pixel in the middle of that cell: zoom 2× crops 32×18 around
	// it, kept inside the frame.
	w, h := fitCells(src.Bounds(), 80, mm.(Model).frameRows())
	px, py := 13*64/(2*w), 9*36/(2*h)
	_, cmd = mm.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 6, Y: 3 + 4})
	raw, _ = rawOf(cmd)
	got := kittyPicture(t, raw)
	x0, y0 := max(0, px-16), max(0, py-9)
	if got.Bounds().Dx() != 32 || meanDiff(got, src.(*image.RGBA).SubImage(image.Rect(x0, y0, x0+32, y0+18)), 1) != 0 {
		t.Errorf("click zoom at (%d, %d) is not the crop around it", px, py)
	}

	// ctrl+arrows move a zoomed picture by a quarter of what is shown,
	// and stop at the frame's edge.
	ctrl := func(code rune) tea.Msg { return tea.KeyPressMsg{Code: code, Mod: tea.ModCtrl} }
	mm, _ = mm.Update(keyMsg("-"))
	mm, _ = mm.Update(ctrl(tea.KeyRight))
	if st := mm.(Model).Status(); !strings.Contains(st, "zoom in first") {
		t.Errorf("ctrl+right unzoomed: %q", st)
	}
	mm, _ = mm.Update(keyMsg("+")) // 16..48 × 9..27
	for _, tc := range []struct {
		key  rune
		want image.Rectangle
	}{
		{tea.KeyRight, image.Rect(24, 9, 56, 27)},
		{tea.KeyRight, image.Rect(32, 9, 64, 27)},
		{tea.KeyRight, image.Rect(32, 9, 64, 27)}, // at the edge
		{tea.KeyDown, image.Rect(32, 13, 64, 31)},
		{tea.KeyLeft, image.Rect(24, 13, 56, 31)},
		{tea.KeyUp, image.Rect(24, 9, 56, 27)},
	} {
		mm, cmd = mm.Update(ctrl(tc.key))
		raw, ok := rawOf(cmd)
		if !ok {
			t.Fatalf("ctrl+%c sent no picture", tc.key)
		}
		if got := kittyPicture(t, raw); got.Bounds().Dx() != 32 || meanDiff(got, src.(*image.RGBA).SubImage(tc.want), 1) != 0 {
			t.Errorf("after ctrl+arrow to %v: not that part of the frame", tc.want)
		}
	}
}

// The frame browser in sixel: the picture sent, decoded, is the frame.
func TestFramesInSixel(t *testing.T) {
	ops := &fakeOps{}
	start := New(nil, ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers().WithGraphics(GraphicsSixel)
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24}, keyMsg("enter"), keyMsg("c"), keyMsg("enter"))
	_, cmd := m.Update(keyMsg("+"))
	_, cmd = m.Update(keyMsg("-"))
	_ = cmd
	mm := m.(Model)
	raw, ok := rawOf(mm.frameImage())
	if !ok {
		t.Fatal("no sixel sent")
	}
	got := sixelDecode(t, raw)
	w, h := fitCells(image.Rect(0, 0, 64, 36), 80, mm.frameRows())
	if got.Bounds().Dx() != w*fallbackCellW || got.Bounds().Dy() != h*fallbackCellH {
		t.Fatalf("sixel %v for %d×%d cells", got.Bounds(), w, h)
	}
	if d := meanDiff(got, scaled(fakeFrame(t), got.Bounds().Dx(), got.Bounds().Dy()), 10); d > 12 {
		t.Errorf("sixel differs from the frame by %.1f levels", d)
	}
	if s := screenOf(m); strings.Contains(s, "▀") {
		t.Error("half-blocks under the sixel picture")
	}
}

// Playback runs by the wall clock: each tick shows the frame the clock
// says; while a frame is still decoding ticks are dropped rather than
// queued, and the next shows where playback should be by then.
func TestPlayback(t *testing.T) {
	wall := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	wallClock = func() time.Time { return wall }
	defer func() { wallClock = time.Now }()
	ops := &fakeOps{}
	m := openFrames(t, ops, 80, 24) // 21:10:18.000
	m = run(m, keyMsg(" "))
	if s := screenOf(m); !strings.Contains(s, "▶ 1×") {
		t.Fatalf("not playing:\n%s", s)
	}
	seq := m.(Model).frames.play.seq
	wall = wall.Add(40 * time.Millisecond)
	m, load := m.Update(playTickMsg{seq: seq})
	if s := screenOf(m); !strings.Contains(s, "cursor 2026-11-20 21:10:18.040") {
		t.Fatalf("after a tick:\n%s", s)
	}
	// The frame has not arrived: two ticks are dropped.
	for range 2 {
		wall = wall.Add(40 * time.Millisecond)
		m, _ = m.Update(playTickMsg{seq: seq})
	}
	if s := screenOf(m); !strings.Contains(s, "cursor 2026-11-20 21:10:18.040") || m.(Model).frames.play.dropped != 2 {
		t.Fatalf("ticks while decoding moved the cursor:\n%s", s)
	}
	msg := load()
	if b, ok := msg.(tea.BatchMsg); ok {
		msg = b[0]()
	}
	m = run(m, msg)
	m = run(m, playTickMsg{seq: seq})
	if s := screenOf(m); !strings.Contains(s, "cursor 2026-11-20 21:10:18.120") {
		t.Fatalf("after the frame arrived:\n%s", s)
	}
	// 2×, then −1×.
	m = run(m, keyMsg("*"))
	wall = wall.Add(100 * time.Millisecond)
	m = run(m, playTickMsg{seq: seq})
	if s := screenOf(m); !strings.Contains(s, "cursor 2026-11-20 21:10:18.320") || !strings.Contains(s, "▶ 2×") {
		t.Fatalf("2×:\n%s", s)
	}
	m = run(m, keyMsg("*"), keyMsg("*"))
	wall = wall.Add(300 * time.Millisecond)
	m = run(m, playTickMsg{seq: seq})
	if s := screenOf(m); !strings.Contains(s, "cursor 2026-11-20 21:10:18.020") || !strings.Contains(s, "▶ -1×") {
		t.Fatalf("−1×:\n%s", s)
	}
	m = run(m, keyMsg(" "))
	wall = wall.Add(time.Second)
	m = run(m, playTickMsg{seq: seq})
	if s := screenOf(m); !strings.Contains(s, "cursor 2026-11-20 21:10:18.020") {
		t.Fatalf("paused playback moved:\n%s", s)
	}
	// A tick goes by the time it fired (on the frame interval), not by
	// when it is handled: a tick handled late still shows its frame.
	m = run(m, keyMsg("*"), keyMsg(" "))
	seq = m.(Model).frames.play.seq
	fired := wall.Add(80 * time.Millisecond)
	wall = wall.Add(95 * time.Millisecond)
	m = run(m, playTickMsg{seq: seq, at: fired})
	if s := screenOf(m); !strings.Contains(s, "cursor 2026-11-20 21:10:18.100") || !strings.Contains(s, "▶ 1×") {
		t.Fatalf("a tick fired at +80 ms, handled at +95 ms:\n%s", s)
	}
}

// G shows this camera and the others nearest the place at the same time
// in a 2×2 mosaic, each view recorded for the case.
func TestGrid(t *testing.T) {
	ops := &fakeOps{}
	m := openFrames(t, ops, 160, 48)
	m = run(m, keyMsg("G"))
	s := screenOf(m)
	if !strings.Contains(s, "↖ Södergatan 2 21:10:18.000  ↗ Stortorget 21:10:18.000  ↙ Malmö C spår 4 21:10:18.000") {
		t.Fatalf("grid label:\n%s", s)
	}
	g := m.(Model).frames.grid.image
	// The fake's frames are 64×36, fitted to 640×360 tiles: the white
	// square's middle is at (320, 180) of each tile; the fourth is empty.
	for i, p := range []image.Point{{320, 180}, {640 + 320, 180}, {320, 360 + 180}} {
		if r, _, _, _ := g.At(p.X, p.Y).RGBA(); r>>8 != 255 {
			t.Errorf("tile %d's middle is %v", i, g.At(p.X, p.Y))
		}
	}
	if r, _, _, _ := g.At(640+320, 360+180).RGBA(); r != 0 {
		t.Error("the empty tile is not black")
	}
	views := fmt.Sprint(ops.views)
	if !strings.Contains(views, "stortorget 21:10:18.000–21:10:18.000") || !strings.Contains(views, "malmo-c-spar-4 21:10:18.000–21:10:18.000") {
		t.Errorf("grid views not recorded: %v", ops.views)
	}
	m = run(m, keyMsg("]"))
	if s := screenOf(m); !strings.Contains(s, "↗ Stortorget 21:10:28.000") {
		t.Errorf("the grid does not follow the cursor:\n%s", s)
	}
	// This camera in a gap: the others still show, and its tile says why.
	ops.noFrame = map[string]bool{"sodergatan-2": true}
	m = run(m, keyMsg("]"))
	s = screenOf(m)
	if !strings.Contains(s, "↖ Södergatan 2 no picture: gap  ↗ Stortorget 21:10:38.000") {
		t.Errorf("the grid with this camera in a gap:\n%s", s)
	}
	g = m.(Model).frames.grid.image
	if r, _, _, _ := g.At(640+320, 180).RGBA(); r>>8 != 255 {
		t.Error("the grid's other tiles are gone when this camera has no picture")
	}
	if r, _, _, _ := g.At(320, 180).RGBA(); r != 0 {
		t.Error("this camera's tile is not black in its gap")
	}
	m = run(m, keyMsg("G"))
	if s := screenOf(m); strings.Contains(s, "↗ Stortorget") {
		t.Errorf("G does not close the grid:\n%s", s)
	}
}

// At 80 columns the grid's label goes onto a second line, whole, and the
// picture starts under it.
func TestGridLabelAt80(t *testing.T) {
	ops := &fakeOps{}
	m := run(openFrames(t, ops, 80, 24), keyMsg("G"))
	s := screenOf(m)
	for _, want := range []string{"↖ Södergatan 2 21:10:18.000", "↗ Stortorget 21:10:18.000", "↙ Malmö C spår 4 21:10:18.000"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q cut:\n%s", want, s)
		}
	}
	if n := len(m.(Model).gridLabel()); n != 2 {
		t.Errorf("label on %d lines", n)
	}
}

// V opens the recording at the cursor: in mpv at the frame's time in the
// file, or in $KLIPP_VIEWER with {file} and {start}; a viewer that fails
// at once is an error on the screen.
func TestExternalViewer(t *testing.T) {
	var started [][]string
	var fail error
	startViewer = func(argv []string) error { started = append(started, argv); return fail }
	lookPath = func(name string) (string, error) { return "/usr/bin/" + name, nil }
	defer func() { startViewer, lookPath = startDetached, execLookPath }()
	t.Setenv("KLIPP_VIEWER", "")
	ops := &fakeOps{}
	m := openFrames(t, ops, 80, 24)
	m = run(m, keyMsg("V"))
	if len(started) != 1 || strings.Join(started[0], " ") != "/usr/bin/mpv --start=618.000 /rec/sodergatan-2/a.mp4" {
		t.Fatalf("started %v", started)
	}
	if s := screenOf(m); !strings.Contains(s, "opened a.mp4 in mpv at 618.000 s") {
		t.Errorf("after V:\n%s", s)
	}
	t.Setenv("KLIPP_VIEWER", "vlc --start-time={start} {file}")
	m = run(m, keyMsg("V"))
	if strings.Join(started[1], " ") != "vlc --start-time=618.000 /rec/sodergatan-2/a.mp4" {
		t.Errorf("KLIPP_VIEWER: %v", started[1])
	}
	t.Setenv("KLIPP_VIEWER", "feh")
	m = run(m, keyMsg("O"))
	if len(started[2]) != 2 || started[2][0] != "feh" || !strings.HasSuffix(started[2][1], "sodergatan-2-20261120-211018.000.png") {
		t.Errorf("O: %v", started[2])
	}
	fail = errors.New("feh: cannot open display")
	m = run(m, keyMsg("O"))
	if st := m.(Model).Status(); !strings.Contains(st, "error: feh: cannot open display; the frame is written to ") {
		t.Errorf("a failing viewer: %q", st)
	}
	// No viewer at all: the message says where the frame and the
	// recording are.
	t.Setenv("KLIPP_VIEWER", "")
	lookPath = func(name string) (string, error) { return "", errors.New("not found") }
	m = run(m, keyMsg("O"))
	png := filepath.Join(os.TempDir(), "klipp-view", "sodergatan-2-20261120-211018.000.png")
	if st := m.(Model).Status(); !strings.Contains(st, "the frame is written to "+png+", but there is no viewer: set KLIPP_VIEWER") {
		t.Errorf("O without a viewer: %q", st)
	}
	if _, err := os.Stat(png); err != nil {
		t.Errorf("O without a viewer: %v", err)
	}
	m = run(m, keyMsg("V"))
	if st := m.(Model).Status(); !strings.Contains(st, "the recording is /rec/sodergatan-2/a.mp4, 618.000 s in, but there is no viewer") {
		t.Errorf("V without a viewer: %q", st)
	}
}

// The tests draw with 10 × 20 pixel cells and no sixel limit, whatever
// terminal they run in.
func init() {
	terminalCell = func() (int, int) { return fallbackCellW, fallbackCellH }
}

// sixelRaster is the raster size a sixel sequence declares.
func sixelRaster(t *testing.T, seq string) (int, int) {
	t.Helper()
	m := regexp.MustCompile(`\x1bP0;1;0q"1;1;(\d+);(\d+)`).FindStringSubmatch(seq)
	if m == nil {
		t.Fatalf("no raster attributes in %q", seq[:min(40, len(seq))])
	}
	w, _ := strconv.Atoi(m[1])
	h, _ := strconv.Atoi(m[2])
	return w, h
}

// With 8 × 17 pixel cells the sixel picture is 8 × 17 pixels a cell:
// declared and decoded, and it ends on the last band (no graphics
// newline after it to move below the picture).
func TestSixelCellSize(t *testing.T) {
	terminalCell = func() (int, int) { return 8, 17 }
	defer func() { terminalCell = func() (int, int) { return fallbackCellW, fallbackCellH } }()
	seq := sixelImage(testPicture(640, 360), 3, 0, 64, 18)
	if w, h := sixelRaster(t, seq); w != 64*8 || h != 18*17 {
		t.Errorf("raster %d×%d, want %d×%d", w, h, 64*8, 18*17)
	}
	if got := sixelDecode(t, seq); got.Bounds().Dx() != 64*8 || got.Bounds().Dy() != 18*17 {
		t.Errorf("decoded %v", got.Bounds())
	}
	if strings.HasSuffix(seq, "-\x1b\\\x1b8") {
		t.Error("a graphics newline after the last band")
	}
	// The cells a 16:9 picture takes in 80 × 20 cells of 8 × 17 pixels
	// keep its aspect: 80 × 20 cells would be 640 × 340 pixels, so it
	// is as wide as the window and 360 px high, 21 lines … capped at 20,
	// then as wide as that allows.
	w, h := fitCellsPx(image.Rect(0, 0, 1920, 1080), 80, 20, 8, 17)
	if w != 75 || h != 20 {
		t.Errorf("fitCellsPx: %d×%d cells", w, h)
	}
	if w, h := fitCellsPx(image.Rect(0, 0, 1920, 1080), 80, 40, 8, 17); w != 80 || h != 21 {
		t.Errorf("fitCellsPx, room to spare: %d×%d cells", w, h)
	}
	// fitCells is the 10 × 20 case.
	for _, r := range []image.Rectangle{image.Rect(0, 0, 64, 36), image.Rect(0, 0, 704, 576), image.Rect(0, 0, 33, 97)} {
		for _, cr := range [][2]int{{80, 20}, {160, 45}, {40, 10}, {7, 3}} {
			w1, h1 := fitCells(r, cr[0], cr[1])
			bw, bh := r.Dx(), r.Dy()
			w0, h0 := cr[0], cr[0]*bh/bw/2
			if h0 > cr[1] {
				h0 = cr[1]
				w0 = h0 * 2 * bw / bh
			}
			if w1 != max(1, w0) || h1 != max(1, h0) {
				t.Errorf("fitCells(%v, %v) = %d×%d, was %d×%d", r, cr, w1, h1, w0, h0)
			}
		}
	}
}

// With a limit of 1000 px (xterm) a picture 160 columns wide is scaled
// into 1000 × 1000 keeping its aspect; without one it is its cells' size.
func TestSixelLimit(t *testing.T) {
	defer SetSixelLimit(0)
	SetSixelLimit(1000)
	src := testPicture(1600, 900)
	w, h := fitCells(src.Bounds(), 160, 45) // 160 × 45 cells: 1600 × 900 px
	seq := sixelImage(src, 3, 0, w, h)
	pw, ph := sixelRaster(t, seq)
	if pw > 1000 || ph > 1000 || pw < 999 {
		t.Fatalf("raster %d×%d for %d×%d cells under a limit of 1000", pw, ph, w, h)
	}
	if a, b := float64(pw)/float64(ph), float64(w*10)/float64(h*20); a/b < 0.99 || a/b > 1.01 {
		t.Errorf("aspect %.3f, the cells' %.3f", a, b)
	}
	if !strings.HasPrefix(seq, "\x1b7\x1b[4;1H\x1bP") {
		t.Errorf("not placed at the cells' top-left: %q", seq[:12])
	}
	if got := sixelDecode(t, seq); meanDiff(got, scaled(src, pw, ph), 10) > 12 {
		t.Error("the scaled-down sixel is not the picture")
	}
	// A tall picture is limited by its height.
	if pw, ph := sixelSize(30, 60, 10, 20, 1000); ph != 1000 || pw != 250 {
		t.Errorf("tall: %d×%d", pw, ph)
	}
	SetSixelLimit(0)
	if pw, ph := sixelRaster(t, sixelImage(src, 3, 0, w, h)); pw != w*10 || ph != h*20 {
		t.Errorf("no limit: %d×%d", pw, ph)
	}
}

// SixelLimit: xterm 1000 px, mlterm and foot (even started from an
// xterm) none, KLIPP_SIXEL_LIMIT overrides.
func TestSixelLimitFromEnvironment(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want int
	}{
		{map[string]string{"XTERM_VERSION": "XTerm(379)", "TERM": "xterm-256color"}, 1000},
		{map[string]string{"MLTERM": "3.9.3", "TERM": "xterm"}, 0},
		{map[string]string{"MLTERM": "3.9.3", "XTERM_VERSION": "XTerm(379)"}, 0},
		{map[string]string{"TERM": "mlterm", "XTERM_VERSION": "XTerm(379)"}, 0},
		{map[string]string{"TERM": "foot", "XTERM_VERSION": "XTerm(379)"}, 0},
		{map[string]string{"TERM": "xterm-256color"}, 0},
		{map[string]string{"XTERM_VERSION": "XTerm(379)", "KLIPP_SIXEL_LIMIT": "4000"}, 4000},
		{map[string]string{"XTERM_VERSION": "XTerm(379)", "KLIPP_SIXEL_LIMIT": "0"}, 0},
		{map[string]string{"XTERM_VERSION": "XTerm(379)", "KLIPP_SIXEL_LIMIT": "big"}, 1000},
	} {
		if got := SixelLimit(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("%v: %d, want %d", tc.env, got, tc.want)
		}
	}
}

// The cell size from the window size: pixels over cells, and 10 × 20
// where the terminal reports no pixels.
func TestCellPixels(t *testing.T) {
	for _, tc := range []struct {
		ws   winsize
		w, h int
	}{
		{winsize{cols: 80, rows: 24, xpixel: 640, ypixel: 408}, 8, 17},
		{winsize{cols: 160, rows: 48, xpixel: 1284, ypixel: 820}, 8, 17}, // a border of a few pixels
		{winsize{cols: 80, rows: 24}, 10, 20},
		{winsize{cols: 80, rows: 24, xpixel: 640}, 10, 20},
		{winsize{cols: 80, rows: 24, ypixel: 408}, 10, 20},
		{winsize{xpixel: 640, ypixel: 408}, 10, 20},
		{winsize{cols: 80, rows: 24, xpixel: 40, ypixel: 408}, 10, 20}, // under a pixel a cell
	} {
		if w, h := cellPixels(tc.ws); w != tc.w || h != tc.h {
			t.Errorf("%+v: %d×%d, want %d×%d", tc.ws, w, h, tc.w, tc.h)
		}
	}
}

// pictureCells: half-blocks as fitCells; sixel and kitty by the
// terminal's cell.
func TestPictureCells(t *testing.T) {
	terminalCell = func() (int, int) { return 8, 17 }
	defer func() { terminalCell = func() (int, int) { return fallbackCellW, fallbackCellH } }()
	b := image.Rect(0, 0, 1920, 1080)
	if w, h := (Model{graphics: GraphicsBlocks}).pictureCells(b, 80, 40); w != 80 || h != 22 {
		t.Errorf("blocks: %d×%d", w, h)
	}
	for _, g := range []string{GraphicsSixel, GraphicsKitty} {
		if w, h := (Model{graphics: g}).pictureCells(b, 80, 40); w != 80 || h != 21 {
			t.Errorf("%s: %d×%d", g, w, h)
		}
	}
}

// msgsOf runs a command and the batches in it, without the raw output
// they write, returning every message (raw ones as tea.RawMsg).
func msgsOf(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, msgsOf(c)...)
		}
		return out
	case nil:
		return nil
	default:
		return []tea.Msg{msg}
	}
}

// A resize, and help, take the picture off the screen; it comes back only
// after the screen is drawn again (a picture sent before the redraw was
// carried along by its scrolling in xterm, mlterm and kitty).
func TestPictureAfterRedraw(t *testing.T) {
	ops := &fakeOps{}
	start := New(nil, ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers().WithGraphics(GraphicsKitty)
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24}, keyMsg("enter"), keyMsg("c"), keyMsg("enter"))
	check := func(what string, cmd tea.Cmd) {
		t.Helper()
		var deleted, placed, later bool
		for _, msg := range msgsOf(cmd) {
			switch msg := msg.(type) {
			case tea.RawMsg:
				s, _ := msg.Msg.(string)
				deleted = deleted || s == kittyDelete
				placed = placed || strings.Contains(s, "a=T")
			case pictureMsg:
				later = true
			}
		}
		if !deleted || placed || !later {
			t.Errorf("%s: picture deleted %v, placed at once %v, asked for after the redraw %v", what, deleted, placed, later)
		}
	}
	mm, cmd := m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	check("resize", cmd)
	mm, cmd = mm.Update(keyMsg("?"))
	if msgs := msgsOf(cmd); len(msgs) != 1 || msgs[0] != tea.Msg(tea.RawMsg{Msg: kittyDelete}) {
		t.Errorf("help: %v, want the picture deleted", msgs)
	}
	// Nothing is drawn over the help; closing it asks for the picture.
	if _, cmd := mm.Update(pictureMsg{}); cmd != nil {
		t.Error("a picture over the help")
	}
	mm, cmd = mm.Update(keyMsg("esc"))
	if msgs := msgsOf(cmd); len(msgs) != 1 || msgs[0] != tea.Msg(pictureMsg{}) {
		t.Errorf("help closed: %v", msgs)
	}
	if raw, ok := rawOf(func() tea.Msg { _, c := mm.Update(pictureMsg{}); return c() }); !ok || !strings.Contains(raw, "a=T") {
		t.Error("the picture is not drawn after help")
	}
}

// With sixel the first picture after "decoding …" waits for the redraw
// that clears that text (it would erase a strip of the picture); the next
// step's picture goes at once.
func TestSixelFirstPictureAfterRedraw(t *testing.T) {
	ops := &fakeOps{}
	start := New(nil, ops, time.UTC, func() time.Time { return fixedNow }).WithoutTimers().WithGraphics(GraphicsSixel)
	m := run(start, start.Init()(), tea.WindowSizeMsg{Width: 80, Height: 24}, keyMsg("enter"))
	mm, cmd := m.Update(keyMsg("c"))
	mm = run(mm, msgsOf(cmd)...)
	mm, cmd = mm.Update(keyMsg("enter")) // the frames open: "decoding …"
	var frame tea.Msg
	for _, msg := range msgsOf(cmd) {
		if f, ok := msg.(frameMsg); ok {
			frame = f
		}
	}
	if frame == nil {
		t.Fatal("no frame asked for")
	}
	mm, cmd = mm.Update(frame)
	var later, placed bool
	for _, msg := range msgsOf(cmd) {
		switch msg := msg.(type) {
		case pictureMsg:
			later = true
		case tea.RawMsg:
			placed = placed || strings.Contains(fmt.Sprint(msg.Msg), "\x1bP")
		}
	}
	if !later || placed {
		t.Errorf("first picture: asked for after the redraw %v, sent at once %v", later, placed)
	}
	// A step: the picture is already there, the next one goes at once.
	mm, cmd = mm.Update(keyMsg("right"))
	placed = false
	for _, msg := range msgsOf(cmd) {
		if f, ok := msg.(frameMsg); ok {
			_, c := mm.Update(f)
			for _, msg := range msgsOf(c) {
				if raw, ok := msg.(tea.RawMsg); ok {
					placed = placed || strings.Contains(fmt.Sprint(raw.Msg), "\x1bP")
				}
			}
		}
	}
	if !placed {
		t.Error("a step's picture waits")
	}
}
