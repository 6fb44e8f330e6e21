package tui

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	xansi "github.com/charmbracelet/x/ansi"

	"github.com/klipp-forensics/klipp/internal/clock"
)

type prompt int

const (
	promptNone prompt = iota
	promptTime
	promptText
	promptActivity // an entry at the start of the activity under the cursor
)

type framesModel struct {
	camera, cameraName string
	at                 time.Time // cursor, true time
	frame              *Frame
	err                string
	void               *Around // why there is no picture at the cursor, once known
	seq                int     // the newest request; older answers are dropped
	marks              map[string]marks
	prompt             prompt
	input              textinput.Model
	viewed             viewSpan // footage shown and not yet recorded
	zoom               zoom     // the part of the frame shown
	play               playback
	grid               grid          // the nearest cameras at the same time
	bar                timeBar       // the time bar under the frame
	barWant            string        // the bar last asked for
	pending            Span          // the activity an entry is being typed for
	latest             *atomic.Int64 // the newest frame request, read by the requests waiting to run
	snap               bool          // the next frame asked for sets the cursor to its time
}

// marks are a camera's in and out marks: they belong to that camera.
type marks struct{ in, out *time.Time }

// viewSpan is a span of one camera's footage shown to the analyst.
type viewSpan struct {
	camera   string
	from, to time.Time
}

type frameMsg struct {
	seq   int
	stale bool // not decoded: a newer request came first
	frame Frame
	err   error
	void  *Around // with err: why, when known
	snap  bool    // the cursor takes the frame's time (a frame step)
}

// loadFrame asks for the frame at the cursor, off the UI goroutine; the
// answer to an older request is dropped when it arrives late.
func (m *Model) loadFrame() tea.Cmd {
	m.frames.seq++
	if m.frames.latest == nil {
		m.frames.latest = new(atomic.Int64)
	}
	m.frames.latest.Store(int64(m.frames.seq))
	seq, cam, at, ops, ctx, latest := m.frames.seq, m.frames.camera, m.frames.at, m.ops, m.ctx, m.frames.latest
	snap := m.frames.snap
	m.frames.snap = false
	return func() tea.Msg {
		if latest.Load() != int64(seq) {
			// Keys pressed faster than frames decode: only the newest
			// request is decoded.
			return frameMsg{seq: seq, stale: true}
		}
		f, err := ops.Frame(ctx, cam, at)
		msg := frameMsg{seq: seq, frame: f, err: err, snap: snap}
		if err != nil {
			// No picture: find out why, and where the footage is.
			if a, aerr := ops.Around(ctx, cam, at); aerr == nil && a.Reason != "" {
				msg.void = &a
			}
		}
		return msg
	}
}

func (m Model) fps() float64 {
	if m.frames.frame != nil && m.frames.frame.FPS > 0 {
		return m.frames.frame.FPS
	}
	return 25
}

// frameInterval is the time from one frame to the next.
func (m Model) frameInterval() time.Duration { return time.Duration(float64(time.Second) / m.fps()) }

func (m Model) step(d time.Duration) (tea.Model, tea.Cmd) {
	m.frames.at = m.frames.at.Add(d)
	cmd := m.loadFrame()
	return m, cmd
}

// stepFrame moves one frame; inside a gap or damage it goes to the edge of
// the footage that way instead of stepping through the void.
func (m Model) stepFrame(dir int) (tea.Model, tea.Cmd) {
	m.frames.snap = true
	if v := m.frames.void; v != nil && m.frames.frame == nil {
		target := v.Next
		if dir < 0 {
			target = v.Prev
		}
		if target != nil {
			return m.jump(*target)
		}
	}
	return m.step(time.Duration(dir) * m.frameInterval())
}

// jump moves the cursor to t.
func (m Model) jump(t time.Time) (tea.Model, tea.Cmd) {
	m.frames.at = t
	cmd := m.loadFrame()
	return m, cmd
}

// flushView records the span of footage shown so far, then forgets it.
func (m *Model) flushView() tea.Cmd {
	v := m.frames.viewed
	m.frames.viewed = viewSpan{}
	if v.camera == "" || m.ops == nil {
		return nil
	}
	ops, ctx, number := m.ops, m.ctx, m.caseView.detail.Number
	return func() tea.Msg {
		if err := ops.RecordView(ctx, number, v.camera, v.from, v.to); err != nil {
			return errMsg{err}
		}
		return nil
	}
}

