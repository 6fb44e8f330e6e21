//go:build !(aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris)

package tui

// cellFromTTY: without TIOCGWINSZ a cell is taken as 10 × 20 pixels.
func cellFromTTY() (int, int) { return fallbackCellW, fallbackCellH }
