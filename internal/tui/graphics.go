package tui

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
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
// its aspect (a cell is about twice as high as wide).
func fitCells(b image.Rectangle, cols, rows int) (int, int) {
	bw, bh := b.Dx(), b.Dy()
	w := cols
	h := w * bh / bw / 2
	if h > rows {
		h = rows
		w = h * 2 * bw / bh
	}
	return max(1, w), max(1, h)
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
