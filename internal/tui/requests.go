package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

type requestsMsg []RequestRow

func (m Model) loadRequests() tea.Cmd {
	return load(func() ([]RequestRow, error) { return m.ops.Requests(m.ctx) }, func(r []RequestRow) tea.Msg { return requestsMsg(r) })
}

func (m Model) updateRequests(msg tea.Msg) (tea.Model, tea.Cmd) {
	r := &m.work.requests
	switch msg := msg.(type) {
	case requestsMsg:
		r.set(msg)
	case tea.KeyPressMsg:
		if moveCursor(msg.String(), &r.cursor, len(r.rows), m.height-8) {
			return m, nil
		}
		switch msg.String() {
		case "esc":
			return m.back(), m.loadCases()
		case "enter", "A":
			if r.cursor >= len(r.rows) {
				return m, nil
			}
			req := r.rows[r.cursor]
			if req.Case != "" {
				// Accepted: its case.
				m = m.push(screenCase)
				m.caseView = caseModel{}
				return m, m.loadCase(req.Case)
			}
			f := newFieldForm(formAccept, fmt.Sprintf("accept %d", req.ID), fmt.Sprintf("Accept request %d: %s", req.ID, req.Title), m.width,
				formField{"Case number", "case", fmt.Sprintf("e.g. 5000-K123456-26; empty: request-%d", req.ID), ""})
			f.id = req.ID
			m, cmd := m.openForm(f)
			return m, cmd
		}
	}
	return m, nil
}

func (m Model) viewRequests() (string, []key) {
	r := m.work.requests
	var b strings.Builder
	b.WriteString(titleStyle.Render("Requests") + "  from investigators; enter accepts one as a case\n\n")
	if !r.loaded {
		return b.String() + "loading …\n", nil
	}
	b.WriteString(dimStyle.Render(fmt.Sprintf("%-4s %-11s %-12s %-16s %s", "#", "filed", "by", "status", "title")) + "\n")
	if len(r.rows) == 0 {
		b.WriteString("no requests filed\n")
	}
	top := scrollTop(r.cursor, len(r.rows), m.height-12)
	for i := top; i < len(r.rows) && i < top+max(1, m.height-12); i++ {
		q := r.rows[i]
		status := q.Status
		if q.Case != "" {
			status = q.Case
		}
		// The title is cut with … here and shown whole under the list.
		title := endCut(q.Title, m.width-47)
		line := fmt.Sprintf("%-4d %-11s %-12s %-16s %s", q.ID, m.show(q.Filed)[5:16], padRight(endCut(q.FiledBy, 12), 12), endCut(status, 16), title)
		if q.Case == "" {
			line = fmt.Sprintf("%-4d %-11s %-12s %s %s", q.ID, m.show(q.Filed)[5:16], padRight(endCut(q.FiledBy, 12), 12), m.riskStyle().Render(padRight(status, 16)), title)
		}
		if i == r.cursor {
			line = selectedStyle.Render(padRight(clip(line, m.width), m.width))
		}
		b.WriteString(line + "\n")
	}
	// The selected request, whole.
	if r.cursor < len(r.rows) {
		q := r.rows[r.cursor]
		b.WriteString("\n")
		text := fmt.Sprintf("incident %s – %s", m.show(q.From)[:16], m.show(q.To)[11:16])
		if lipgloss.Width(q.Title) > m.width-47 {
			text = q.Title + " · " + text
		}
		for _, p := range []string{q.Place, q.Need, q.Suspect} {
			if p != "" {
				text += " · " + p
			}
		}
		for _, l := range wrap(text, m.width, 3) {
			b.WriteString(dimStyle.Render(l) + "\n")
		}
	}
	return b.String(), []key{{"↑↓", "request"}, {"enter", "accept (or open its case)"}}
}
