package tui

// The size of a terminal cell in pixels, for sixel pictures: the
// terminal's window size in pixels over its size in cells, asked for
// each time a picture is drawn, so a resize or a change of font is
// followed. Terminals that do not report pixels (0 × 0) are taken as
// 10 × 20 pixels a cell, the usual size of a 10-point font.

const fallbackCellW, fallbackCellH = 10, 20

// terminalCell is the cell size in pixels (a seam: tests set it).
var terminalCell = cellFromTTY

// winsize is the window size the terminal reports: in cells and, where
// it knows them, in pixels.
type winsize struct {
	cols, rows     int
	xpixel, ypixel int
}

// cellPixels is the size of one cell of ws in pixels; 10 × 20 when ws does
// not give both pixel sizes (or gives less than a pixel a cell).
func cellPixels(ws winsize) (int, int) {
	if ws.cols <= 0 || ws.rows <= 0 {
		return fallbackCellW, fallbackCellH
	}
	w, h := ws.xpixel/ws.cols, ws.ypixel/ws.rows
	if w <= 0 || h <= 0 {
		return fallbackCellW, fallbackCellH
	}
	return w, h
}
