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
	all := m.work.retAll
	return load(func() ([]RetentionRow, error) { return m.ops.RetentionOf(m.ctx, all) }, func(r []RetentionRow) tea.Msg { return retentionMsg(r) })
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
		if moveCursor(msg.String(), &r.cursor, len(r.rows), m.retentionRows()) {
			return m, nil
		}
		switch msg.String() {
		case "esc":
			return m.back(), m.loadCases()
		case "A":
			m.work.retAll = !m.work.retAll
			m.ret.loaded = false
			return m, m.loadRetention()
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

// retentionRows and archiveRows are how many rows their screens show
// (the archive's leaves room for the selected bundle's error).
func (m Model) retentionRows() int { return max(1, m.height-7) }
func (m Model) archiveRows() int   { return max(1, m.height-11) }

func (m Model) viewRetention() (string, []key) {
	r := m.ret
	var b strings.Builder
	if m.work.retAll {
		b.WriteString(titleStyle.Render("Requested footage") + "  every window (A: only those at risk)\n\n")
	} else {
		b.WriteString(titleStyle.Render("Footage at risk") + "  (deleted by the source within 14 days; A: every window)\n\n")
	}
	if !r.loaded {
		return b.String() + "loading …\n", nil
	}
	// 80 columns: case 16, what 9, camera 18, left 9, state 12, unpreserved.
	b.WriteString(dimStyle.Render(fmt.Sprintf("%-16s %-9s %-18s %-9s %-12s %s", "case", "what", "camera", "left", "state", "unpreserved")) + "\n")
	if len(r.rows) == 0 {
		b.WriteString("nothing requested is at risk\n")
	}
	top := scrollTop(r.cursor, len(r.rows), m.retentionRows())
	for i := top; i < len(r.rows) && i < top+m.retentionRows(); i++ {
		row := r.rows[i]
		left := "-"
		if row.Expires != nil {
			left = clock.FormatDuration(row.Expires.Sub(m.now()).Round(time.Minute))
		}
		line := fmt.Sprintf("%-16s %-9s %s %-9s %s %d", endCut(row.Case, 16), row.What, padRight(endCut(row.Camera, 18), 18), left,
			m.retentionStyle(row.State).Render(padRight(row.State, 12)), row.Unpreserved)
		if i == r.cursor {
			line = selectedStyle.Render(padRight(line, m.width))
		}
		b.WriteString(line + "\n")
	}
	return b.String(), []key{{"↑↓", "window"}, {"P", "preserve the case's at-risk footage"}, {"A", map[bool]string{false: "every window", true: "only at risk"}[m.work.retAll]}}
}

func (m Model) updateArchive(msg tea.Msg) (tea.Model, tea.Cmd) {
	r := &m.arch
	switch msg := msg.(type) {
	case archiveMsg:
		r.set(msg)
	case verifiedMsg:
		for i := range r.rows {
			if r.rows[i].Ref == msg.ref {
				at := msg.at
				r.rows[i].VerifiedAt, r.rows[i].VerifiedOK = &at, msg.ok
			}
		}
	case tea.KeyPressMsg:
		k := msg.String()
		if c := m.work.confirm; c != nil {
			m.work.confirm = nil
			m.note = note{} // the question is answered
			if k != "y" {
				return m.say("legal hold unchanged on " + c.ref), nil
			}
			m.busy = map[bool]string{true: "placing a legal hold on ", false: "releasing the legal hold on "}[c.on] + c.ref
			ref, on := c.ref, c.on
			return m, m.actThenReload(func() (string, error) { return m.ops.SetHold(m.ctx, ref, on) }, m.loadArchive())
		}
		if moveCursor(k, &r.cursor, len(r.rows), m.archiveRows()) {
			return m, nil
		}
		if r.cursor >= len(r.rows) && k != "esc" && k != "R" {
			return m, nil
		}
		switch k {
		case "esc":
			return m.back(), m.loadCases()
		case "R":
			m.busy = "retrying queued bundles"
			return m, m.actThenReload(func() (string, error) { return m.ops.Retry(m.ctx) }, m.loadArchive())
		case "v":
			ref := r.rows[r.cursor].Ref
			m.busy = "verifying " + ref + " (every object is read again)"
			ops, ctx, now := m.ops, m.ctx, m.now
			return m, func() tea.Msg {
				text, err := ops.VerifyArchived(ctx, ref)
				said := func() tea.Msg { return statusMsg(text) }
				if err != nil {
					said = func() tea.Msg { return errMsg{err} }
				}
				// The message (and the end of busy) arrives on any screen.
				v := verifiedMsg{ref: ref, at: now(), ok: err == nil}
				return tea.BatchMsg{func() tea.Msg { return v }, said}
			}
		case "h":
			row := r.rows[r.cursor]
			m.work.confirm = &holdConfirm{ref: row.Ref, on: !row.Hold}
			if row.Hold {
				return m.ask("release the legal hold on " + row.Ref + "? Its objects can then be deleted when their lock ends: y to confirm"), nil
			}
			return m.ask("place a legal hold on " + row.Ref + "? Nothing of it can be deleted until it is released: y to confirm"), nil
		}
	}
	return m, nil
}

// holdConfirm is a legal hold to place (on) or release, waiting for y.
type holdConfirm struct {
	ref string
	on  bool
}

// verifiedMsg is the result of verifying an archived bundle here.
type verifiedMsg struct {
	ref string
	at  time.Time
	ok  bool
}

func (m Model) viewArchive() (string, []key) {
	r := m.arch
	var b strings.Builder
	b.WriteString(titleStyle.Render("Archive") + "  bundles, their lock, hold and verification\n\n")
	if !r.loaded {
		return b.String() + "loading …\n", nil
	}
	wide := m.width >= 120
	refW, dateLen := 32, 10 // a case number and an export id whole at 80 columns
	if wide {
		refW, dateLen = 44, 16
	}
	row := func(ref, state, size, until, hold, verify string) string {
		return fmt.Sprintf("%s %s %7s %s %s %s", padRight(ref, refW), padRight(state, 10), size, padRight(until, dateLen), padRight(hold, 4), verify)
	}
	b.WriteString(dimStyle.Render(row("bundle", "state", "size", "locked to", "hold", "verified")) + "\n")
	if len(r.rows) == 0 {
		b.WriteString("nothing archived yet: press p on a case\n")
	}
	top := scrollTop(r.cursor, len(r.rows), m.archiveRows())
	for i := top; i < len(r.rows) && i < top+m.archiveRows(); i++ {
		a := r.rows[i]
		until, hold, size := "-", "", "-"
		if a.RetainUntil != nil {
			until = m.show(*a.RetainUntil)[:dateLen]
		}
		if a.Hold {
			hold = "hold"
		}
		if a.Bytes > 0 {
			size = fmt.Sprintf("%.1f MB", float64(a.Bytes)/1e6)
		}
		verify := ""
		if a.VerifiedAt != nil {
			// The last verification (the audit log's): its date, and its
			// time on a wide terminal.
			when := m.show(*a.VerifiedAt)[5:10]
			if wide {
				when = m.show(*a.VerifiedAt)[5:16]
			}
			verify = "FAILED " + when
			if a.VerifiedOK {
				verify = "ok " + when
			}
		}
		if verify == "" {
			verify = map[bool]string{true: "at push", false: "-"}[a.State == "archived"]
		}
		state := a.State
		if a.Error != "" && i != r.cursor {
			state += " !"
		}
		style := m.archiveStyle(a.State)
		if strings.HasPrefix(verify, "FAILED") {
			style = m.errStyle()
		}
		line := row(midCut(a.Ref, refW), style.Render(padRight(state, 10)), size, until, hold, verify)
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
	if c := m.work.confirm; c != nil {
		return b.String(), []key{{"y", map[bool]string{true: "place the hold", false: "release the hold"}[c.on]}, {"any other key", "leave it"}}
	}
	return b.String(), []key{{"↑↓", "bundle"}, {"v", "verify"}, {"h", "hold / release"}, {"R", "retry queued"}}
}

// retentionStyle colours a window's state: expired as an error, at risk
// as a warning, preserved as done.
func (m Model) retentionStyle(state string) lipgloss.Style {
	switch state {
	case "expired":
		return m.errStyle()
	case "at-risk":
		return m.riskStyle()
	case "preserved":
		return m.okStyle()
	}
	return lipgloss.NewStyle()
}

// archiveStyle colours a bundle's state: failed as an error, not (yet)
// safely archived as a warning.
func (m Model) archiveStyle(state string) lipgloss.Style {
	switch state {
	case "failed", "incomplete":
		return m.errStyle()
	case "queued", "uploading", "archived?", "deleting":
		return m.riskStyle()
	case "archived":
		return m.okStyle()
	}
	return lipgloss.NewStyle()
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
