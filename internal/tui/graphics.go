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
)

// DetectGraphics picks the protocol from the environment: kitty (and
// terminals that implement its protocol: WezTerm, Ghostty) get kitty
// graphics; everything else, tmux included, half-blocks. KLIPP_GRAPHICS
// (blocks or kitty) overrides the guess.
func DetectGraphics(getenv func(string) string) string {
	switch v := getenv("KLIPP_GRAPHICS"); v {
	case GraphicsBlocks, GraphicsKitty:
		return v
	}
	if getenv("TMUX") != "" {
		return GraphicsBlocks // tmux does not pass kitty graphics through
	}
	if getenv("KITTY_WINDOW_ID") != "" || strings.Contains(getenv("TERM"), "kitty") || getenv("TERM") == "xterm-ghostty" ||
		getenv("TERM_PROGRAM") == "WezTerm" || getenv("TERM_PROGRAM") == "ghostty" {
		return GraphicsKitty
	}
	return GraphicsBlocks
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
func kittyImage(img image.Image, row, col, w, h int) (string, error) {
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		return "", err
	}
	payload := base64.StdEncoding.EncodeToString(pngData.Bytes())
	var b strings.Builder
	b.WriteString("\x1b7" + kittyDelete)
	fmt.Fprintf(&b, "\x1b[%d;%dH", row+1, col+1)
	for i := 0; i < len(payload); i += 4096 {
		chunk := payload[i:min(len(payload), i+4096)]
		more := 0
		if i+4096 < len(payload) {
			more = 1
		}
		if i == 0 {
			fmt.Fprintf(&b, "\x1b_Ga=T,f=100,c=%d,r=%d,C=1,q=2,m=%d;%s\x1b\\", w, h, more, chunk)
		} else {
			fmt.Fprintf(&b, "\x1b_Gm=%d;%s\x1b\\", more, chunk)
		}
	}
	b.WriteString("\x1b8")
	return b.String(), nil
}