// seen adds a frame shown to the span; another camera's frame records the
// span so far first.
func (m *Model) seen(camera string, at time.Time) tea.Cmd {
	v := &m.frames.viewed
	var cmd tea.Cmd
	if v.camera != "" && v.camera != camera {
		cmd = m.flushView()
	}
	switch {
	case v.camera == "":
		*v = viewSpan{camera: camera, from: at, to: at}
	case at.Before(v.from):
		v.from = at
	case at.After(v.to):
		v.to = at
	}
	return cmd
}

func (m Model) marksHere() marks { return m.frames.marks[m.frames.camera] }

func (m *Model) setMarks(k marks) {
	if m.frames.marks == nil {
		m.frames.marks = map[string]marks{}
	}
	m.frames.marks[m.frames.camera] = k
}

func (m Model) updateFrames(msg tea.Msg) (tea.Model, tea.Cmd) {
	f := &m.frames
	switch msg := msg.(type) {
	case frameMsg:
		if msg.seq < f.seq || msg.stale {
			return m, nil // a newer frame is on its way
		}
		if msg.err != nil {
			f.err, f.frame, f.void = firstLine(msg.err.Error()), nil, msg.void
			bar := m.loadBar()
			if f.play.on {
				f.play.on = false
				m = m.say("playback stopped: no picture")
			}
			if f.grid.on {
				// The other cameras may have footage: the grid stays.
				return m, tea.Batch(bar, m.loadGrid())
			}
			return m, tea.Batch(m.clearGraphics(), bar)
		} else {
			fr := msg.frame
			// Sixel pixels are text cells: the redraw that takes away what
			// stood there before ("decoding …", a reason) would erase a
			// strip of a picture sent now. That first picture waits for it.
			later := m.graphics == GraphicsSixel && f.frame == nil
			f.frame, f.err, f.void = &fr, "", nil
			f.play.waiting = false
			// After a frame step the cursor is the frame's time, as
			// entries and stills take it (not when the frame is further
			// off: a recorder's jump). A camera switch or a typed time
			// keeps the cursor: n and p do not wander.
			if d := f.at.Sub(fr.At); msg.snap && !f.play.on && d > -2*time.Millisecond && d < m.frameInterval()+time.Millisecond {
				f.at = fr.At
			}
			var picture tea.Cmd
			if later {
				picture = m.pictureLater()
			} else {
				picture = m.frameImage()
			}
			return m, tea.Batch(m.seen(f.camera, fr.At), picture, m.loadBar(), m.loadGrid())
		}
	case gridMsg:
		return m.gridLoaded(msg)
	case pictureMsg:
		if m.help {
			return m, nil
		}
		return m, m.frameImage()
	case playTickMsg:
		return m.playTick(msg)
	case viewerMsg:
		if msg.err != nil {
			return m.sayErr(msg.err), nil
		}
		return m.say(msg.text), nil
	case barMsg:
		if msg.bar.camera == f.camera {
			f.bar = msg.bar
		}
		return m, nil
	case activityJumpMsg:
		return m.activityJumped(msg)
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
				switch p {
				case promptTime:
					t, err := m.parseCursorTime(value)
					if err != nil {
						return m.sayErr(fmt.Errorf("cannot go to %q: %s", strings.TrimSpace(value), timeFieldError(value, err, true))), nil
					}
					if m.note.err {
						m.note = note{} // an earlier "cannot go to" is over
					}
					return m.jump(t)
				case promptActivity:
					at, from, to := m.activityEntryTimes(f.pending)
					return m.addEntryAt(value, at, from, to)
				}
				return m.addEntry(value)
			}
			var cmd tea.Cmd
			f.input, cmd = f.input.Update(msg)
			if f.prompt == promptText || f.prompt == promptActivity {
				m.ops.SaveDraft(draftEntry, []string{m.caseView.detail.Number, f.camera, f.input.Value()})
			}
			return m, cmd
		}
		switch k {
		case "esc":
			flush := m.flushView()
			clear := m.clearGraphics()
			return m.back(), tea.Batch(flush, clear)
		case "right", "l":
			return m.stepFrame(1)
		case "left", "h":
			return m.stepFrame(-1)
		case "ctrl+left", "ctrl+right", "ctrl+up", "ctrl+down":
			d := map[string][2]int{"ctrl+left": {-1, 0}, "ctrl+right": {1, 0}, "ctrl+up": {0, -1}, "ctrl+down": {0, 1}}[k]
			return m.pan(d[0], d[1])
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
		case ">", "<":
			if f.void == nil {
				// On footage: the next or previous activity.
				return m.jumpActivity(map[string]int{">": 1, "<": -1}[k])
			}
			target := f.void.Next
			if k == "<" {
				target = f.void.Prev
			}
			if target == nil {
				return m.say("no footage that way within a day"), nil
			}
			m.frames.snap = true // the cursor on the edge's frame
			return m.jump(*target)
		case "g":
			f.prompt = promptTime
			f.input = newInput("2026-11-20 22:14:05.120 or 22:14:05", 36)
			return m, f.input.Focus()
		case "i", "o":
			t := m.shownTime()
			mk := m.marksHere()
			if k == "i" {
				mk.in = &t
			} else {
				mk.out = &t
			}
			m.setMarks(mk)
			said := map[string]string{"i": "in", "o": "out"}[k] + " at " + m.showMs(t) + " on " + f.cameraName
			if mk.in != nil && mk.out != nil && !mk.out.After(*mk.in) {
				// Said now, not first when a adds the entry.
				return m.sayErr(errors.New(said + ": the out mark is not after the in mark; set the other again, or c clears them")), nil
			}
			return m.say(said), nil
		case "c":
			m.setMarks(marks{})
			return m.say("marks cleared on " + f.cameraName), nil
		case "n", "p":
			return m.nextCamera(map[string]int{"n": 1, "p": -1}[k])
		case "C":
			return m.openClockForm() // clockform.go
		case "s":
			if mm, ok := m.locked(); ok {
				return mm, nil
			}
			if f.frame == nil {
				if f.void != nil {
					return m.say("no picture here to take a still of: < and > go to the footage"), nil
				}
				return m.say("no picture here to take a still of"), nil
			}
			number, cam, at := m.caseView.detail.Number, f.camera, clock.FrameMilli(m.shownTime())
			m.busy = "still"
			ops, ctx, zone := m.ops, m.ctx, m.zone
			return m, func() tea.Msg {
				res, err := ops.Still(ctx, number, cam, at)
				if err != nil {
					return errMsg{err}
				}
				// What it means first, the file last: at 80 columns a
				// message has two lines.
				if res.Entry > 0 {
					return doneMsg{text: fmt.Sprintf("still saved, linked to entry %d: %s", res.Entry, res.Path), number: number}
				}
				if e := res.Outside; e != nil {
					hms := func(t time.Time) string { return t.In(zone).Format("15:04:05.000") }
					return statusMsg(fmt.Sprintf("still saved, not linked: outside entry %d's clip %s–%s (t in the case widens it): %s", e.Number, hms(e.From), hms(e.To), res.Path))
				}
				return statusMsg("still saved, no entry on this camera near it (a adds one): " + res.Path)
			}
		case "A":
			if mm, ok := m.locked(); ok {
				return mm, nil
			}
			return m.activityEntry()
		case "+", "=":
			return m.zoomBy(2, nil)
		case "-":
			return m.zoomBy(0.5, nil)
		case "space", " ":
			return m.togglePlay()
		case "*":
			return m.nextSpeed()
		case "O":
			return m.openFrame()
		case "V":
			return m.openClip()
		case "G":
			return m.toggleGrid()
		case "m":
			from, to := m.barWindow()
			return m.scanActivity(f.camera, from, to)
		case "a":
			if mm, ok := m.locked(); ok {
				return mm, nil
			}
			f.prompt = promptText
			f.input = newInput("what the frame shows, e.g. the suspect walks east", max(20, m.width-12))
			if d := m.ops.Draft(draftEntry); len(d) == 3 && d[0] == m.caseView.detail.Number && d[1] == f.camera {
				f.input.SetValue(d[2])
				m = m.say("restored the entry text you were typing")
			}
			return m, m.frames.input.Focus()
		}
	}
	return m, nil
}

