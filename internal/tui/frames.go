package tui

import (
	"fmt"
	"image"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/klipp-forensics/klipp/internal/clock"
)

type prompt int

const (
	promptNone prompt = iota
	promptTime
	promptText
)

type framesModel struct {
	camera, cameraName string
	at                 time.Time // cursor, true time
	frame              *Frame
	err                string
	seq                int // the newest request; older answers are dropped
	in, out            *time.Time
	prompt             prompt
	input              textinput.Model
}

type frameMsg struct {
	seq   int
	frame Frame
	err   error
}

// loadFrame asks for the frame at the cursor, off the UI goroutine; the
// answer to an older request is dropped when it arrives late.
func (m *Model) loadFrame() tea.Cmd {
	m.frames.seq++
	seq, cam, at, ops, ctx := m.frames.seq, m.frames.camera, m.frames.at, m.ops, m.ctx
	return func() tea.Msg {
		f, err := ops.Frame(ctx, cam, at)
		return frameMsg{seq: seq, frame: f, err: err}
	}
}

func (m Model) fps() float64 {
	if m.frames.frame != nil && m.frames.frame.FPS > 0 {
		return m.frames.frame.FPS
	}
	return 25
}

func (m Model) step(d time.Duration) (tea.Model, tea.Cmd) {
	m.frames.at = m.frames.at.Add(d)
	cmd := m.loadFrame()
	return m, cmd
}

func (m Model) updateFrames(msg tea.Msg) (tea.Model, tea.Cmd) {
	f := &m.frames
	switch msg := msg.(type) {
	case frameMsg:
		if msg.seq < f.seq {
			return m, nil // a newer frame is on its way
		}
		if msg.err != nil {
			f.err, f.frame = firstLine(msg.err.Error()), nil
			if m.graphics == GraphicsKitty {
				return m, tea.Raw(kittyDelete)
			}
		} else {
			fr := msg.frame
			f.frame, f.err = &fr, ""
			return m, m.frameImage()
		}
	case tea.KeyPressMsg:
		k := msg.String()
		if f.prompt != promptNone {
			switch k {
			case "esc":
				f.prompt = promptNone
				return m, nil
			case "enter":
				p, value := f.prompt, f.input.Value()
				f.prompt = promptNone
				if p == promptTime {
					t, err := m.parseCursorTime(value)
					if err != nil {
						m.status = "error: " + err.Error()
						return m, nil
					}
					f.at = t
					cmd := m.loadFrame()
					return m, cmd
				}
				return m, m.addEntry(value)
			}
			var cmd tea.Cmd
			f.input, cmd = f.input.Update(msg)
			if f.prompt == promptText {
				m.ops.SaveDraft(draftEntry, []string{m.caseView.detail.Number, f.camera, f.input.Value()})
			}
			return m, cmd
		}
		frame := time.Duration(float64(time.Second) / m.fps())
		switch k {
		case "esc":
			if m.graphics == GraphicsKitty {
				return m.back(), tea.Raw(kittyDelete)
			}
			return m.back(), nil
		case "right", "l":
			return m.step(frame)
		case "left", "h":
			return m.step(-frame)
		case "shift+right", "L":
			return m.step(time.Second)
		case "shift+left", "H":
			return m.step(-time.Second)
		case "]":
			return m.step(10 * time.Second)
		case "[":
			return m.step(-10 * time.Second)
		case "}":
			return m.step(time.Minute)
		case "{":
			return m.step(-time.Minute)
		case "g":
			f.prompt = promptTime
			f.input = newInput("2026-11-20 22:14:05.120 or 22:14:05", 36)
			return m, f.input.Focus()
		case "i":
			t := m.shownTime()
			f.in = &t
			m.status = "in at " + m.showMs(t)
		case "o":
			t := m.shownTime()
			f.out = &t
			m.status = "out at " + m.showMs(t)
		case "n", "p":
			return m.nextCamera(map[string]int{"n": 1, "p": -1}[k])
		case "s":
			number, cam, at := m.caseView.detail.Number, f.camera, m.shownTime()
			m.busy = "still"
			return m, func() tea.Msg {
				path, err := m.ops.Still(m.ctx, number, cam, at)
				if err != nil {
					return errMsg{err}
				}
				return statusMsg("still saved: " + path)
			}
		case "a":
			f.prompt = promptText
			f.input = newInput("what the frame shows, e.g. the suspect walks east", max(20, m.width-12))
			if d := m.ops.Draft(draftEntry); len(d) == 3 && d[0] == m.caseView.detail.Number && d[1] == f.camera {
				f.input.SetValue(d[2])
				m.status = "restored the entry text you were typing"
			}
			return m, f.input.Focus()
		}
	}
	return m, nil
}

// frameImage draws the frame with kitty graphics below the two header
// lines, where the view leaves room; nil with half-blocks.
func (m Model) frameImage() tea.Cmd {
	f := m.frames.frame
	if m.graphics != GraphicsKitty || f == nil || f.Image == nil {
		return nil
	}
	w, h := fitCells(f.Image.Bounds(), m.width, max(1, m.height-5))
	seq, err := kittyImage(f.Image, 2, 0, w, h)
	if err != nil {
		return func() tea.Msg { return errMsg{err} }
	}
	return tea.Raw(seq)
}

