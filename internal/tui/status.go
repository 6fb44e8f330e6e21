package tui

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/klipp-forensics/klipp/internal/clock"
)

// A message fades: information after noteFade, an error after errFade.
const (
	noteFade = 10 * time.Second
	errFade  = 30 * time.Second
)

// note is a message shown under a screen's body; it belongs to the screen
// it was shown on.
type note struct {
	text   string
	err    bool
	ask    bool // a question waiting for its answer: it does not fade
	screen screen
	at     time.Time
}

func (m Model) say(text string) Model {
	m.note = note{text: text, screen: m.screen, at: m.now()}
	return m
}

// ask shows a question (y to confirm); it stays until it is answered, as
// the keys that answer it do.
func (m Model) ask(text string) Model {
	m.note = note{text: text, ask: true, screen: m.screen, at: m.now()}
	return m
}

// sayErr shows an error; an action already running is said as such, not
// as a failure.
func (m Model) sayErr(err error) Model {
	var running *RunningError
	if errors.As(err, &running) {
		m.note = note{text: running.Error(), screen: m.screen, at: m.now()}
		return m
	}
	m.note = note{text: "error: " + firstLine(err.Error()), err: true, screen: m.screen, at: m.now()}
	return m
}

// shownNote is the message if it belongs to this screen and has not faded.
func (m Model) shownNote() string {
	n := m.note
	if n.text == "" || n.screen != m.screen {
		return ""
	}
	fade := noteFade
	if n.err {
		fade = errFade
	}
	if !n.ask && m.now().Sub(n.at) >= fade {
		return ""
	}
	return n.text
}

type tickMsg time.Time

// heartbeat redraws the screen (messages fade) and polls the jobs.
func heartbeat() tea.Cmd {
	return tea.Tick(2*time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

type jobsMsg []JobRow

func (m Model) pollJobs(tickMsg) tea.Cmd {
	if m.ops == nil {
		return nil
	}
	return func() tea.Msg {
		jobs, err := m.ops.Jobs(m.ctx)
		if err != nil {
			return nil // the bar keeps what it showed
		}
		return jobsMsg(jobs)
	}
}

// bar is the line under the message: where you are, and what is running.
func (m Model) bar() string {
	crumbs := []string{"klipp"}
	for _, s := range append(append([]screen{}, m.stack...), m.screen) {
		switch s {
		case screenCases:
		case screenCase:
			crumbs = append(crumbs, m.caseView.detail.Number)
		case screenFrames:
			crumbs = append(crumbs, m.frames.cameraName)
		case screenForm:
			crumbs = append(crumbs, m.work.form.crumb)
		default:
			crumbs = append(crumbs, screens[s].name)
		}
	}
	left := strings.Join(crumbs, " › ")
	var run []string
	keys := make([]string, 0, len(m.running))
	for k := range m.running {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		part := k
		if line := strings.TrimPrefix(m.running[k], k+": "); line != "" {
			part += ": " + line
		}
		run = append(run, part)
	}
	for _, j := range m.jobs {
		part := fmt.Sprintf("#%d %s %s %s", j.ID, j.Kind, j.Case, j.State)
		if j.Total > 0 {
			part = fmt.Sprintf("#%d %s %s %d%%", j.ID, j.Kind, j.Case, j.Done*100/j.Total)
			if j.Started != nil && j.Done > 0 && j.Done < j.Total {
				el := m.now().Sub(*j.Started)
				left := time.Duration(float64(el) * float64(j.Total-j.Done) / float64(j.Done))
				part += ", " + clock.FormatDuration(left.Round(time.Second)) + " left"
			}
		}
		run = append(run, part)
	}
	if len(run) == 0 {
		return dimStyle.Render(clip(left, m.width))
	}
	right := "running: " + strings.Join(run, " · ")
	lw := lipgloss.Width(left)
	if lw+3+lipgloss.Width(right) > m.width {
		left = clip(left, max(0, m.width/3))
		lw = lipgloss.Width(left)
	}
	right = endCut(right, max(0, m.width-lw-3))
	return dimStyle.Render(left) + strings.Repeat(" ", max(3, m.width-lw-lipgloss.Width(right))) + m.busyStyle().Render(right)
}

// wrap breaks s into lines of at most width cells, at spaces where it can,
// keeping at most n lines (the last one cut with …).
func wrap(s string, width, n int) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			for lipgloss.Width(w) > width {
				r := []rune(w)
				lines = append(lines, strings.TrimSpace(line+" "+string(r[:width-lipgloss.Width(line)-1])))
				line, w = "", string(r[width-lipgloss.Width(line)-1:])
			}
			switch {
			case line == "":
				line = w
			case lipgloss.Width(line)+1+lipgloss.Width(w) <= width:
				line += " " + w
			default:
				lines = append(lines, line)
				line = w
			}
		}
		lines = append(lines, line)
	}
	if len(lines) > n {
		lines = lines[:n]
		last := []rune(lines[n-1])
		if len(last) >= width {
			last = last[:width-1]
		}
		lines[n-1] = string(last) + "…"
	}
	return lines
}