// frameImage draws the picture (the frame, zoomed, or the grid) with the
// terminal's graphics below the three header lines, where the view leaves
// room; nil with half-blocks.
func (m Model) frameImage() tea.Cmd {
	img := m.shownImage()
	if m.graphics == GraphicsBlocks || img == nil || m.tooSmall() {
		return nil
	}
	top, rows := 3, m.frameRows()
	if m.frames.grid.on {
		n := len(m.gridLabel()) // under the grid's label
		top, rows = 3+n, rows-n
	}
	w, h := m.pictureCells(img.Bounds(), m.width, max(1, rows))
	if m.graphics == GraphicsSixel {
		return tea.Raw(sixelImage(img, top, 0, w, h))
	}
	seq, err := kittyImage(img, top, 0, w, h, m.graphics == GraphicsKittyTmux)
	if err != nil {
		return func() tea.Msg { return errMsg{err} }
	}
	return tea.Raw(seq)
}

// pictureMsg asks for the picture again (after a redraw).
type pictureMsg struct{}

// pictureAfter is how long the picture waits for the screen's redraw
// (Bubble Tea draws at 60 frames a second).
const pictureAfter = 100 * time.Millisecond

// pictureLater draws the picture once the screen has been drawn anew
// (after a resize, or when help closes): the terminal's graphics sit on
// the text, and a redraw that scrolls lines would carry a picture sent
// before it along.
func (m Model) pictureLater() tea.Cmd {
	if m.graphics == GraphicsBlocks {
		return nil
	}
	if !m.timers {
		return func() tea.Msg { return pictureMsg{} }
	}
	return tea.Tick(pictureAfter, func(time.Time) tea.Msg { return pictureMsg{} })
}

