package tui

import (
	"image"
	"image/color"
	"image/draw"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// grid shows four cameras at the cursor's true time: this one and the
// three others nearest the case's place, in a 2×2 mosaic.
type grid struct {
	on      bool
	seq     int
	cameras []string    // the four, this one first
	names   []string    // their names
	labels  []string    // each tile's time, or why it has no picture
	image   image.Image // the mosaic
}

// Tile size of the mosaic, in pixels.
const tileW, tileH = 640, 360

type gridMsg struct {
	seq    int
	labels []string
	image  image.Image
}

func (m Model) toggleGrid() (tea.Model, tea.Cmd) {
	g := &m.frames.grid
	if g.on {
		*g = grid{seq: g.seq}
		return m, tea.Batch(m.clearGraphics(), m.frameImage())
	}
	if len(m.picker.all) < 2 {
		return m.say("the grid needs the case's cameras: they are still loading, or there is only this one"), nil
	}
	g.on = true
	g.cameras, g.names = []string{m.frames.camera}, []string{m.frames.cameraName}
	for _, c := range m.picker.all {
		if len(g.cameras) < 4 && c.ID != m.frames.camera {
			g.cameras, g.names = append(g.cameras, c.ID), append(g.names, c.Name)
		}
	}
	return m, m.loadGrid()
}

// loadGrid decodes the grid's cameras at the cursor's time, off the UI
// goroutine, and records the views of the other cameras for the case.
func (m *Model) loadGrid() tea.Cmd {
	g := &m.frames.grid
	if !g.on {
		return nil
	}
	g.seq++
	seq, cams, at := g.seq, append([]string(nil), g.cameras...), m.shownTime()
	ops, ctx, number, zone := m.ops, m.ctx, m.caseView.detail.Number, m.zone
	return func() tea.Msg {
		mosaic := image.NewRGBA(image.Rect(0, 0, 2*tileW, 2*tileH))
		draw.Draw(mosaic, mosaic.Bounds(), image.NewUniform(color.Black), image.Point{}, draw.Src)
		labels := make([]string, len(cams))
		type tile struct {
			f   Frame
			err error
		}
		tiles := make([]tile, len(cams))
		done := make(chan int)
		for i, cam := range cams {
			go func() {
				f, err := ops.Frame(ctx, cam, at)
				tiles[i] = tile{f, err}
				done <- i
			}()
		}
		for range cams {
			<-done
		}
		for i, t := range tiles {
			if t.err != nil || t.f.Image == nil {
				labels[i] = "no picture"
				continue
			}
			labels[i] = t.f.At.In(zone).Format("15:04:05.000")
			if i > 0 {
				if err := ops.RecordView(ctx, number, cams[i], t.f.At, t.f.At); err != nil {
					return errMsg{err}
				}
			}
			r := image.Rect((i%2)*tileW, (i/2)*tileH, (i%2+1)*tileW, (i/2+1)*tileH)
			fw, fh := fitPixels(t.f.Image.Bounds(), tileW, tileH)
			off := image.Pt(r.Min.X+(tileW-fw)/2, r.Min.Y+(tileH-fh)/2)
			draw.Draw(mosaic, image.Rectangle{off, off.Add(image.Pt(fw, fh))}, scaled(t.f.Image, fw, fh), image.Point{}, draw.Src)
		}
		return gridMsg{seq: seq, labels: labels, image: mosaic}
	}
}

// fitPixels is the size of a picture of bounds b fitted in w × h pixels.
func fitPixels(b image.Rectangle, w, h int) (int, int) {
	fw, fh := w, w*b.Dy()/max(1, b.Dx())
	if fh > h {
		fh, fw = h, h*b.Dx()/max(1, b.Dy())
	}
	return max(1, fw), max(1, fh)
}

func (m Model) gridLoaded(msg gridMsg) (tea.Model, tea.Cmd) {
	g := &m.frames.grid
	if !g.on || msg.seq != g.seq {
		return m, nil
	}
	g.labels, g.image = msg.labels, msg.image
	return m, m.frameImage()
}

// gridLabel names the tiles: ↖ ↗ ↙ ↘ with each camera's frame time, on
// as many lines as the width needs.
func (m Model) gridLabel() []string {
	g := m.frames.grid
	corners := []string{"↖", "↗", "↙", "↘"}
	var parts []string
	for i, name := range g.names {
		label := "…"
		if i < len(g.labels) {
			label = g.labels[i]
		}
		if i == 0 && m.frames.void != nil {
			label = "no picture: " + shortReason(m.frames.void.Reason)
		}
		parts = append(parts, corners[i]+" "+name+" "+label)
	}
	return itemLines(parts, m.width)
}

// shortReason is the gist of why there is no picture, for a tile's label:
// "gap", "damaged file", "expired at the source".
func shortReason(reason string) string {
	if strings.HasPrefix(reason, "gap") {
		return "gap"
	}
	if strings.HasPrefix(reason, "damaged file") {
		return "damaged file"
	}
	if i := strings.IndexAny(reason, ":("); i > 0 {
		return strings.TrimSpace(reason[:i])
	}
	return reason
}
