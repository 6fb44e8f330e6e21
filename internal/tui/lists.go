package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/klipp-forensics/klipp/internal/clock"
)

// listModel is a loaded list with a cursor.
type listModel[T any] struct {
	rows   []T
	loaded bool
	cursor int
}

func (l *listModel[T]) set(rows []T) {
	l.rows, l.loaded = rows, true
	l.cursor = min(l.cursor, max(0, len(rows)-1))
}

type retentionModel = listModel[RetentionRow]
type archiveModel = listModel[ArchiveRow]

type retentionMsg []RetentionRow
type archiveMsg []ArchiveRow

func (m Model) loadRetention() tea.Cmd {
	return load(func() ([]RetentionRow, error) { return m.ops.Retention(m.ctx) }, func(r []RetentionRow) tea.Msg { return retentionMsg(r) })
}

func (m Model) loadArchive() tea.Cmd {
	return load(func() ([]ArchiveRow, error) { return m.ops.Archive(m.ctx) }, func(r []ArchiveRow) tea.Msg { return archiveMsg(r) })
}

// load fetches rows off the UI goroutine and wraps them in their message.
func load[T any](fetch func() ([]T, error), wrap func([]T) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		rows, err := fetch()
		if err != nil {
			return errMsg{err}
		}
		return wrap(rows)
	}
}

func (m Model) updateRetention(msg tea.Msg) (tea.Model, tea.Cmd) {
	r := &m.ret
	switch msg := msg.(type) {
	case retentionMsg:
		r.set(msg)
	case tea.KeyPressMsg:
		if moveCursor(msg.String(), &r.cursor, len(r.rows), m.height-6) {
			return m, nil
		}
		switch msg.String() {
		case "esc":
			return m.back(), m.loadCases()
		case "P":
			if r.cursor < len(r.rows) {
				number := r.rows[r.cursor].Case
				m.busy = "preserving " + number
				return m, m.actThenReload(func() (string, error) { return m.ops.Preserve(m.ctx, number) }, m.loadRetention())
			}
		}
	}
	return m, nil
}

func (m Model) viewRetention() (string, []key) {
	r := m.ret
	var b strings.Builder
	b.WriteString(titleStyle.Render("Footage at risk") + "  (deleted by the source within 14 days)\n\n")
	if !r.loaded {
		return b.String() + "loading …\n", nil
	}
	b.WriteString(dimStyle.Render(fmt.Sprintf("%-16s %-9s %-18s %-10s %-8s %s", "case", "what", "camera", "left", "state", "unpreserved")) + "\n")
	if len(r.rows) == 0 {
		b.WriteString("nothing requested is at risk\n")
	}
	for i, row := range r.rows {
		left := "-"
		if row.Expires != nil {
			left = clock.FormatDuration(row.Expires.Sub(m.now()).Round(time.Minute))
		}
		line := fmt.Sprintf("%-16s %-9s %-18s %-10s %-8s %d", clip(row.Case, 16), row.What, clip(row.Camera, 18), left, row.State, row.Unpreserved)
		if i == r.cursor {
			line = selectedStyle.Render(padRight(line, m.width))
		}
		b.WriteString(line + "\n")
	}
	return b.String(), []key{{"↑↓", "window"}, {"P", "preserve the case's at-risk footage"}}
}

func (m Model) updateArchive(msg tea.Msg) (tea.Model, tea.Cmd) {
	r := &m.arch
	switch msg := msg.(type) {
	case archiveMsg:
		r.set(msg)
	case tea.KeyPressMsg:
		if moveCursor(msg.String(), &r.cursor, len(r.rows), m.height-6) {
			return m, nil
		}
		switch msg.String() {
		case "esc":
			return m.back(), m.loadCases()
		case "R":
			m.busy = "retrying queued bundles"
			return m, m.actThenReload(func() (string, error) { return m.ops.Retry(m.ctx) }, m.loadArchive())
		}
	}
	return m, nil
}

func (m Model) viewArchive() (string, []key) {
	r := m.arch
	var b strings.Builder
	b.WriteString(titleStyle.Render("Archive") + "  bundles and their state\n\n")
	if !r.loaded {
		return b.String() + "loading …\n", nil
	}
	b.WriteString(dimStyle.Render(fmt.Sprintf("%-44s %-11s %7s  %s", "bundle", "state", "objects", "note")) + "\n")
	if len(r.rows) == 0 {
		b.WriteString("nothing archived yet: press p on a case\n")
	}
	for i, row := range r.rows {
		note := row.Error
		if note != "" && lipgloss.Width(note) > m.width-66 {
			note = "see below"
		}
		line := fmt.Sprintf("%-44s %-11s %7d  %s", midCut(row.Ref, 44), row.State, row.Objects, note)
		if i == r.cursor {
			line = selectedStyle.Render(padRight(clip(line, m.width), m.width))
		}
		b.WriteString(line + "\n")
	}
	// The selected bundle's error, whole.
	if r.cursor < len(r.rows) && r.rows[r.cursor].Error != "" {
		b.WriteString("\n")
		for _, l := range wrap(r.rows[r.cursor].Ref+": "+r.rows[r.cursor].Error, m.width, 3) {
			b.WriteString(m.errStyle().Render(l) + "\n")
		}
	}
	return b.String(), []key{{"↑↓", "bundle"}, {"R", "retry queued"}}
}

// actThenReload runs an action, then a reload of the screen's rows, and
// shows the action's message.
func (m Model) actThenReload(act func() (string, error), reload tea.Cmd) tea.Cmd {
	return func() tea.Msg {
		text, err := act()
		if err != nil {
			return errMsg{err}
		}
		return tea.BatchMsg{reload, func() tea.Msg { return statusMsg(text) }}
	}
}

// moveCursor applies a movement key to a list's cursor and reports whether
// the key was one.
func moveCursor(k string, cursor *int, n, page int) bool {
	switch k {
	case "up", "k":
		*cursor--
	case "down", "j":
		*cursor++
	case "pgup":
		*cursor -= max(1, page)
	case "pgdown":
		*cursor += max(1, page)
	case "home":
		*cursor = 0
	case "end":
		*cursor = n - 1
	default:
		return false
	}
	*cursor = max(0, min(n-1, *cursor))
	return true
}