// clearGraphics takes the picture off the screen when there is none to
// show: kitty deletes its images; sixel pixels go with a repaint.
func (m Model) clearGraphics() tea.Cmd {
	switch m.graphics {
	case GraphicsKitty:
		return tea.Raw(kittyDelete)
	case GraphicsKittyTmux:
		return tea.Raw(tmuxPassthrough(kittyDelete))
	case GraphicsSixel:
		return tea.ClearScreen
	}
	return nil
}

// frameRows is the picture's height in cells: what the header (3 lines),
// the time bar (2), the prompt, the message (up to 2), the status bar and
// the keys leave.
func (m Model) frameRows() int {
	rows := m.height - 3 - 2 - 2 - 1 - len(helpLines(m.frameKeys(), m.width))
	if m.frames.prompt != promptNone {
		rows--
	}
	return max(1, rows)
}

// frameKeys are the frame browser's keys as the screen lists them (with
// the two draw adds).
func (m Model) frameKeys() []key {
	if m.frames.prompt != promptNone {
		return []key{{"enter", "ok"}, {"esc", "cancel"}, {"f1", "help"}}
	}
	return append(m.frameKeyList(), key{"?", "help"}, key{"esc", "back"})
}

// frameKeyList is every key of the frame browser in the help screen and
// from 120 columns; narrower, the footer keeps the keys used every minute
// (and "? help" for the rest), so the picture keeps its rows.
func (m Model) frameKeyList() []key {
	if !m.help && m.width < 120 {
		return []key{{"←→", "frame"}, {"⇧←→", "1 s"}, {"[ ]", "10 s"}, {"< >", "activity"}, {"g", "go to"},
			{"space", "play"}, {"+/-", "zoom"}, {"n/p", "camera"}, {"i/o", "in/out"}, {"s", "still"}, {"a", "add entry"}}
	}
	return []key{{"←→", "frame"}, {"⇧←→", "1 s"}, {"[ ]", "10 s"}, {"{ }", "1 min"}, {"< >", "activity (in a gap: footage)"}, {"g", "go to"},
		{"space", "play"}, {"*", "speed"}, {"+/-", "zoom"}, {"ctrl+←→↑↓", "move zoomed"}, {"n/p", "camera"}, {"G", "grid"}, {"i/o", "in/out"}, {"c", "clear marks"}, {"s", "still"},
		{"a", "add entry"}, {"A", "entry at activity"}, {"m", "scan activity"}, {"O/V", "open frame/clip"}, {"C", "clock reading"}}
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

// addEntry adds an entry at the frame shown, its clip the camera's marks
// (or the configured range around it).
func (m Model) addEntry(text string) (Model, tea.Cmd) {
	at := m.shownTime()
	from, to := at.Add(-5*time.Second), at.Add(10*time.Second)
	mk := m.marksHere()
	if mk.in != nil {
		from = *mk.in
	}
	if mk.out != nil {
		to = *mk.out
	}
	return m.addEntryAt(text, at, from, to)
}

// addEntryAt adds an entry at at with the clip from–to.
func (m Model) addEntryAt(text string, at, from, to time.Time) (Model, tea.Cmd) {
	f := m.frames
	hms := func(t time.Time) string { return t.In(m.zone).Format("15:04:05.000") }
	if !to.After(from) {
		return m.say(fmt.Sprintf("the clip would end (%s) before it starts (%s): set the marks again, or c to clear them", hms(to), hms(from))), nil
	}
	if at.Before(from) || at.After(to) {
		return m.say(fmt.Sprintf("the frame %s is outside the marks %s–%s: move there, or c to clear them", hms(at), hms(from), hms(to))), nil
	}
	// Times to the millisecond, as shown and typed; up, so each stays in
	// its frame (a frame's true time can have nanoseconds: 30000/1001 fps).
	at, from, to = clock.FrameMilli(at), clock.FrameMilli(from), clock.FrameMilli(to)
	number, cam := m.caseView.detail.Number, f.camera
	ops, ctx, zone := m.ops, m.ctx, m.zone
	return m, func() tea.Msg {
		warning, err := ops.AddEntry(ctx, number, cam, at, from, to, text)
		if err != nil {
			return errMsg{err} // the draft stays
		}
		ops.SaveDraft(draftEntry, nil)
		done := "entry added at " + at.In(zone).Format("15:04:05.000") + " on " + f.cameraName
		if warning != "" {
			done += "; " + warning
		}
		return doneMsg{text: done, number: number}
	}
}

// nextCamera moves to the next (or previous) camera by distance in the
// picker's list, at the same time; the marks stay with their camera.
func (m Model) nextCamera(dir int) (tea.Model, tea.Cmd) {
	p := m.picker
	if len(p.all) == 0 {
		return m.say("the cameras are still loading"), nil
	}
	idx := 0
	for i, c := range p.all {
		if c.ID == m.frames.camera {
			idx = i
		}
	}
	c := p.all[(idx+dir+len(p.all))%len(p.all)]
	flush := m.flushView()
	m.frames.camera, m.frames.cameraName, m.frames.frame, m.frames.void = c.ID, c.Name, nil, nil
	m.note = note{}
	cmd := m.loadFrame()
	return m, tea.Batch(flush, cmd)
}

// cameraClock is the camera's clock as its on-screen time reads: in the
// camera's zone, named when it is not the display zone.
func (m Model) cameraClock(f *Frame) string {
	z := f.CameraZone
	if z == nil || z.String() == m.zone.String() {
		return f.CameraClock.In(m.zone).Format("15:04:05.000")
	}
	t := f.CameraClock.In(z)
	return t.Format("15:04:05.000") + " " + t.Format("MST")
}

func (m Model) viewFrames() (string, []key) {
	f := m.frames
	var b strings.Builder
	head := titleStyle.Render(f.cameraName) + "  cursor " + m.showMs(f.at) + m.playState()
	b.WriteString(clip(head, m.width) + "\n")
	info := ""
	if f.frame != nil {
		info = "frame " + f.frame.At.In(m.zone).Format("15:04:05.000")
		if f.frame.Bound != "" {
			info += " " + f.frame.Bound
		}
		info += " · camera clock " + m.cameraClock(f.frame)
		if f.frame.CameraClock.In(m.zone).YearDay() != f.frame.At.In(m.zone).YearDay() {
			info += " (" + f.frame.CameraClock.In(m.zone).Format("2006-01-02") + ")"
		}
		if !f.frame.ClockVerified {
			info += " " + m.riskStyle().Render("(unverified)")
		}
	}
	b.WriteString(clip(info, m.width) + "\n")
	mk := m.marksHere()
	marksLine := dimStyle.Render("no marks on this camera: i / o set in / out")
	if mk.in != nil || mk.out != nil {
		in, out := "–", "–"
		if mk.in != nil {
			in = mk.in.In(m.zone).Format("15:04:05.000")
		}
		if mk.out != nil {
			out = mk.out.In(m.zone).Format("15:04:05.000")
		}
		marksLine = fmt.Sprintf("marks: in %s  out %s  (c clears)", in, out)
	}
	b.WriteString(clip(marksLine, m.width) + "\n")
	rows := m.frameRows()
	var pic []string
	switch {
	case f.grid.on && f.grid.image != nil:
		label := m.gridLabel()
		pic = append(label, m.pictureLines(rows-len(label))...)
	case f.err != "":
		pic = append(pic, "")
		if v := f.void; v != nil {
			for _, l := range wrap(m.voidText(*v), m.width, 3) {
				pic = append(pic, m.riskStyle().Render(l))
			}
		}
		if f.void == nil { // the reason above says it better
			for _, l := range wrap(f.err, m.width, 3) {
				pic = append(pic, dimStyle.Render(l))
			}
		}
	case f.frame == nil:
		pic = append(pic, "", "decoding …")
	default:
		pic = m.pictureLines(rows)
	}
	// The picture's area keeps its height, so the time bar stays where a
	// click finds it.
	for len(pic) < rows {
		pic = append(pic, "")
	}
	for _, l := range pic[:rows] {
		b.WriteString(l + "\n")
	}
	bar := m.barLines()
	b.WriteString(bar[0] + "\n" + bar[1])
	switch f.prompt {
	case promptTime:
		b.WriteString("\ngo to: " + f.input.View())
	case promptText:
		b.WriteString("\nentry: " + f.input.View())
	case promptActivity:
		at, _, _ := m.activityEntryTimes(f.pending)
		b.WriteString("\nentry at " + at.In(m.zone).Format("15:04:05.000") + ": " + f.input.View())
	}
	keys := m.frameKeyList()
	if f.prompt != promptNone {
		keys = []key{{"enter", "ok"}, {"esc", "cancel"}}
	}
	return b.String(), keys
}

// barRow is the screen line of the time bar's first line.
func (m Model) barRow() int { return 3 + m.frameRows() }

// pictureLines is the frame in rows lines: half-blocks, or blank lines the
// terminal's graphics are placed over (see frameImage).
func (m Model) pictureLines(rows int) []string {
	img := m.shownImage()
	if m.graphics != GraphicsBlocks {
		_, h := m.pictureCells(img.Bounds(), m.width, max(1, rows))
		return make([]string, h)
	}
	return m.pictures.blockLines(img, m.width, max(1, rows), m.profile)
}

// voidText says why there is no picture and where the footage is.
func (m Model) voidText(v Around) string {
	hms := func(t time.Time) string { return t.In(m.zone).Format("15:04:05") }
	s := "no picture here: " + v.Reason
	switch {
	case !v.From.IsZero() && !v.To.IsZero():
		s += fmt.Sprintf(" from %s to %s (%s)", hms(v.From), hms(v.To), clock.FormatDuration(v.To.Sub(v.From).Round(time.Second)))
	case !v.From.IsZero():
		s += " since " + hms(v.From)
	case !v.To.IsZero():
		s += " until " + hms(v.To)
	}
	// Where < and > go, to the millisecond: the frames there.
	var ways []string
	if v.Prev != nil {
		ways = append(ways, "< footage before, "+v.Prev.In(m.zone).Format("15:04:05.000"))
	}
	if v.Next != nil {
		ways = append(ways, "> footage after, "+v.Next.In(m.zone).Format("15:04:05.000"))
	}
	if len(ways) == 0 {
		return s + "; no footage within a day either way"
	}
	return s + "; " + strings.Join(ways, " · ")
}

// halfBlocks draws img in true colour with "▀" cells: each cell is two
// pixels, the upper as foreground and the lower as background, scaled to
// fit cols × rows keeping the aspect (terminal cells are about twice as
// high as wide). A colour is set only where it differs from the cell
// before on the line, so flat areas cost a byte a cell; each line ends
// with a reset.
func halfBlocks(img image.Image, cols, rows int) string {
	return halfBlocksIn(img, cols, rows, colorprofile.TrueColor)
}

// halfBlocksIn is halfBlocks for a terminal of colour profile p: for 256
// colours each pixel is given the palette's colour the renderer would
// give it (ansi.Convert256, as colorprofile converts), once per picture
// instead of at every redraw, and the renderer's cache of converted
// colours keeps to the 256 instead of every colour a video shows.
func halfBlocksIn(img image.Image, cols, rows int, p colorprofile.Profile) string {
	if img == nil || cols < 1 || rows < 1 {
		return ""
	}
	bw, bh := img.Bounds().Dx(), img.Bounds().Dy()
	w, h := fitCells(img.Bounds(), cols, rows)
	b := make([]byte, 0, w*h*8)
	indexed := p == colorprofile.ANSI256
	palette := map[[3]uint8]uint8{}
	px := func(x, y int) [3]uint8 {
		r, g, bl, _ := img.At(img.Bounds().Min.X+x*bw/w, img.Bounds().Min.Y+y*bh/(2*h)).RGBA()
		c := [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}
		if indexed {
			i, ok := palette[c]
			if !ok {
				i = uint8(xansi.Convert256(color.RGBA{c[0], c[1], c[2], 255}))
				palette[c] = i
			}
			return [3]uint8{i}
		}
		return c
	}
	sgr := func(b []byte, ground string, c [3]uint8) []byte {
		b = append(b, "\x1b["...)
		b = append(b, ground...)
		if indexed {
			b = append(b, ";5;"...)
			b = strconv.AppendUint(b, uint64(c[0]), 10)
			return append(b, 'm')
		}
		b = append(b, ";2;"...)
		b = strconv.AppendUint(b, uint64(c[0]), 10)
		b = append(b, ';')
		b = strconv.AppendUint(b, uint64(c[1]), 10)
		b = append(b, ';')
		b = strconv.AppendUint(b, uint64(c[2]), 10)
		return append(b, 'm')
	}
	for y := 0; y < h; y++ {
		var fg, bg [3]uint8
		for x := 0; x < w; x++ {
			top, bottom := px(x, 2*y), px(x, 2*y+1)
			if x == 0 || top != fg {
				b, fg = sgr(b, "38", top), top
			}
			if x == 0 || bottom != bg {
				b, bg = sgr(b, "48", bottom), bottom
			}
			b = append(b, "▀"...)
		}
		b = append(b, "\x1b[0m\n"...)
	}
	return string(b)
}

// pictureCache keeps the half-block lines of the picture last drawn: the
// screen is drawn again for every message (the time bar, a tick), the
// picture only when it or the room for it changes.
type pictureCache struct {
	key   pictureKey
	lines []string
}

type pictureKey struct {
	profile    colorprofile.Profile
	pix        *uint8 // the decoded picture's first byte (or the grid's mosaic's); holding it keeps it from being reused
	rect       image.Rectangle
	cols, rows int
}

// blockLines is halfBlocksIn(img, cols, rows, p) split into lines, from the
// cache when the same picture was drawn at the same size.
func (c *pictureCache) blockLines(img image.Image, cols, rows int, p colorprofile.Profile) []string {
	draw := func() []string {
		return strings.Split(strings.TrimSuffix(halfBlocksIn(img, cols, rows, p), "\n"), "\n")
	}
	if c == nil {
		return draw()
	}
	var ptr *uint8
	switch p := img.(type) {
	case *image.YCbCr:
		if len(p.Y) > 0 {
			ptr = &p.Y[0]
		}
	case *image.RGBA:
		if len(p.Pix) > 0 {
			ptr = &p.Pix[0]
		}
	}
	if ptr == nil {
		return draw()
	}
	k := pictureKey{p, ptr, img.Bounds(), cols, rows}
	if c.lines == nil || c.key != k {
		c.key, c.lines = k, draw()
	}
	return c.lines
}
