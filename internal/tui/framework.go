package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/klipp-forensics/klipp/internal/clock"
)

// FrameWork is what the frame browser and the camera picker need beyond
// the case's operations: the activity the store knows of, a scan on
// request, and where a frame lies in its file for an external viewer.
type FrameWork interface {
	// Activity is a camera's stored activity between from and to; nothing
	// is scanned, so it is cheap enough to draw a screen from.
	Activity(ctx context.Context, camera string, from, to time.Time) (Activity, error)
	// ScanActivity scans the camera's footage between from and to that has
	// no current scan (an analyst asked for it), reporting progress lines.
	ScanActivity(ctx context.Context, camera string, from, to time.Time, progress func(string)) (string, error)
	// Locate is the file holding the frame on screen at at, and that
	// frame's time from the file's first timestamp.
	Locate(ctx context.Context, camera string, at time.Time) (string, time.Duration, error)
}

// Span is a stretch of true time.
type Span struct{ From, To time.Time }

func (s Span) has(t time.Time) bool { return !t.Before(s.From) && t.Before(s.To) }

// Activity is what the store knows of a camera's activity in a range: the
// periods in its scanned footage, and the footage not scanned (there no
// activity is known either way).
type Activity struct {
	Periods   []Span
	Unscanned []Span
}

// CellActivity marks footage in which something moved.
const CellActivity = '◆'

// cellOf is the cell of a strip of cells over [from, to) that t falls in,
// or -1 outside.
func cellOf(t, from, to time.Time, cells int) int {
	if t.Before(from) || !t.Before(to) || cells <= 0 {
		return -1
	}
	return int(float64(t.Sub(from)) / float64(to.Sub(from)) * float64(cells))
}

// spanCells calls fn for each cell of [from, to) in cells that s touches.
func spanCells(s Span, from, to time.Time, cells int, fn func(i int)) {
	if !s.To.After(from) || !s.From.Before(to) || cells <= 0 {
		return
	}
	i0 := max(0, cellOf(maxTime(s.From, from), from, to, cells))
	i1 := cellOf(s.To.Add(-time.Nanosecond), from, to, cells)
	if i1 < 0 {
		i1 = cells - 1
	}
	for i := i0; i <= min(i1, cells-1); i++ {
		fn(i)
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// withActivity draws activity over the footage cells of a strip.
func withActivity(s Strip, act Activity, from, to time.Time) Strip {
	r := []rune(string(s))
	for _, p := range act.Periods {
		spanCells(p, from, to, len(r), func(i int) {
			if r[i] == CellFootage || r[i] == CellExpiring {
				r[i] = CellActivity
			}
		})
	}
	return Strip(r)
}

// activityJob is the job key of a scan of a camera's activity.
func activityJob(camera string) string { return "activity " + camera }

// scanActivity scans a camera's footage in a range, off the UI goroutine,
// with its progress in the status bar; its end redraws the strip and the
// time bar (jobDone).
func (m Model) scanActivity(camera string, from, to time.Time) (Model, tea.Cmd) {
	ops, ctx := m.ops, m.ctx
	return m.longRun(activityJob(camera), m.caseView.detail.Number, func(progress func(string)) (string, error) {
		return ops.ScanActivity(ctx, camera, from, to, progress)
	})
}

// jobDone follows a long action's end: a finished activity scan forgets
// the camera's strip and time bar, so both are read again.
func (m Model) jobDone(job string) (Model, tea.Cmd) {
	camera, ok := strings.CutPrefix(job, activityJob(""))
	if !ok {
		return m, nil
	}
	delete(m.picker.strips, camera)
	if m.frames.bar.camera == camera {
		m.frames.bar, m.frames.barWant = timeBar{}, ""
	}
	switch m.screen {
	case screenCameras:
		return m, m.loadStrips()
	case screenFrames:
		return m, m.loadBar()
	}
	return m, nil
}

// activitySearch is how far the jump keys look for activity.
const activitySearch = 24 * time.Hour

type activityJumpMsg struct {
	camera    string
	dir       int
	target    *time.Time
	unscanned bool // some footage searched has no activity scan
	err       error
}

// jumpActivity moves to the start of the next (dir 1) or previous (-1)
// activity on the camera, reading the stored activity off the UI
// goroutine. A period the cursor is inside is "previous": < goes to its
// start, > past it.
func (m Model) jumpActivity(dir int) (tea.Model, tea.Cmd) {
	cam, at := m.frames.camera, m.frames.at
	ops, ctx := m.ops, m.ctx
	from, to := at.Add(-time.Hour), at.Add(activitySearch)
	if dir < 0 {
		from, to = at.Add(-activitySearch), at.Add(time.Millisecond)
	}
	return m, func() tea.Msg {
		act, err := ops.Activity(ctx, cam, from, to)
		msg := activityJumpMsg{camera: cam, dir: dir, err: err, unscanned: len(act.Unscanned) > 0}
		for _, p := range act.Periods {
			switch {
			case dir > 0 && p.From.After(at) && (msg.target == nil || p.From.Before(*msg.target)):
				t := p.From
				msg.target = &t
			case dir < 0 && p.From.Before(at) && (msg.target == nil || p.From.After(*msg.target)):
				t := p.From
				msg.target = &t
			}
		}
		return msg
	}
}

func (m Model) activityJumped(msg activityJumpMsg) (tea.Model, tea.Cmd) {
	if msg.camera != m.frames.camera {
		return m, nil
	}
	if msg.err != nil {
		return m.sayErr(msg.err), nil
	}
	if msg.target == nil {
		way := map[int]string{1: "after", -1: "before"}[msg.dir]
		text := fmt.Sprintf("no activity found %s the cursor within %s", way, clock.FormatDuration(activitySearch))
		if msg.unscanned {
			text += "; some of that footage is not scanned for activity: m scans the bar's window"
		}
		return m.say(text), nil
	}
	return m.jump(*msg.target)
}

// activityEntry starts an entry at the start of the activity under the
// cursor: its clip is the activity.
func (m Model) activityEntry() (tea.Model, tea.Cmd) {
	p, ok := m.activityAt(m.frames.at)
	if !ok {
		if m.frames.bar.camera != m.frames.camera {
			return m.say("the activity is still being read"), nil
		}
		for _, u := range m.frames.bar.act.Unscanned {
			if !m.frames.at.Before(u.From) && m.frames.at.Before(u.To) {
				return m.say("this footage is not scanned for activity yet: m scans the bar's window"), nil
			}
		}
		return m.say("no activity under the cursor: > and < jump to activity, a adds an entry here"), nil
	}
	f := &m.frames
	f.pending, f.prompt = p, promptActivity
	f.input = newInput("what happens, e.g. a man in a dark jacket enters", max(20, m.width-30))
	// The picture goes to the activity's start: the entry is at that frame.
	focus := f.input.Focus()
	f.at, f.snap = p.From, true
	return m, tea.Batch(focus, m.loadFrame())
}

// activityEntryTimes are the time and clip of an entry for the activity
// p: at the frame shown at its start (an activity's start need not be a
// frame's time), the clip the activity with that frame.
func (m Model) activityEntryTimes(p Span) (at, from, to time.Time) {
	at = p.From
	if fr := m.frames.frame; fr != nil {
		if d := fr.At.Sub(p.From); d > -m.frameInterval() && d < 2*time.Millisecond {
			at = fr.At
		}
	}
	return at, clock.Earlier(p.From, at), clock.Later(p.To, at)
}
