package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/klipp-forensics/klipp/internal/clock"
)

// The cases list has a preview pane of the selected case where the
// terminal is wide enough; narrower, the list has the whole width.
const previewMinWidth = 120

func (m Model) previewShown() bool { return m.width >= previewMinWidth }

// paneWidth is the preview pane's width; the list has the rest.
func (m Model) paneWidth() int { return max(40, min(60, m.width*3/8)) }

type previewMsg struct {
	number string
	detail CaseDetail
	err    error
}

// loadPreview reads the selected case for the pane, once per case until
// the list is read again; nil when there is no pane or it is read.
func (m Model) loadPreview() tea.Cmd {
	rows := m.cases.shown()
	if m.screen != screenCases || !m.previewShown() || m.cases.cursor >= len(rows) {
		return nil
	}
	number := rows[m.cases.cursor].Number
	if _, ok := m.work.preview[number]; ok {
		return nil
	}
	ops, ctx := m.ops, m.ctx
	return func() tea.Msg {
		d, err := ops.Case(ctx, number)
		return previewMsg{number: number, detail: d, err: err}
	}
}

func (m Model) gotPreview(msg previewMsg) Model {
	if m.work.preview == nil {
		m.work.preview = map[string]CaseDetail{}
	}
	d := msg.detail
	if msg.err != nil {
		d = CaseDetail{CaseRow: CaseRow{Number: msg.number}, Request: "error: " + firstLine(msg.err.Error())}
	}
	m.work.preview[msg.number] = d
	return m
}

// preview is the selected case in the pane: what was asked, by when, how
// far the work is and what is at risk.
func (m Model) preview(r CaseRow, width, height int) []string {
	lines := []string{titleStyle.Render(clip(r.Number+"  "+m.statusLabel(r.Status), width))}
	add := func(s string, n int) {
		lines = append(lines, wrap(s, width, n)...)
	}
	add(r.Title, 2)
	add("incident "+m.show(r.From)[:16]+" – "+m.show(r.To)[11:16], 1)
	if r.Deadline != nil {
		add("deadline "+m.show(*r.Deadline)[:16], 1)
	}
	if r.Expiry != nil {
		left := r.Expiry.Sub(m.now())
		line := "footage expires " + m.show(*r.Expiry)[:16]
		switch {
		case left < 0:
			lines = append(lines, m.errStyle().Render(clip(line+" (expired)", width)))
		case left < 14*24*time.Hour:
			lines = append(lines, m.riskStyle().Render(clip(line+" (in "+clock.FormatDuration(left.Round(time.Hour))+") !", width)))
		default:
			add(line, 1)
		}
	}
	d, ok := m.work.preview[r.Number]
	if !ok {
		return append(lines, "", dimStyle.Render("loading …"))
	}
	lines = append(lines, "")
	if d.RequestedBy != "" {
		add("requested by "+d.RequestedBy, 1)
	}
	if d.Request != "" {
		add("request: "+d.Request, 3)
	}
	if d.Suspect != "" {
		add("suspect: "+d.Suspect, 2)
	}
	lines = append(lines, "")
	add(fmt.Sprintf("%d timeline entries", len(d.Entries)), 1)
	switch n := len(d.Bundles); {
	case n == 0:
		add("no export yet", 1)
	default:
		add(fmt.Sprintf("%d export(s), newest %s", n, d.Bundles[n-1]), 2)
	}
	if d.Stale {
		lines = append(lines, m.riskStyle().Render(clip("! the timeline changed after it", width)))
	}
	if d.ArchiveState != "" {
		add("archive: "+d.ArchiveState, 2)
	} else if len(d.Bundles) > 0 {
		add("archive: not pushed", 1)
	}
	if len(lines) > height {
		lines = lines[:height]
	}
	return lines
}

// besidePane puts the pane's lines to the right of the list's, the list
// cut or padded to its width.
func besidePane(list, pane []string, listWidth int) []string {
	n := max(len(list), len(pane))
	out := make([]string, n)
	for i := range n {
		l, p := "", ""
		if i < len(list) {
			l = clip(list[i], listWidth)
		}
		if i < len(pane) {
			p = pane[i]
		}
		out[i] = l + strings.Repeat(" ", max(0, listWidth-lipgloss.Width(l))) + dimStyle.Render(" │ ") + p
	}
	return out
}
