package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/klipp-forensics/klipp/internal/catalog"
)

var speeds = []string{"walk", "run", "bike", "car"}

type pickerModel struct {
	all       []CameraRow
	shown     []int // indexes into all, after the filter
	strips    map[string]Strip
	unscanned map[string]bool // cameras with footage not scanned for activity
	stripW    int
	filter    string
	filtering bool
	cursor    int
	speed     string
	warm      int // the newest wait before warming the selected camera
}

type camerasMsg []CameraRow

type stripMsg struct {
	camera string
	width  int
	strip  Strip
	// unscanned: some of the strip's footage has no activity scan.
	unscanned bool
}

func (m Model) loadCameras() tea.Cmd {
	number, speed := m.caseView.detail.Number, m.picker.speed
	return func() tea.Msg {
		rows, err := m.ops.Cameras(m.ctx, number, speed)
		if err != nil {
			return errMsg{err}
		}
		return camerasMsg(rows)
	}
}

// applyFilter recomputes the shown cameras: the filter matches name, id,
// owner and quality.
func (p *pickerModel) applyFilter() {
	p.shown = p.shown[:0]
	f := strings.ToLower(p.filter)
	for i, c := range p.all {
		if f == "" || strings.Contains(strings.ToLower(c.Name+" "+c.ID+" "+c.Owner+" "+c.Quality), f) {
			p.shown = append(p.shown, i)
		}
	}
	if p.cursor >= len(p.shown) {
		p.cursor = max(0, len(p.shown)-1)
	}
}

// stripWidth is the coverage strip's width at the terminal's width.
func (m Model) stripWidth() int { return max(10, m.width-54) }

// farAway is a distance from the place no camera of the case is likely to
// be at: the position is probably wrong.
const farAway = 50_000

// passWindow is when someone leaving the place could pass the camera:
// times of day on the incident's date, a later day marked "+Nd"; nothing
// when the camera is too far for it to mean anything.
func (m Model) passWindow(c CameraRow) string {
	if c.From.IsZero() || c.Distance > farAway {
		return ""
	}
	day := func(t time.Time) string {
		from := m.caseView.detail.From.In(m.zone)
		d0 := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, m.zone)
		t = t.In(m.zone)
		n := int(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, m.zone).Sub(d0).Hours() / 24)
		if n > 0 {
			return fmt.Sprintf("+%dd", n)
		}
		return ""
	}
	from, to := c.From.In(m.zone).Format("15:04:05"), c.To.In(m.zone).Format("15:04:05")
	if from == to {
		return from + day(c.From) // a camera at the place itself
	}
	return from + day(c.From) + "–" + to + day(c.To)
}

// shortDistance is a distance in 8 cells: metres, then kilometres.
func shortDistance(d float64) string {
	if d < 10_000 {
		return fmt.Sprintf("%.0f m", d)
	}
	return fmt.Sprintf("%.0f km", d/1000)
}

// loadStrips fetches the coverage strips of the visible cameras that are
// not loaded yet, off the UI goroutine.
func (m Model) loadStrips() tea.Cmd {
	p := m.picker
	w := m.stripWidth()
	d := m.caseView.detail
	var cmds []tea.Cmd
	top := scrollTop(p.cursor, len(p.shown), m.pickerRows())
	for i := top; i < len(p.shown) && i < top+m.pickerRows(); i++ {
		c := p.all[p.shown[i]]
		if s, ok := p.strips[c.ID]; ok && len([]rune(string(s))) == w {
			continue
		}
		id := c.ID
		cmds = append(cmds, func() tea.Msg {
			s, err := m.ops.Coverage(m.ctx, id, d.From, d.To, w)
			if err != nil {
				return errMsg{err}
			}
			// The activity the store knows of: nothing is scanned here.
			act, err := m.ops.Activity(m.ctx, id, d.From, d.To)
			if err != nil {
				return errMsg{err}
			}
			return stripMsg{camera: id, width: w, strip: withActivity(s, act, d.From, d.To), unscanned: len(act.Unscanned) > 0}
		})
	}
	return tea.Batch(cmds...)
}

func (m Model) pickerRows() int { return max(1, m.height-7-len(m.pickerLegend())) }

// pickerLegend is the lines under the cameras: a warning about the case's
// position, a note on scanning, and what the strips' marks mean, broken
// between items to fit the width.
func (m Model) pickerLegend() []string {
	p := m.picker
	var items []string
	if len(p.all) > 0 && p.all[0].Located && p.all[0].Distance > farAway {
		items = append(items, m.riskStyle().Render(fmt.Sprintf("the nearest camera is %s away: check the case's position", catalog.FormatDistance(p.all[0].Distance))))
	}
	if len(p.shown) > 0 && p.unscanned[p.all[p.shown[p.cursor]].ID] {
		items = append(items, dimStyle.Render("not all scanned for activity: m scans"))
	}
	for _, it := range []string{"█ footage", "◆ activity", "░ expired", "▒ expiring within 14 days", "x damaged", "(blank) gap"} {
		items = append(items, dimStyle.Render(it))
	}
	return itemLines(items, m.width)
}

