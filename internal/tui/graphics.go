package tui

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"strconv"
	"strings"
)

// Graphics protocols for the frame browser. Half-blocks work everywhere;
// terminals that speak the kitty graphics protocol get the frame at full
// resolution.
const (
	GraphicsBlocks = "blocks"
	GraphicsKitty  = "kitty"
	// GraphicsKittyTmux is kitty graphics sent through tmux to the
	// terminal outside it (tmux needs `set -g allow-passthrough on`).
	GraphicsKittyTmux = "kitty-tmux"
	GraphicsSixel     = "sixel"
)

// DetectGraphics picks the protocol from the environment: kitty (and
// terminals that implement its protocol: WezTerm, Ghostty) get kitty
// graphics, inside tmux passed through to them; foot, mlterm and xterm
// (XTERM_VERSION) get sixel; everything else half-blocks. KLIPP_GRAPHICS
// (blocks, kitty, sixel) overrides the guess; kitty inside tmux is passed
// through.
func DetectGraphics(getenv func(string) string) string {
	tmux := getenv("TMUX") != ""
	kitty := GraphicsKitty
	if tmux {
		kitty = GraphicsKittyTmux
	}
	switch v := getenv("KLIPP_GRAPHICS"); v {
	case GraphicsBlocks, GraphicsSixel, GraphicsKittyTmux:
		return v
	case GraphicsKitty:
		return kitty
	}
	term, prog := getenv("TERM"), getenv("TERM_PROGRAM")
	if prog == "tmux" {
		// tmux sets TERM_PROGRAM; what runs outside it shows in the
		// variables the terminal set before tmux started.
		prog = getenv("LC_TERMINAL")
	}
	switch {
	case getenv("KITTY_WINDOW_ID") != "" || strings.Contains(term, "kitty") || term == "xterm-ghostty" || prog == "WezTerm" || prog == "ghostty" ||
		getenv("WEZTERM_EXECUTABLE") != "":
		return kitty
	case tmux:
		return GraphicsBlocks // sixel through tmux needs a tmux built with it: ask with KLIPP_GRAPHICS=sixel
	case strings.HasPrefix(term, "foot") || getenv("MLTERM") != "" || strings.Contains(term, "mlterm") || getenv("XTERM_VERSION") != "":
		return GraphicsSixel
	}
	return GraphicsBlocks
}

// tmuxPassthrough wraps an escape sequence for tmux to hand to the
// terminal outside it: in a DCS "tmux;" with each ESC doubled.
func tmuxPassthrough(seq string) string {
	return "\x1bPtmux;" + strings.ReplaceAll(seq, "\x1b", "\x1b\x1b") + "\x1b\\"
}

// fitCells is the size in cells a picture takes in cols × rows, keeping
// its aspect, for cells of 10 × 20 pixels (twice as high as wide): the
// half-blocks' cell of two square pixels.
func fitCells(b image.Rectangle, cols, rows int) (int, int) {
	return fitCellsPx(b, cols, rows, fallbackCellW, fallbackCellH)
}

// fitCellsPx is the size in cells a picture takes in cols × rows,
// keeping its aspect, for cells of cw × ch pixels.
func fitCellsPx(b image.Rectangle, cols, rows, cw, ch int) (int, int) {
	bw, bh := b.Dx(), b.Dy()
	if bw <= 0 || bh <= 0 || cw <= 0 || ch <= 0 {
		return max(1, cols), max(1, rows)
	}
	w := cols
	h := w * bh * cw / (bw * ch)
	if h > rows {
		h = rows
		w = h * ch * bw / (bh * cw)
	}
	return max(1, w), max(1, h)
}

// pictureCells is the size in cells the picture b takes in cols × rows
// as the terminal shows it: with half-blocks (two square pixels a cell)
// as fitCells; with sixel or kitty graphics by the terminal's real cell
// size in pixels (terminalCell), so the picture keeps its aspect
// whatever the font.
func (m Model) pictureCells(b image.Rectangle, cols, rows int) (int, int) {
	if m.graphics == GraphicsBlocks {
		return fitCells(b, cols, rows)
	}
	cw, ch := terminalCell()
	return fitCellsPx(b, cols, rows, cw, ch)
}

// xtermSixelMax is the largest sixel picture xterm shows by default
// (its maxGraphicSize resource, 1000x1000): a larger one is dropped
// whole.
const xtermSixelMax = 1000

// sixelMaxPixels is the largest width and height, in pixels, of a sixel
// picture; 0 for no limit. It is set once, before the program starts,
// with SetSixelLimit.
var sixelMaxPixels = 0

// SetSixelLimit sets the largest width and height in pixels of the sixel
// pictures drawn (0: none); a picture that would be larger is scaled
// down, keeping its aspect, and drawn from the same top-left cell. Call
// it before the program starts.
func SetSixelLimit(n int) { sixelMaxPixels = max(0, n) }

// WithSixelLimit is m, with sixel pictures kept within n × n pixels
// (SetSixelLimit; 0: no limit). The limit is the terminal's, so it is
// kept for the process, not in the model: set it once, as the model is
// built, before the program starts.
func (m Model) WithSixelLimit(n int) Model {
	SetSixelLimit(n)
	return m
}

// SixelLimit is the sixel size limit the terminal needs, from the
// environment: xterm (XTERM_VERSION, and not mlterm or foot, which set
// it too when started from an xterm) drops sixel pictures over
// 1000 × 1000 pixels unless its maxGraphicSize resource is raised, so
// there it is 1000; other terminals have none (0). KLIPP_SIXEL_LIMIT,
// a number of pixels (0 for none), overrides the guess, e.g. for an
// xterm with a larger maxGraphicSize.
func SixelLimit(getenv func(string) string) int {
	if v := getenv("KLIPP_SIXEL_LIMIT"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return n
		}
	}
	term := getenv("TERM")
	if getenv("MLTERM") != "" || strings.Contains(term, "mlterm") || strings.HasPrefix(term, "foot") {
		return 0
	}
	if getenv("XTERM_VERSION") != "" {
		return xtermSixelMax
	}
	return 0
}

// kittyDelete removes every image klipp placed.
const kittyDelete = "\x1b_Ga=d,d=A,q=2\x1b\\"

// kittyImage places img at the screen cell (row, col), zero-based, scaled
// by the terminal into w × h cells: the PNG is sent in base64 chunks of
// 4096 bytes; the cursor is saved and restored around it.
func kittyImage(img image.Image, row, col, w, h int, tmux bool) (string, error) {
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		return "", err
	}
	payload := base64.StdEncoding.EncodeToString(pngData.Bytes())
	// Inside tmux each graphics command is passed through; the cursor
	// moves stay tmux's own.
	wrap := func(s string) string { return s }
	if tmux {
		wrap = tmuxPassthrough
	}
	var b strings.Builder
	b.WriteString("\x1b7" + wrap(kittyDelete))
	fmt.Fprintf(&b, "\x1b[%d;%dH", row+1, col+1)
	for i := 0; i < len(payload); i += 4096 {
		chunk := payload[i:min(len(payload), i+4096)]
		more := 0
		if i+4096 < len(payload) {
			more = 1
		}
		if i == 0 {
			b.WriteString(wrap(fmt.Sprintf("\x1b_Ga=T,f=100,c=%d,r=%d,C=1,q=2,m=%d;%s\x1b\\", w, h, more, chunk)))
		} else {
			b.WriteString(wrap(fmt.Sprintf("\x1b_Gm=%d;%s\x1b\\", more, chunk)))
		}
	}
	b.WriteString("\x1b8")
	return b.String(), nil
}
