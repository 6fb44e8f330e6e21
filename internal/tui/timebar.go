package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

// timeBar is the time bar under the frame: one camera's footage, gaps,
// damage and activity across a window of time, read once per window.
type timeBar struct {
	camera   string
	from, to time.Time
	cells    int
	strip    Strip    // coverage, with activity drawn over it
	act      Activity // as read for the window
	err      string
	loaded   bool
}

type barMsg struct {
	bar timeBar
}

// barLabel is the width of the times at either end of the bar.
const barLabel = 6

// barCells is the bar's width in cells.
func (m Model) barCells() int { return max(10, m.width-2*barLabel) }

// barWindow is the span the bar shows: the case's window, or a window as
// long centred on the cursor when the cursor is outside it.
func (m Model) barWindow() (time.Time, time.Time) {
	d := m.caseView.detail
	from, to := d.From, d.To
	if !to.After(from) {
		from, to = m.frames.at.Add(-5*time.Minute), m.frames.at.Add(5*time.Minute)
	}
	if to.Sub(from) < time.Minute {
		mid := from.Add(to.Sub(from) / 2)
		from, to = mid.Add(-30*time.Second), mid.Add(30*time.Second)
	}
	// A bar already showing the cursor stays where it is.
	if b := m.frames.bar; b.camera == m.frames.camera && b.cells == m.barCells() && !m.frames.at.Before(b.from) && m.frames.at.Before(b.to) {
		return b.from, b.to
	}
	if at := m.frames.at; at.Before(from) || !at.Before(to) {
		half := to.Sub(from) / 2
		from, to = at.Add(-half), at.Add(half)
	}
	return from, to
}

// loadBar reads the bar's coverage and stored activity off the UI
// goroutine when the window, camera or width changed; nil otherwise.
func (m *Model) loadBar() tea.Cmd {
	from, to := m.barWindow()
	cam, cells := m.frames.camera, m.barCells()
	want := fmt.Sprintf("%s %d %d %d", cam, from.UnixNano(), to.UnixNano(), cells)
	if m.frames.barWant == want || cam == "" || m.ops == nil {
		return nil
	}
	m.frames.barWant = want
	ops, ctx := m.ops, m.ctx
	return func() tea.Msg {
		nb := timeBar{camera: cam, from: from, to: to, cells: cells, loaded: true}
		s, err := ops.Coverage(ctx, cam, from, to, cells)
		if err != nil {
			nb.err = firstLine(err.Error())
			return barMsg{nb}
		}
		act, err := ops.Activity(ctx, cam, from, to)
		if err != nil {
			nb.err = "activity: " + firstLine(err.Error())
		}
		nb.act = act
		nb.strip = withActivity(s, act, from, to)
		return barMsg{nb}
	}
}

// barLines draws the bar: the footage line (█ footage, blank gap, x
// damaged, ░ expired, ▒ expiring, ◆ activity) between the window's times,
// and under it the cursor ▲, the marks [ ], the case's entries on this
// camera • and footage not scanned for activity ·.
func (m Model) barLines() [2]string {
	b := m.frames.bar
	cells := m.barCells()
	from, to := m.barWindow()
	hm := func(t time.Time) string { return t.In(m.zone).Format("15:04") }
	var out [2]string
	if b.strip == "" || b.camera != m.frames.camera || b.cells != cells || !b.from.Equal(from) || !b.to.Equal(to) {
		text := "reading the footage …"
		if b.err != "" && b.camera == m.frames.camera {
			text = b.err
		}
		out[0] = padRight(hm(from), barLabel) + dimStyle.Render(padRight(clip(text, cells), cells)) + " " + hm(to)
		return out
	}
	line := []rune(string(b.strip))
	marks := []rune(strings.Repeat(" ", cells))
	for _, u := range b.act.Unscanned {
		spanCells(u, from, to, cells, func(i int) { marks[i] = '·' })
	}
	for _, e := range m.caseView.detail.Entries {
		if e.Camera == m.frames.camera {
			if i := cellOf(e.At, from, to, cells); i >= 0 {
				marks[i] = '•'
			}
		}
	}
	mk := m.marksHere()
	if mk.in != nil {
		if i := cellOf(*mk.in, from, to, cells); i >= 0 {
			marks[i] = '['
		}
	}
	if mk.out != nil {
		if i := cellOf(*mk.out, from, to, cells); i >= 0 {
			marks[i] = ']'
		}
	}
	if i := cellOf(m.frames.at, from, to, cells); i >= 0 {
		marks[i] = '▲'
	}
	out[0] = padRight(hm(from), barLabel) + string(line) + " " + hm(to)
	out[1] = strings.Repeat(" ", barLabel) + string(marks)
	if b.err != "" {
		out[1] += " " + dimStyle.Render(b.err)
	}
	return out
}

// barTime is the time at column x of the bar, if x is on it.
func (m Model) barTime(x int) (time.Time, bool) {
	cells := m.barCells()
	i := x - barLabel
	if i < 0 || i >= cells {
		return time.Time{}, false
	}
	from, to := m.barWindow()
	// The middle of the cell.
	return from.Add(time.Duration((float64(i) + 0.5) / float64(cells) * float64(to.Sub(from)))), true
}

// activityAt is the stored activity period of the bar at t.
func (m Model) activityAt(t time.Time) (Span, bool) {
	b := m.frames.bar
	if b.camera != m.frames.camera {
		return Span{}, false
	}
	for _, p := range b.act.Periods {
		if p.has(t) {
			return p, true
		}
	}
	return Span{}, false
}

// clickFrames jumps to the time clicked on the time bar, or zooms into
// the point clicked on the picture.
func (m Model) clickFrames(x, y int) (tea.Model, tea.Cmd) {
	if r := m.barRow(); y == r || y == r+1 {
		if t, ok := m.barTime(x); ok {
			return m.jump(t)
		}
	}
	// A click on the picture zooms in around that point (further when
	// zoomed already; - zooms out).
	if p, ok := m.pictureAt(x, y); ok {
		return m.zoomBy(2, &p)
	}
	return m, nil
}
