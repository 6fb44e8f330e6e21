package tui

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
)

func TestHalfBlocks(t *testing.T) {
	// An 8x4 picture: red top half, blue bottom half, drawn in 4 columns:
	// one row of cells (each two pixel rows high and two wide), red over
	// blue.
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	for y := 0; y < 4; y++ {
		for x := 0; x < 8; x++ {
			c := color.RGBA{255, 0, 0, 255}
			if y >= 2 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	out := halfBlocks(img, 4, 10)
	if strings.Count(out, "▀") != 4 || strings.Count(out, "\n") != 1 {
		t.Fatalf("cells: %q", out)
	}
	if !strings.Contains(out, "\x1b[38;2;255;0;0m\x1b[48;2;0;0;255m▀") {
		t.Errorf("want red over blue: %q", out)
	}
	// Wider than tall pictures keep their aspect: 16x9 in 80x40 cells is
	// 80 cells wide and 22 rows (45 pixel rows).
	wide := halfBlocks(image.NewRGBA(image.Rect(0, 0, 160, 90)), 80, 40)
	if rows := strings.Count(wide, "\n"); rows != 22 {
		t.Errorf("16:9 in 80 columns: %d rows", rows)
	}
}

func TestHelpLinesWrap(t *testing.T) {
	keys := []key{{"←→", "frame"}, {"⇧←→", "1 s"}, {"[ ]", "10 s"}, {"{ }", "1 min"}, {"g", "go to"}, {"n/p", "camera"}, {"i/o", "in/out"},
		{"s", "still"}, {"a", "add entry"}, {"?", "help"}, {"esc", "back"}}
	lines := helpLines(keys, 40)
	if len(lines) < 3 {
		t.Fatalf("%d lines at 40 columns", len(lines))
	}
	all := ""
	for _, l := range lines {
		if w := lipgloss.Width(l); w > 40 {
			t.Errorf("line %q is %d wide", l, w)
		}
		all += ansi.ReplaceAllString(l, "") + " "
	}
	for _, k := range keys {
		if !strings.Contains(all, k.keys+" "+k.what) {
			t.Errorf("key %q lost", k.keys)
		}
	}
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[a-zA-Z]`)

func TestClipKeepsEscapes(t *testing.T) {
	s := "\x1b[1mSödergatan\x1b[0m 14"
	got := clip(s, 5)
	if lipgloss.Width(got) != 5 || !strings.HasPrefix(got, "\x1b[1mSöder") {
		t.Errorf("clip: %q", got)
	}
	if clip("kort", 10) != "kort" {
		t.Error("a short line changed")
	}
}

func TestScrollTop(t *testing.T) {
	for _, c := range []struct{ cursor, n, rows, want int }{{0, 100, 10, 0}, {9, 100, 10, 0}, {10, 100, 10, 1}, {99, 100, 10, 90}, {5, 3, 10, 0}} {
		if got := scrollTop(c.cursor, c.n, c.rows); got != c.want {
			t.Errorf("scrollTop(%d, %d, %d) = %d, want %d", c.cursor, c.n, c.rows, got, c.want)
		}
	}
}

func TestPickerFilter(t *testing.T) {
	p := pickerModel{all: []CameraRow{{ID: "a", Name: "Södergatan 2", Owner: "polisen"}, {ID: "b", Name: "Malmö C", Owner: "trafikverket"},
		{ID: "c", Name: "Butik", Owner: "business", Quality: "identification"}}}
	for filter, want := range map[string]int{"": 3, "söder": 1, "TRAFIK": 1, "ident": 1, "zzz": 0} {
		p.filter = filter
		p.applyFilter()
		if len(p.shown) != want {
			t.Errorf("filter %q: %d shown, want %d", filter, len(p.shown), want)
		}
	}
}

func TestMoveCursor(t *testing.T) {
	c := 0
	for _, step := range []struct {
		key  string
		want int
		ok   bool
	}{{"down", 1, true}, {"j", 2, true}, {"pgdown", 9, true}, {"down", 9, true}, {"pgup", 2, true}, {"home", 0, true}, {"up", 0, true}, {"end", 9, true}, {"x", 9, false}} {
		if ok := moveCursor(step.key, &c, 10, 7); ok != step.ok || c != step.want {
			t.Errorf("%s: cursor %d (%v), want %d", step.key, c, ok, step.want)
		}
	}
	c = 0
	if moveCursor("down", &c, 0, 5); c != 0 {
		t.Errorf("empty list: cursor %d", c)
	}
}

func TestKittyImage(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 300, 100))
	for i := range img.Pix {
		img.Pix[i] = uint8((uint32(i) * 2654435761) >> 24) // noise: the PNG needs several chunks
		if i%4 == 3 {
			img.Pix[i] = 255 // frames are opaque
		}
	}
	seq, err := kittyImage(img, 2, 0, 60, 10, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(seq, "\x1b7"+kittyDelete+"\x1b[3;1H\x1b_Ga=T,f=100,c=60,r=10,C=1,q=2,m=1;") || !strings.HasSuffix(seq, "\x1b8") {
		t.Fatalf("sequence starts %q", seq[:80])
	}
	// The chunks put together are the picture, pixel for pixel.
	var payload strings.Builder
	chunks := regexp.MustCompile(`\x1b_G[^;]*;([^\x1b]*)\x1b\\`).FindAllStringSubmatch(seq, -1)
	for i, c := range chunks {
		if len(c[1]) > 4096 {
			t.Errorf("chunk %d is %d bytes", i, len(c[1]))
		}
		payload.WriteString(c[1])
	}
	if last := chunks[len(chunks)-1][0]; !strings.Contains(last, "m=0;") {
		t.Errorf("last chunk %q does not end the image", last[:20])
	}
	data, err := base64.StdEncoding.DecodeString(payload.String())
	if err != nil {
		t.Fatal(err)
	}
	got, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []image.Point{{0, 0}, {150, 50}, {299, 99}} {
		r1, g1, b1, _ := got.At(p.X, p.Y).RGBA()
		r2, g2, b2, _ := img.At(p.X, p.Y).RGBA()
		if r1 != r2 || g1 != g2 || b1 != b2 {
			t.Errorf("pixel %v: %v, want %v", p, got.At(p.X, p.Y), img.At(p.X, p.Y))
		}
	}
}

func TestDetectGraphics(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"TERM": "xterm-256color"}, GraphicsBlocks},
		{map[string]string{"TERM": "xterm-kitty"}, GraphicsKitty},
		{map[string]string{"TERM": "xterm-kitty", "TMUX": "/tmp/tmux-0/default,1,0"}, GraphicsKittyTmux},
		{map[string]string{"TERM": "screen-256color", "TMUX": "/tmp/tmux-0/default,1,0"}, GraphicsBlocks},
		{map[string]string{"TERM": "tmux-256color", "TMUX": "/t,1,0", "TERM_PROGRAM": "tmux", "LC_TERMINAL": "WezTerm"}, GraphicsKittyTmux},
		{map[string]string{"TERM": "foot"}, GraphicsSixel},
		{map[string]string{"TERM": "xterm-256color", "XTERM_VERSION": "XTerm(390)"}, GraphicsSixel},
		{map[string]string{"TERM": "xterm", "MLTERM": "3.9.3"}, GraphicsSixel},
		{map[string]string{"TMUX": "/t,1,0", "KLIPP_GRAPHICS": "sixel"}, GraphicsSixel},
		{map[string]string{"TMUX": "/t,1,0", "KLIPP_GRAPHICS": "kitty"}, GraphicsKittyTmux},
		{map[string]string{"TERM_PROGRAM": "WezTerm"}, GraphicsKitty},
		{map[string]string{"TERM": "xterm-kitty", "KLIPP_GRAPHICS": "blocks"}, GraphicsBlocks},
		{map[string]string{"KLIPP_GRAPHICS": "kitty"}, GraphicsKitty},
	} {
		if got := DetectGraphics(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %s, want %s", c.env, got, c.want)
		}
	}
}

func TestFramesWithKittyGraphics(t *testing.T) {
	m := New(nil, nil, time.UTC, time.Now).WithGraphics(GraphicsKitty)
	m.width, m.height, m.screen = 80, 24, screenFrames
	m.frames = framesModel{camera: "c", cameraName: "Kamera", seq: 1}
	img := image.NewRGBA(image.Rect(0, 0, 640, 360))
	mm, cmd := m.Update(frameMsg{seq: 1, frame: Frame{Image: img, At: time.Unix(0, 0), FPS: 25}})
	if cmd == nil {
		t.Fatal("no image sent")
	}
	raw, ok := rawOf(cmd)
	if !ok || !strings.Contains(raw, "\x1b_Ga=T,f=100,c=") {
		t.Fatalf("cmd gave %T", cmd())
	}
	// The view leaves the picture's lines free of half-blocks.
	if v := mm.(Model).View().Content; strings.Contains(v, "▀") {
		t.Error("half-blocks drawn under the kitty picture")
	}
}

func TestFormValidation(t *testing.T) {
	zone, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	m := New(nil, nil, zone, time.Now)
	for i, v := range []string{"5000-K1-26", "Titel", "", "", "55.6,200", "2026-10-25 02:30", "2026-10-25 01:00", "", "", "", "snart"} {
		m.form.inputs[i].SetValue(v)
	}
	if m.validateForm() {
		t.Fatal("an invalid form passed")
	}
	for i, want := range map[int]string{0: "", 1: "", 4: "LAT,LON", 5: "clock change", 6: "", 10: "not a time"} {
		if got := m.form.errs[i]; (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("field %s: %q, want %q", formFields[i].label, got, want)
		}
	}
	m.form.inputs[5].SetValue("2026-10-25T02:30:00+01:00")
	m.form.inputs[4].SetValue("55.6,13.0")
	m.form.inputs[10].SetValue("2026-10-24 12:00")
	if m.validateForm() || !strings.Contains(m.form.errs[6], "after the start") || m.form.errs[10] != "must be after the incident's start" {
		t.Errorf("to and deadline before from: %q, %q", m.form.errs[6], m.form.errs[10])
	}
}

// cellsOf reads half-block lines back into cells: each "▀" with the
// foreground and background colours in force where it stands.
func cellsOf(t *testing.T, s string) [][][2][3]uint8 {
	t.Helper()
	var out [][][2][3]uint8
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		var row [][2][3]uint8
		var fg, bg [3]uint8
		for len(line) > 0 {
			switch {
			case strings.HasPrefix(line, "\x1b["):
				end := strings.IndexByte(line, 'm')
				var g, r, gr, b int
				if n, _ := fmt.Sscanf(line[2:end], "%d;2;%d;%d;%d", &g, &r, &gr, &b); n == 4 {
					c := [3]uint8{uint8(r), uint8(gr), uint8(b)}
					if g == 38 {
						fg = c
					} else {
						bg = c
					}
				} else if line[2:end] != "0" {
					t.Fatalf("unexpected sequence %q", line[:end+1])
				}
				line = line[end+1:]
			case strings.HasPrefix(line, "▀"):
				row = append(row, [2][3]uint8{fg, bg})
				line = line[len("▀"):]
			default:
				t.Fatalf("unexpected text %q", line)
			}
		}
		out = append(out, row)
	}
	return out
}

// Read back, every cell has the colours of its two pixels (upper over
// lower), on a picture of noise and on a flat one; a colour is written
// only where it changes along a line, so a flat line costs two colour
// sequences in all.
func TestHalfBlocksReadBack(t *testing.T) {
	noise := image.NewRGBA(image.Rect(0, 0, 64, 36))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.IntN(256))
		if i%4 == 3 {
			noise.Pix[i] = 255
		}
	}
	// A YCbCr frame as decoded, flat grey on the left half, noise right.
	frame := image.NewYCbCr(image.Rect(0, 0, 64, 36), image.YCbCrSubsampleRatio420)
	for i := range frame.Y {
		frame.Y[i] = uint8(rng.IntN(220) + 16)
		if i%frame.YStride < 32 {
			frame.Y[i] = 120
		}
	}
	for i := range frame.Cb {
		frame.Cb[i], frame.Cr[i] = 128, 128
	}
	for _, img := range []image.Image{noise, frame} {
		cells := cellsOf(t, halfBlocks(img, 32, 40))
		if len(cells) != 9 || len(cells[0]) != 32 {
			t.Fatalf("%d rows of %d cells, want 9 of 32", len(cells), len(cells[0]))
		}
		for y, row := range cells {
			for x, c := range row {
				for half := 0; half < 2; half++ {
					r, g, b, _ := img.At(x*2, y*4+half*2).RGBA()
					if want := [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}; c[half] != want {
						t.Fatalf("cell %d,%d half %d: %v, want %v", x, y, half, c[half], want)
					}
				}
			}
		}
	}
	flat := image.NewRGBA(image.Rect(0, 0, 64, 36))
	if s := halfBlocks(flat, 32, 40); strings.Count(s, "\x1b[") != 9*3 {
		t.Errorf("a flat picture: %d sequences for 9 lines, want 3 a line (two colours and the reset)", strings.Count(s, "\x1b["))
	}
}

// For a terminal of 256 colours the picture is drawn in the palette's
// colours, and the renderer writes exactly what it writes for the picture
// in true colour (converting each cell itself); the cache keeps the two
// apart.
func TestHalfBlocks256(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 36))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
		if i%4 == 3 || i < len(img.Pix)/3 {
			img.Pix[i] = 255 // a flat white top third
		}
	}
	render := func(s string) string {
		var out bytes.Buffer
		buf := uv.NewScreenBuffer(32, 9)
		uv.NewStyledString(s).Draw(buf, buf.Bounds())
		r := uv.NewTerminalRenderer(&out, []string{"TERM=xterm-256color"})
		r.SetColorProfile(colorprofile.ANSI256)
		r.Render(buf.RenderBuffer)
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	true24, indexed := halfBlocks(img, 32, 40), halfBlocksIn(img, 32, 40, colorprofile.ANSI256)
	if strings.Contains(indexed, ";2;") || !strings.Contains(indexed, "\x1b[38;5;") {
		t.Fatalf("not drawn in the palette: %q", indexed[:80])
	}
	if a, b := render(true24), render(indexed); a != b {
		t.Errorf("the renderer writes another screen for the palette's picture (%d bytes, %d for true colour)", len(b), len(a))
	}
	var c pictureCache
	if strings.Join(c.blockLines(img, 32, 40, colorprofile.TrueColor), "\n")+"\n" != true24 ||
		strings.Join(c.blockLines(img, 32, 40, colorprofile.ANSI256), "\n")+"\n" != indexed {
		t.Error("the cache gave the picture in the other profile")
	}
}

// The picture's lines are drawn again only for another picture, part of
// it (zoom) or size.
func TestPictureCache(t *testing.T) {
	a, b := image.NewRGBA(image.Rect(0, 0, 32, 18)), image.NewRGBA(image.Rect(0, 0, 32, 18))
	for i := range b.Pix {
		b.Pix[i] = 200
	}
	var c pictureCache
	join := func(img image.Image, cols int) string {
		return strings.Join(c.blockLines(img, cols, 20, colorprofile.TrueColor), "\n") + "\n"
	}
	for _, tc := range []struct {
		img  image.Image
		cols int
	}{{a, 16}, {a, 16}, {b, 16}, {a, 16}, {a, 8}, {b.SubImage(image.Rect(0, 0, 16, 9)), 16}, {a.SubImage(image.Rect(0, 0, 16, 9)), 16}} {
		if got, want := join(tc.img, tc.cols), halfBlocks(tc.img, tc.cols, 20); got != want {
			t.Fatalf("%v in %d columns: the cache gave another picture", tc.img.Bounds(), tc.cols)
		}
	}
}

// fits never says a line fits that lipgloss measures wider.
func TestFits(t *testing.T) {
	for _, s := range []string{"abc", "\x1b[1mabc\x1b[0m", "日本", "▀▀▀", "a…b", "\x1b]8;;x\x1b\\ab", "─┼─", "é́"} {
		for w := 0; w < 6; w++ {
			if fits(s, w) && lipgloss.Width(s) > w {
				t.Errorf("%q fits in %d, but lipgloss measures %d", s, w, lipgloss.Width(s))
			}
		}
	}
	if !fits("\x1b[38;2;1;2;3m▀▀\x1b[0m", 2) {
		t.Error("two half-blocks do not fit in 2")
	}
}