// itemLines joins items two spaces apart into lines of at most width
// cells, breaking only between items (an item wider than width is cut).
func itemLines(items []string, width int) []string {
	var lines []string
	line := ""
	for _, it := range items {
		switch {
		case line == "":
			line = it
		case lipgloss.Width(line)+2+lipgloss.Width(it) <= width:
			line += "  " + it
		default:
			lines = append(lines, clip(line, width))
			line = it
		}
	}
	return append(lines, clip(line, width))
}

// endCut shortens plain text to width cells by cutting its end with ….
func endCut(s string, width int) string {
	if lipgloss.Width(s) <= width {
		return s
	}
	if width < 1 {
		return ""
	}
	var b strings.Builder
	w := 0
	for _, r := range s {
		rw := lipgloss.Width(string(r))
		if w+rw > width-1 {
			break
		}
		b.WriteRune(r)
		w += rw
	}
	return b.String() + "…"
}

// pathCut shortens a line to width cells: a path in it (from " /") loses
// its middle, the text before it stays; without one, its end goes.
func pathCut(line string, width int) string {
	i := strings.Index(line, " /")
	if i < 0 || lipgloss.Width(line) <= width {
		return endCut(line, width)
	}
	head := line[:i+1]
	return head + midCut(line[i+1:], max(5, width-lipgloss.Width(head)))
}

// midCut shortens a path to width cells by cutting its middle with …,
// keeping its start and its file name.
func midCut(s string, width int) string {
	r := []rune(s)
	if len(r) <= width || width < 5 {
		return s
	}
	tail := (width - 1) * 2 / 3
	head := width - 1 - tail
	return string(r[:head]) + "…" + string(r[len(r)-tail:])
}

// DetectColour reports whether state may be drawn in colour: not when
// NO_COLOR is set (https://no-color.org).
func DetectColour(getenv func(string) string) bool { return getenv("NO_COLOR") == "" }

// State styles: colour when allowed, else bold (the text says the state).
func (m Model) errStyle() lipgloss.Style {
	if m.colour {
		return lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("1"))
	}
	return warnStyle
}

func (m Model) riskStyle() lipgloss.Style {
	if m.colour {
		return lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("3"))
	}
	return warnStyle
}

func (m Model) busyStyle() lipgloss.Style {
	if m.colour {
		return lipgloss.NewStyle().Foreground(lipgloss.Color("6"))
	}
	return lipgloss.NewStyle()
}

func (m Model) okStyle() lipgloss.Style {
	if m.colour {
		return lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	}
	return lipgloss.NewStyle()
}

// percent finds a progress line's percentage.
var percent = regexp.MustCompile(`\d+(\.\d+)?%`)

// sameStep reports whether two progress lines are one step at two
// percentages ("sheet 03.png 63%", "sheet 03.png 72%"): the later one
// takes the earlier one's place.
func sameStep(a, b string) bool {
	i, j := percent.FindStringIndex(a), percent.FindStringIndex(b)
	return i != nil && j != nil && a[:i[0]] == b[:j[0]]
}

// fitPaths shortens the paths in a message (words with a "/" in them)
// in their middle, longest first, until it fits in room cells or no path
// is longer than 24: the words around them say what happened and stay.
func fitPaths(text string, room int) string {
	words := strings.Split(text, " ")
	for lipgloss.Width(strings.Join(words, " ")) > room {
		longest := -1
		for i, w := range words {
			if strings.Contains(w, "/") && lipgloss.Width(w) > 24 && (longest < 0 || lipgloss.Width(w) > lipgloss.Width(words[longest])) {
				longest = i
			}
		}
		if longest < 0 {
			break
		}
		w := words[longest]
		over := lipgloss.Width(strings.Join(words, " ")) - room
		words[longest] = midCut(w, max(24, lipgloss.Width(w)-over))
	}
	return strings.Join(words, " ")
}
