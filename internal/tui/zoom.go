package tui

import (
	"fmt"
	"image"

	tea "charm.land/bubbletea/v2"
)

// zoom is the part of the frame shown: the frame decoded at its source
// resolution, cropped around a centre, so zooming in shows the source's
// pixels rather than an enlarged thumbnail.
type zoom struct {
	level  float64     // 1: the whole frame
	centre image.Point // in source pixels; zero: the middle
	set    bool        // centre was chosen
}

const maxZoom = 16

// zoomBy zooms in (factor 2) or out (0.5) around the centre, or around at
// (source pixels) when given.
func (m Model) zoomBy(factor float64, at *image.Point) (tea.Model, tea.Cmd) {
	z := &m.frames.zoom
	if z.level < 1 {
		z.level = 1
	}
	z.level = min(maxZoom, max(1, z.level*factor))
	if at != nil {
		z.centre, z.set = *at, true
	}
	if z.level == 1 {
		*z = zoom{level: 1}
	}
	return m.say(fmt.Sprintf("zoom %g×", z.level)), m.frameImage()
}

// pan moves a zoomed picture by a quarter of what is shown, dx and dy in
// quarters (ctrl+arrows); the view stays inside the frame.
func (m Model) pan(dx, dy int) (tea.Model, tea.Cmd) {
	f := &m.frames
	if f.frame == nil || f.frame.Image == nil || f.zoom.level <= 1 {
		return m.say("zoom in first (+, or a click on the picture): ctrl+arrows move a zoomed picture"), nil
	}
	r := f.zoom.cropRect(f.frame.Image.Bounds())
	c := image.Pt(r.Min.X+r.Dx()/2+dx*r.Dx()/4, r.Min.Y+r.Dy()/2+dy*r.Dy()/4)
	f.zoom.centre, f.zoom.set = c, true
	// Kept inside: the centre is that of the part shown after all.
	r = f.zoom.cropRect(f.frame.Image.Bounds())
	f.zoom.centre = image.Pt(r.Min.X+r.Dx()/2, r.Min.Y+r.Dy()/2)
	return m.say(fmt.Sprintf("zoom %g× at %d,%d", f.zoom.level, f.zoom.centre.X, f.zoom.centre.Y)), m.frameImage()
}

// cropRect is the part of a picture of bounds b the zoom shows: 1/level of
// its width and height, centred where asked and kept inside the picture.
func (z zoom) cropRect(b image.Rectangle) image.Rectangle {
	if z.level <= 1 {
		return b
	}
	w, h := max(1, int(float64(b.Dx())/z.level)), max(1, int(float64(b.Dy())/z.level))
	c := image.Pt(b.Min.X+b.Dx()/2, b.Min.Y+b.Dy()/2)
	if z.set {
		c = z.centre
	}
	x0 := min(max(b.Min.X, c.X-w/2), b.Max.X-w)
	y0 := min(max(b.Min.Y, c.Y-h/2), b.Max.Y-h)
	return image.Rect(x0, y0, x0+w, y0+h)
}

type subImager interface {
	SubImage(r image.Rectangle) image.Image
}

// shownImage is the picture on screen: the grid, or the frame as zoomed.
func (m Model) shownImage() image.Image {
	f := m.frames
	if f.grid.on && f.grid.image != nil {
		return f.grid.image
	}
	if f.frame == nil || f.frame.Image == nil {
		return nil
	}
	img := f.frame.Image
	r := f.zoom.cropRect(img.Bounds())
	if r == img.Bounds() {
		return img
	}
	if s, ok := img.(subImager); ok {
		return s.SubImage(r)
	}
	return img
}

// pictureAt is the source pixel under the screen cell (x, y), if the
// picture is there.
func (m Model) pictureAt(x, y int) (image.Point, bool) {
	f := m.frames
	if f.frame == nil || f.frame.Image == nil || f.grid.on {
		return image.Point{}, false
	}
	r := f.zoom.cropRect(f.frame.Image.Bounds())
	w, h := m.pictureCells(r, m.width, max(1, m.frameRows()))
	cx, cy := x, y-3
	if cx < 0 || cy < 0 || cx >= w || cy >= h {
		return image.Point{}, false
	}
	return image.Pt(r.Min.X+(2*cx+1)*r.Dx()/(2*w), r.Min.Y+(2*cy+1)*r.Dy()/(2*h)), true
}
