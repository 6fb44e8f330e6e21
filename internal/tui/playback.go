package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
)

// playback plays the footage at a speed in real time: each tick of the
// frame interval moves the cursor to where the wall clock says it should
// be, and asks for that frame only when the last one has arrived, so a
// slow decode drops frames instead of falling behind.
type playback struct {
	on      bool
	speed   int       // 1, 2, 4 or -1
	from    time.Time // the cursor when play started (or the speed changed)
	started time.Time // the wall clock then
	waiting bool      // a frame asked for has not arrived
	seq     int       // the run of ticks; a new start ends the old one
	dropped int       // ticks that found the last frame still decoding
}

var playSpeeds = []int{1, 2, 4, -1}

// wallClock is the time playback runs by (tests set it).
var wallClock = time.Now

// playTickMsg is a tick of playback: at is when it fired (zero: now).
type playTickMsg struct {
	seq int
	at  time.Time
}

func (m Model) playState() string {
	p := m.frames.play
	s := ""
	if p.on {
		s = fmt.Sprintf("  ▶ %d×", p.speed)
	} else if p.speed != 0 && p.speed != 1 {
		s = fmt.Sprintf("  ‖ %d×", p.speed)
	}
	if z := m.frames.zoom.level; z > 1 {
		s += fmt.Sprintf("  zoom %g×", z)
	}
	return s
}

func (m Model) togglePlay() (tea.Model, tea.Cmd) {
	p := &m.frames.play
	if p.on {
		p.on = false
		// The cursor stops at the frame shown (the next frame asked for,
		// if any, comes in and takes it).
		if fr := m.frames.frame; fr != nil && !p.waiting {
			m.frames.at = fr.At
		}
		return m.say("paused"), nil
	}
	if m.frames.frame == nil {
		return m.say("no picture here to play from"), nil
	}
	if p.speed == 0 {
		p.speed = 1
	}
	p.on, p.from, p.started, p.seq, p.dropped = true, m.shownTime(), wallClock(), p.seq+1, 0
	return m, m.playNext()
}

// nextSpeed cycles 1×, 2×, 4×, −1×; playing goes on at the new speed from
// where it is.
func (m Model) nextSpeed() (tea.Model, tea.Cmd) {
	p := &m.frames.play
	i := 0
	for j, s := range playSpeeds {
		if s == p.speed {
			i = j
		}
	}
	p.speed = playSpeeds[(i+1)%len(playSpeeds)]
	p.from, p.started = m.frames.at, wallClock()
	return m.say(fmt.Sprintf("speed %d×", p.speed)), nil
}

// playNext schedules the next tick on the next multiple of the frame
// interval of the wall clock (none without timers: tests send the ticks):
// a tick scheduled the interval after the last one was handled would drift
// by the handling's time each frame and show fewer frames a second.
func (m Model) playNext() tea.Cmd {
	if !m.timers {
		return nil
	}
	seq := m.frames.play.seq
	return tea.Every(m.frameInterval(), func(t time.Time) tea.Msg { return playTickMsg{seq: seq, at: t} })
}

func (m Model) playTick(msg playTickMsg) (tea.Model, tea.Cmd) {
	p := &m.frames.play
	if !p.on || msg.seq != p.seq {
		return m, nil
	}
	next := m.playNext()
	if p.waiting {
		p.dropped++
		return m, next
	}
	now := msg.at
	if now.IsZero() {
		now = wallClock()
	}
	target := p.from.Add(time.Duration(float64(now.Sub(p.started)) * float64(p.speed)))
	if d := m.frames.at.Sub(target); d < time.Millisecond && d > -time.Millisecond {
		return m, next
	}
	p.waiting = true
	m.frames.at = target
	return m, tea.Batch(m.loadFrame(), next)
}