// shownTime is the true time of the frame on screen (the cursor until it
// has loaded).
func (m Model) shownTime() time.Time {
	if f := m.frames.frame; f != nil {
		return f.At
	}
	return m.frames.at
}

// parseCursorTime reads a full time, or a time of day on the cursor's date.
func (m Model) parseCursorTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) <= 12 && strings.Count(s, ":") >= 1 && !strings.Contains(s, "-") {
		s = m.frames.at.In(m.zone).Format("2006-01-02") + " " + s
	}
	return clock.ParseTime(s, m.zone)
}

func (m Model) addEntry(text string) tea.Cmd {
	f := m.frames
	at := m.shownTime()
	from, to := at.Add(-5*time.Second), at.Add(10*time.Second)
	if f.in != nil {
		from = *f.in
	}
	if f.out != nil {
		to = *f.out
	}
	number, cam := m.caseView.detail.Number, f.camera
	return func() tea.Msg {
		warning, err := m.ops.AddEntry(m.ctx, number, cam, at, from, to, text)
		if err != nil {
			return errMsg{err} // the draft stays
		}
		m.ops.SaveDraft(draftEntry, nil)
		done := "entry added at " + at.In(m.zone).Format("15:04:05.000") + " on " + f.cameraName
		if warning != "" {
			done += "; " + warning
		}
		return doneMsg{text: done, number: number}
	}
}

// nextCamera moves to the next (or previous) camera by distance in the
// picker's list, at the same time.
func (m Model) nextCamera(dir int) (tea.Model, tea.Cmd) {
	p := m.picker
	if len(p.all) == 0 {
		m.status = "the cameras are still loading"
		return m, nil
	}
	idx := 0
	for i, c := range p.all {
		if c.ID == m.frames.camera {
			idx = i
		}
	}
	c := p.all[(idx+dir+len(p.all))%len(p.all)]
	m.frames.camera, m.frames.cameraName, m.frames.frame = c.ID, c.Name, nil
	cmd := m.loadFrame()
	return m, cmd
}

func (m Model) viewFrames() (string, []key) {
	f := m.frames
	var b strings.Builder
	head := titleStyle.Render(f.cameraName) + "  cursor " + m.showMs(f.at)
	b.WriteString(clip(head, m.width) + "\n")
	info := ""
	if f.frame != nil {
		cc := "camera clock " + m.showMs(f.frame.CameraClock)
		if !f.frame.ClockVerified {
			cc += " (unverified)"
		}
		info = "frame " + m.showMs(f.frame.At) + " · " + cc
	}
	if f.in != nil || f.out != nil {
		in, out := "-", "-"
		if f.in != nil {
			in = f.in.In(m.zone).Format("15:04:05.000")
		}
		if f.out != nil {
			out = f.out.In(m.zone).Format("15:04:05.000")
		}
		info += fmt.Sprintf("  in %s out %s", in, out)
	}
	b.WriteString(clip(info, m.width) + "\n")
	rows := m.height - 5
	if f.prompt != promptNone {
		rows--
	}
	switch {
	case f.err != "":
		b.WriteString("\n" + warnStyle.Render(clip(f.err, m.width)) + "\n")
	case f.frame == nil:
		b.WriteString("\ndecoding …\n")
	case m.graphics == GraphicsKitty:
		// The picture is placed over these lines (see frameImage).
		_, h := fitCells(f.frame.Image.Bounds(), m.width, max(1, rows))
		b.WriteString(strings.Repeat("\n", h))
	default:
		b.WriteString(halfBlocks(f.frame.Image, m.width, max(1, rows)))
	}
	if f.prompt == promptTime {
		b.WriteString("\ngo to: " + f.input.View())
	} else if f.prompt == promptText {
		b.WriteString("\nentry: " + f.input.View())
	}
	keys := []key{{"←→", "frame"}, {"⇧←→", "1 s"}, {"[ ]", "10 s"}, {"{ }", "1 min"}, {"g", "go to"}, {"n/p", "camera"},
		{"i/o", "in/out"}, {"s", "still"}, {"a", "add entry"}}
	if f.prompt != promptNone {
		keys = []key{{"enter", "ok"}, {"esc", "cancel"}}
	}
	return b.String(), keys
}

// halfBlocks draws img in true colour with "▀" cells: each cell is two
// pixels, the upper as foreground and the lower as background, scaled to
// fit cols × rows keeping the aspect (terminal cells are about twice as
// high as wide).
func halfBlocks(img image.Image, cols, rows int) string {
	if img == nil || cols < 1 || rows < 1 {
		return ""
	}
	bw, bh := img.Bounds().Dx(), img.Bounds().Dy()
	w, h := fitCells(img.Bounds(), cols, rows)
	var b strings.Builder
	b.Grow(w * h * 40)
	px := func(x, y int) (uint32, uint32, uint32) {
		r, g, bl, _ := img.At(img.Bounds().Min.X+x*bw/w, img.Bounds().Min.Y+y*bh/(2*h)).RGBA()
		return r >> 8, g >> 8, bl >> 8
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r1, g1, b1 := px(x, 2*y)
			r2, g2, b2 := px(x, 2*y+1)
			fmt.Fprintf(&b, "\x1b[38;2;%d;%d;%dm\x1b[48;2;%d;%d;%dm▀", r1, g1, b1, r2, g2, b2)
		}
		b.WriteString("\x1b[0m\n")
	}
	return b.String()
}
