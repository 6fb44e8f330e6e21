//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package tui

import (
	"os"

	"golang.org/x/sys/unix"
)

// cellFromTTY asks the terminal on stdout (else stdin) for its window
// size (TIOCGWINSZ) and is the size of a cell in pixels; 10 × 20 when
// neither is a terminal or it does not report pixels.
func cellFromTTY() (int, int) {
	for _, f := range []*os.File{os.Stdout, os.Stdin} {
		ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
		if err == nil {
			return cellPixels(winsize{cols: int(ws.Col), rows: int(ws.Row), xpixel: int(ws.Xpixel), ypixel: int(ws.Ypixel)})
		}
	}
	return fallbackCellW, fallbackCellH
}
