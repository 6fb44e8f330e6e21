package tui

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/clock"
)

// caseWorkState is the UI's state for a case's work beyond the timeline's
// text: the open form, the status being chosen, the requests, the archive's
// verify results and hold confirmation, retention's all toggle and the
// cases list's preview.
type caseWorkState struct {
	form     fieldForm
	status   statusPrompt
	requests listModel[RequestRow]
	retAll   bool         // retention lists every window
	confirm  *holdConfirm // a hold or release waiting for y
	preview  map[string]CaseDetail
}

// statusPrompt is the status being chosen: choosing waits for a digit,
// back for y to move the case back (reopen).
type statusPrompt struct {
	choosing bool
	back     casefile.Status
}

// statusNames are the statuses the prompt offers, in order.
func statusNames() []string { return casefile.StatusLabels() }

func statusRank(s string) int {
	for i, n := range statusNames() {
		if n == s {
			return i
		}
	}
	return -1
}

// caseWorkKey handles the case view's keys for status, the case's fields
// and an entry's times and tags; ok is false for other keys.
func (m Model) caseWorkKey(k string) (Model, tea.Cmd, bool) {
	c, st := &m.caseView, &m.work.status
	d := c.detail
	switch {
	case st.back != "":
		target := st.back
		st.back = ""
		m.note = note{} // the question is answered
		if k != "y" {
			return m.say("status kept: " + d.Status), nil, true
		}
		return m, m.setStatus(d.Number, string(target), true, d.Version), true
	case st.choosing:
		st.choosing = false
		names := statusNames()
		i := -1
		if len(k) == 1 && k[0] >= '1' && k[0] <= '9' {
			i = int(k[0] - '1')
		}
		if i < 0 || i >= len(names) {
			return m.say("status kept: " + d.Status), nil, true
		}
		switch cur := statusRank(d.Status); {
		case i == cur:
			return m.say("the case is " + d.Status + " already"), nil, true
		case i < cur:
			st.back = casefile.Status(names[i])
			return m.ask(fmt.Sprintf("move case %s back from %s to %s? That reopens it: y to confirm", d.Number, d.Status, names[i])), nil, true
		}
		outdated := ""
		switch {
		case len(d.Bundles) == 0:
			outdated = "no export of case " + d.Number + " yet"
		case d.Stale:
			outdated = fmt.Sprintf("the timeline changed after the newest export (%s)", lastBundle(d))
		}
		switch {
		case names[i] == string(casefile.StatusArchived):
			// Archived, the timeline no longer changes: always asked.
			q := "set case " + d.Number + " archived? Its timeline no longer changes"
			if outdated != "" {
				q = outdated + ": " + q
			}
			c.confirm, c.confirmTo = statusAnyway, names[i]
			return m.ask(q + ": y to confirm, x exports first"), nil, true
		case names[i] == string(casefile.StatusDelivered) && outdated != "":
			c.confirm, c.confirmTo = statusAnyway, names[i]
			return m.ask(outdated + ": set it delivered anyway? y to confirm, x exports first"), nil, true
		}
		return m, m.setStatus(d.Number, names[i], false, d.Version), true
	}
	switch k {
	case "s":
		st.choosing = true
		return m, nil, true
	case "E":
		m, cmd := m.openForm(m.caseForm(d))
		return m, cmd, true
	case "t":
		if mm, ok := m.locked(); ok {
			return mm, nil, true
		}
		if e, ok := m.currentEntry(); ok {
			m, cmd := m.openForm(m.entryForm(d.Number, e))
			return m, cmd, true
		}
	}
	return m, nil, false
}

// statusLine is the status prompt under the case's header, "" when none.
func (m Model) statusLine() string {
	if !m.work.status.choosing {
		return ""
	}
	var parts []string
	for i, n := range statusNames() {
		parts = append(parts, fmt.Sprintf("%d %s", i+1, n))
	}
	return "set status: " + strings.Join(parts, " · ") + " (esc keeps " + m.caseView.detail.Status + ")"
}

func (m Model) setStatus(number, status string, reopen bool, version int64) tea.Cmd {
	ops, ctx := m.ops, m.ctx
	return func() tea.Msg {
		if err := ops.SetStatus(ctx, number, status, reopen, version); err != nil {
			// The case is shown again as it is now, with the error.
			return tea.BatchMsg{func() tea.Msg { return errMsg{err} }, m.loadCase(number)}
		}
		return doneMsg{text: "case " + number + " is " + status + " now", number: number}
	}
}