func (m Model) updatePicker(msg tea.Msg) (tea.Model, tea.Cmd) {
	p := &m.picker
	switch msg := msg.(type) {
	case stripMsg:
		if p.strips == nil {
			p.strips = map[string]Strip{}
		}
		p.strips[msg.camera] = msg.strip
		if p.unscanned == nil {
			p.unscanned = map[string]bool{}
		}
		p.unscanned[msg.camera] = msg.unscanned
		return m, nil
	case tea.WindowSizeMsg:
		return m, m.loadStrips()
	case warmMsg:
		return m.warmed(msg)
	case tea.KeyPressMsg:
		k := msg.String()
		if p.filtering {
			switch k {
			case "enter":
				p.filtering = false
			case "esc":
				p.filtering, p.filter = false, ""
			case "backspace":
				if r := []rune(p.filter); len(r) > 0 {
					p.filter = string(r[:len(r)-1])
				}
			default:
				p.filter += msg.Key().Text
			}
			p.applyFilter()
			return m, tea.Batch(m.loadStrips(), m.warmSoon())
		}
		if moveCursor(k, &p.cursor, len(p.shown), m.pickerRows()) {
			return m, tea.Batch(m.loadStrips(), m.warmSoon())
		}
		switch k {
		case "esc":
			return m.back(), nil
		case "/":
			p.filtering = true
			return m, nil
		case "m":
			if len(p.shown) == 0 {
				return m, nil
			}
			c := p.all[p.shown[p.cursor]]
			return m.scanActivity(c.ID, m.caseView.detail.From, m.caseView.detail.To)
		case "s":
			for i, s := range speeds {
				if s == p.speed {
					p.speed = speeds[(i+1)%len(speeds)]
					break
				}
			}
			return m, m.loadCameras()
		case "enter":
			c, at, ok := m.pickerTarget()
			if !ok {
				return m, nil
			}
			m = m.push(screenFrames)
			m.frames = framesModel{camera: c.ID, cameraName: c.Name, at: at, seq: m.frames.seq}
			cmd := m.loadFrame()
			return m, cmd
		}
		return m, m.loadStrips()
	}
	return m, nil
}

// pickerTarget is the selected camera and where enter opens it: the start
// of its pass window, or of the case's window.
func (m Model) pickerTarget() (CameraRow, time.Time, bool) {
	p := m.picker
	if len(p.shown) == 0 || p.cursor >= len(p.shown) {
		return CameraRow{}, time.Time{}, false
	}
	c := p.all[p.shown[p.cursor]]
	at := m.caseView.detail.From
	if !c.From.IsZero() {
		at = c.From
	}
	return c, at, true
}

// pickerWarm is the wait before warming; warmMsg ends it.
const pickerWarm = 300 * time.Millisecond

type warmMsg struct{ seq int }

// warmSoon starts the wait after which the selected camera is warmed: a
// cursor that rests there for pickerWarm (none without timers: tests send
// warmMsg).
func (m *Model) warmSoon() tea.Cmd {
	m.picker.warm++
	if !m.timers {
		return nil
	}
	seq := m.picker.warm
	return tea.Tick(pickerWarm, func(time.Time) tea.Msg { return warmMsg{seq} })
}

// warmed opens the selected camera's footage where enter will show it and
// decodes that frame, off the UI goroutine, while the analyst reads the
// list: the frame browser then opens on a decoder already there. Nothing
// is shown (the frame is dropped), so no view is recorded.
func (m Model) warmed(msg warmMsg) (tea.Model, tea.Cmd) {
	c, at, ok := m.pickerTarget()
	if msg.seq != m.picker.warm || m.screen != screenCameras || !ok || m.ops == nil {
		return m, nil
	}
	ops, ctx := m.ops, m.ctx
	return m, func() tea.Msg {
		ops.Frame(ctx, c.ID, at) // an error shows when the browser opens
		return nil
	}
}

func (m Model) viewPicker() (string, []key) {
	p := m.picker
	d := m.caseView.detail
	var b strings.Builder
	located := len(p.all) > 0 && p.all[0].Located
	if located {
		from := d.Place
		if from == "" {
			from = d.Position // the place's address was not given
		}
		b.WriteString(clip(titleStyle.Render("Cameras for "+d.Number)+fmt.Sprintf("  by distance from %s", from), m.width) + "\n")
	} else {
		b.WriteString(clip(titleStyle.Render("Cameras for "+d.Number)+"  in catalog order: the case has no position", m.width) + "\n")
	}
	if p.filtering || p.filter != "" {
		b.WriteString("filter: " + p.filter + map[bool]string{true: "▏", false: ""}[p.filtering])
	}
	b.WriteString(fmt.Sprintf("  %d of %d cameras", len(p.shown), len(p.all)))
	if located {
		b.WriteString(" · speed " + p.speed)
	}
	b.WriteString("\n")
	w := m.stripWidth()
	axis := m.show(d.From)[11:16] + strings.Repeat(" ", max(1, w-10)) + m.show(d.To)[11:16]
	b.WriteString(dimStyle.Render(fmt.Sprintf("%-24s %8s %-17s ", "camera", "distance", "could pass")) + dimStyle.Render(clip(axis, w)) + "\n")
	rows := m.pickerRows()
	top := scrollTop(p.cursor, len(p.shown), rows)
	for i := top; i < len(p.shown) && i < top+rows; i++ {
		c := p.all[p.shown[i]]
		window, dist := m.passWindow(c), "-"
		if c.Located {
			dist = shortDistance(c.Distance)
		}
		strip, ok := p.strips[c.ID]
		s := strings.Repeat("·", w)
		if ok {
			s = string(strip)
		}
		line := fmt.Sprintf("%-24s %8s %-17s ", padRight(clip(c.Name, 24), 24), dist, window)
		if i == p.cursor {
			line = selectedStyle.Render(line)
		}
		b.WriteString(line + s + "\n")
	}
	for _, l := range m.pickerLegend() {
		b.WriteString(clip(l, m.width) + "\n")
	}
	keys := []key{{"↑↓", "camera"}, {"enter", "frames"}, {"/", "filter"}, {"s", "speed"}, {"m", "scan activity"}}
	if p.filtering {
		keys = []key{{"type", "name, owner, quality"}, {"enter", "keep"}, {"esc", "clear"}}
	}
	return b.String(), keys
}