// caseForm is the case's fields as the new-case form names them.
func (m Model) caseForm(d CaseDetail) fieldForm {
	dl := ""
	if d.Deadline != nil {
		dl = m.show(*d.Deadline)
	}
	f := newFieldForm(formEditCase, "edit case", "Edit case "+d.Number, m.width,
		formField{"Title", "title", "e.g. Rån, Södergatan", d.Title},
		formField{"Crime type", "crime", "e.g. rån", d.Crime},
		formField{"Place", "place", "e.g. Södergatan 2, Malmö", d.Place},
		formField{"Position", "position", "LAT,LON, e.g. 55.6036,13.0021", d.Position},
		formField{"Incident from", "from", "e.g. 2026-11-20 22:00", m.show(d.From)},
		formField{"Incident to", "to", "e.g. 2026-11-20 23:00 or 23:00", m.show(d.To)},
		formField{"Requested by", "requested-by", "e.g. Insp. Berg", d.RequestedBy},
		formField{"Request", "request", "what is asked for", d.Request},
		formField{"Suspect", "suspect", "description", d.Suspect},
		formField{"Deadline", "deadline", "e.g. 2026-11-27 12:00", dl},
	)
	f.number, f.version, f.date = d.Number, d.Version, d.From
	return f
}

// entryForm is an entry's time, clip range and tags.
func (m Model) entryForm(number string, e Entry) fieldForm {
	f := newFieldForm(formEntry, fmt.Sprintf("entry %d", e.Number), fmt.Sprintf("Entry %d of %s on %s: time, clip and tags", e.Number, number, e.CameraName), m.width,
		formField{"Time", "at", "true time, e.g. 22:14:05.200", m.showMs(e.At)},
		formField{"Clip from", "from", "e.g. 22:14:00", m.showMs(e.From)},
		formField{"Clip to", "to", "e.g. 22:14:15", m.showMs(e.To)},
		formField{"Tags", "tags", tagsHint, strings.Join(e.Tags, ",")},
	)
	f.number, f.id, f.version, f.date, f.stills, f.camera = number, e.ID, e.Version, e.At, e.Stills, e.Camera
	f.note = "A time of day alone is on " + e.At.In(m.zone).Format("2006-01-02") + ". Tags: " + tagsHint + "."
	return f
}

// submitForm saves a form through its service call.
func (m Model) submitForm(f fieldForm) tea.Cmd {
	ops, ctx, zone := m.ops, m.ctx, m.zone
	return func() tea.Msg {
		switch f.kind {
		case formEditCase:
			fields := f.changed()
			if len(fields) == 0 {
				return formDoneMsg{text: "nothing changed", number: f.number}
			}
			if to, ok := fields["to"]; ok {
				// A time of day alone is on the (new) start's date.
				from := f.date
				if t, err := clock.ParseTime(f.value("from"), zone); err == nil {
					from = t
				}
				fields["to"] = onDate(to, from, zone)
			}
			if err := ops.EditCase(ctx, f.number, CaseEdit{Version: f.version, Fields: fields}); err != nil {
				return fieldErrMsg{err}
			}
			return formDoneMsg{text: "case " + f.number + " saved", number: f.number}
		case formEntry:
			var tags []string
			for _, t := range strings.Split(f.value("tags"), ",") {
				if t = strings.TrimSpace(t); t != "" {
					tags = append(tags, t)
				}
			}
			times := f.changed()
			delete(times, "tags")
			warn, err := ops.EditEntryTimes(ctx, f.number, f.id, EntryEdit{Version: f.version, Times: times, Tags: tags, Date: f.date, Camera: f.camera})
			if err != nil {
				return fieldErrMsg{err}
			}
			if warn != "" {
				return formDoneMsg{text: "entry saved; " + warn, number: f.number, warn: true}
			}
			return formDoneMsg{text: "entry saved", number: f.number}
		case formAccept:
			number, err := ops.AcceptRequest(ctx, f.id, f.value("case"))
			if err != nil {
				return fieldErrMsg{err}
			}
			return formDoneMsg{text: fmt.Sprintf("request %d accepted as case %s", f.id, number), number: number, openCase: true}
		case formClock:
			text, err := ops.AddClock(ctx, f.camera, f.date, f.value("shows"), f.value("note"))
			if err != nil {
				return fieldErrMsg{err}
			}
			return formDoneMsg{text: text}
		}
		return fieldErrMsg{errors.New("unknown form")}
	}
}
