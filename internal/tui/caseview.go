package tui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/fault"
)

type caseModel struct {
	detail  CaseDetail
	loaded  bool
	cursor  int
	editing bool
	input   textinput.Model
	// The entry whose text is edited, and its version when shown: an
	// edit based on an older one is refused.
	editID, editVersion int64
	deleting            bool
	// confirm is an action that waits for y: archiving an export older
	// than the timeline, or delivering a case without a current export.
	confirm   caseAction
	confirmTo string   // statusAnyway: the status asked for
	log       []string // export / archive progress
}

type caseAction int

const (
	noAction caseAction = iota
	archiveAnyway
	statusAnyway // delivered or archived without a current export; archived locks the timeline
)

type caseMsg CaseDetail

// entryTextStaleMsg: an entry's text edit was refused because the entry
// changed after it was shown; version is its version now.
type entryTextStaleMsg struct {
	id, version int64
	msg         string
	meanwhile   string // who changed it and when
}

func (m Model) loadCase(number string) tea.Cmd {
	return func() tea.Msg {
		d, err := m.ops.Case(m.ctx, number)
		if err != nil {
			return errMsg{err}
		}
		return caseMsg(d)
	}
}

// progressMsg is a line of progress from a running export or push.
type progressMsg struct{ job, number, line string }

// doneMsg ends an action with its result; job names a long one.
type doneMsg struct{ text, number, job string }

// jobErrMsg ends a long action with its error.
type jobErrMsg struct {
	job string
	err error
}

func (m Model) currentEntry() (Entry, bool) {
	e := m.caseView.detail.Entries
	if m.caseView.cursor < len(e) {
		return e[m.caseView.cursor], true
	}
	return Entry{}, false
}

// longRun runs an action that reports progress lines, delivering them to
// the program as messages. One action per job key runs at a time: a second
// start says the first is running and starts nothing.
func (m Model) longRun(job, number string, run func(progress func(string)) (string, error)) (Model, tea.Cmd) {
	if _, ok := m.running[job]; ok {
		return m.say(job + " is running: its progress is below; wait for it to finish"), nil
	}
	for _, j := range m.jobs {
		if j.Case == number && strings.HasPrefix(job, j.Kind+" ") {
			return m.say(fmt.Sprintf("%s is running as job #%d (%s): wait for it to finish", job, j.ID, j.Who)), nil
		}
	}
	if m.running == nil {
		m.running = map[string]string{}
	}
	m.running[job] = ""
	ch := make(chan tea.Msg, 64)
	go func() {
		text, err := run(func(line string) {
			select {
			case ch <- progressMsg{job: job, number: number, line: line}:
			default: // the UI is behind: drop a progress line, never block the work
			}
		})
		if err != nil {
			ch <- jobErrMsg{job: job, err: err}
		} else {
			ch <- doneMsg{text: text, number: number, job: job}
		}
		close(ch)
	}()
	return m, waitFor(ch)
}

// waitFor delivers the next message of a channel, then waits again.
func waitFor(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return chained{msg, ch}
	}
}

type chained struct {
	msg tea.Msg
	ch  chan tea.Msg
}

func (m Model) updateCase(msg tea.Msg) (tea.Model, tea.Cmd) {
	c := &m.caseView
	switch msg := msg.(type) {
	case caseMsg:
		return m.caseLoaded(CaseDetail(msg)), nil
	case entryTextStaleMsg:
		if m.screen != screenCase || msg.id != c.editID {
			return m.sayErr(errors.New(msg.msg)), nil
		}
		// What was typed is kept; a second enter saves it over the other
		// change, knowingly.
		c.editing, c.editVersion = true, msg.version
		// What to do first: at 80 columns the rest may be cut.
		// Who and when, then what to do: the service's own sentence
		// numbers entries by id, not as this list does.
		m.note = note{text: msg.meanwhile + "; your text is kept: enter saves it over that change, esc drops it",
			err: true, screen: m.screen, at: m.now()}
		// The list shows the other change.
		return m, tea.Batch(c.input.Focus(), m.loadCase(c.detail.Number))
	case tea.KeyPressMsg:
		k := msg.String()
		if c.editing {
			switch k {
			case "esc":
				// Cancelled: the draft goes, and the entry is shown as
				// it is now.
				c.editing = false
				m.ops.SaveDraft(draftEdit, nil)
				return m.say("edit cancelled"), m.loadCase(c.detail.Number)
			case "enter":
				c.editing = false
				e, ok := m.currentEntry()
				if !ok || e.ID != c.editID {
					return m, nil
				}
				text, number, version := c.input.Value(), c.detail.Number, c.editVersion
				return m, func() tea.Msg {
					if err := m.ops.EditEntry(m.ctx, number, e.ID, version, text); err != nil {
						var se *StaleError
						if errors.As(err, &se) {
							return entryTextStaleMsg{id: e.ID, version: se.Version, msg: se.Msg, meanwhile: se.meanwhile(m.zone)}
						}
						if fault.KindOf(err) == fault.NotFound {
							// Removed meanwhile: the text has nowhere to go.
							m.ops.SaveDraft(draftEdit, nil)
						}
						// The case is shown as it is now, with the error.
						return tea.BatchMsg{func() tea.Msg { return errMsg{err} }, m.loadCase(number)}
					}
					m.ops.SaveDraft(draftEdit, nil)
					return doneMsg{text: fmt.Sprintf("entry %d saved", e.Number), number: number}
				}
			}
			var cmd tea.Cmd
			c.input, cmd = c.input.Update(msg)
			if e, ok := m.currentEntry(); ok {
				// With the version the text is based on: restored after a
				// crash, it cannot overwrite a later change unasked.
				m.ops.SaveDraft(draftEdit, []string{c.detail.Number, fmt.Sprint(e.ID), c.input.Value(), fmt.Sprint(c.editVersion)})
			}
			return m, cmd
		}
		if c.deleting {
			c.deleting = false
			m.note = note{} // the question is answered
			e, ok := m.currentEntry()
			if k != "y" || !ok {
				m = m.say("not deleted")
				return m, nil
			}
			number := c.detail.Number
			return m, func() tea.Msg {
				if err := m.ops.RemoveEntry(m.ctx, number, e.ID); err != nil {
					return errMsg{err}
				}
				return doneMsg{text: fmt.Sprintf("entry %d deleted", e.Number), number: number}
			}
		}
		if c.confirm != noAction {
			// y does it; x exports instead (below); any other key leaves it.
			what := c.confirm
			c.confirm = noAction
			m.note = note{} // the question is answered
			switch {
			case k == "y" && what == archiveAnyway:
				return m.archiveCase(c.detail.Number)
			case k == "y":
				return m, m.setStatus(c.detail.Number, c.confirmTo, false, c.detail.Version)
			case k != "x":
				return m.say(map[caseAction]string{archiveAnyway: "not archived", statusAnyway: "status kept: " + c.detail.Status}[what]), nil
			}
			// x: the export below, then what was asked.
			if m.afterExport == nil {
				m.afterExport = map[string]afterExport{}
			}
			m.afterExport[c.detail.Number] = afterExport{number: c.detail.Number, action: what, status: c.confirmTo, version: c.detail.Version}
		}
		if mm, cmd, ok := m.caseWorkKey(k); ok {
			return mm, cmd
		}
		if moveCursor(k, &c.cursor, len(c.detail.Entries), m.entryRows()) {
			return m, nil
		}
		switch k {
		case "esc":
			return m.back(), m.loadCases()
		case "c":
			m = m.push(screenCameras)
			m.picker = pickerModel{speed: "walk"}
			return m, m.loadCameras()
		case "enter":
			if e, ok := m.currentEntry(); ok {
				m = m.push(screenFrames)
				m.frames = framesModel{camera: e.Camera, cameraName: e.CameraName, at: e.At, seq: m.frames.seq}
				cmd := m.loadFrame()
				if m.picker.speed == "" || len(m.picker.all) == 0 {
					// n/p step through the cameras by distance: load them.
					m.picker = pickerModel{speed: "walk"}
					return m, tea.Batch(cmd, m.loadCameras())
				}
				return m, cmd
			}
		case "e":
			if mm, ok := m.locked(); ok {
				return mm, nil
			}
			if e, ok := m.currentEntry(); ok {
				c.editing, c.editID, c.editVersion = true, e.ID, e.Version
				c.input = newInput("", max(20, m.width-20))
				c.input.SetValue(e.Text)
				if d := m.ops.Draft(draftEdit); len(d) == 4 && d[0] == c.detail.Number && d[1] == fmt.Sprint(e.ID) {
					c.input.SetValue(d[2])
					if v, err := strconv.ParseInt(d[3], 10, 64); err == nil {
						c.editVersion = v // a newer entry refuses it: "changed meanwhile"
					}
					m = m.say("restored the text you were typing")
				}
				return m, c.input.Focus()
			}
		case "d":
			if mm, ok := m.locked(); ok {
				return mm, nil
			}
			if e, ok := m.currentEntry(); ok {
				c.deleting = true
				m = m.ask(fmt.Sprintf("delete entry %d (%s)? y to confirm", e.Number, e.Text))
			}
		case "x":
			number := c.detail.Number
			if _, ok := m.running["export "+number]; !ok {
				c.log = finished(c.log, "export "+number)
			}
			ops, ctx := m.ops, m.ctx
			return m.longRun("export "+number, number, func(p func(string)) (string, error) {
				dir, err := ops.Export(ctx, number, p)
				return "exported to " + dir, err
			})
		case "p":
			if _, exporting := m.running["export "+c.detail.Number]; exporting {
				// Its new bundle is the one to archive: after it.
				if m.afterExport == nil {
					m.afterExport = map[string]afterExport{}
				}
				m.afterExport[c.detail.Number] = afterExport{number: c.detail.Number, action: archiveAnyway}
				return m.say("the export of " + c.detail.Number + " is running: its bundle is archived when it has finished"), nil
			}
			if _, running := m.running["archive "+c.detail.Number]; !running && c.detail.Stale {
				c.confirm = archiveAnyway
				return m.ask(fmt.Sprintf("the timeline changed after the newest export (%s): archive that export anyway? y to confirm, x exports first", lastBundle(c.detail))), nil
			}
			return m.archiveCase(c.detail.Number)
		}
	}
	return m, nil
}

// locked says so when the case is archived: its timeline no longer
// changes, so nothing is typed or written for it.
func (m Model) locked() (Model, bool) {
	d := m.caseView.detail
	if d.Status != string(casefile.StatusArchived) {
		return m, false
	}
	return m.say("case " + d.Number + " is archived: its timeline no longer changes"), true
}

// afterExport is an archive or a status change waiting for the case's
// export (x at its confirmation).
type afterExport struct {
	number  string
	action  caseAction
	status  string // statusAnyway: the status asked for
	version int64  // the case's version when it was asked
}

func (a afterExport) what() string {
	if a.action == archiveAnyway {
		return "archive of case " + a.number
	}
	return "case " + a.number + " set " + a.status
}

// exported goes on with what waited for a finished export job.
func (m Model) exported(job, number string) (Model, tea.Cmd) {
	a, ok := m.afterExport[number]
	if !ok || job != "export "+number {
		return m, nil
	}
	delete(m.afterExport, number)
	if a.action == archiveAnyway {
		mm, cmd := m.archiveCase(number)
		return mm.(Model), cmd
	}
	return m, m.setStatus(number, a.status, false, a.version)
}

// archiveCase archives the case's newest export.
func (m Model) archiveCase(number string) (tea.Model, tea.Cmd) {
	c := &m.caseView
	if _, ok := m.running["archive "+number]; !ok && c.detail.Number == number {
		c.log = finished(c.log, "archive "+number)
	}
	ops, ctx := m.ops, m.ctx
	return m.longRun("archive "+number, number, func(p func(string)) (string, error) {
		return ops.Push(ctx, number, p)
	})
}

// finished is a case's job lines without job's: the line of what the last
// other job did, which stays when job starts or ends (one, so that lines
// of finished jobs do not pile up over the entries).
func finished(log []string, job string) []string {
	var out []string
	for _, l := range log {
		if strings.HasPrefix(l, "✓ ") && !strings.HasPrefix(l, "✓ "+job+":") {
			out = append(out, l)
		}
	}
	return out[max(0, len(out)-1):]
}

// logLines are the case's job lines as shown: a progress line is cut (a
// path in it loses its middle); a finished job's line is wrapped whole
// (two lines at most), without its job's name when its text starts with
// it ("✓ exported to …", not "✓ export K-1: exported to …").
func (m Model) logLines() []string {
	var out []string
	for _, l := range m.caseView.log {
		rest, done := strings.CutPrefix(l, "✓ ")
		if !done {
			out = append(out, pathCut(l, m.width))
			continue
		}
		if job, text, ok := strings.Cut(rest, ": "); ok {
			kind, _, _ := strings.Cut(job, " ")
			if strings.HasPrefix(text, kind[:min(len(kind), 6)]) {
				l = "✓ " + text
			}
		}
		out = append(out, wrap(l, m.width, 2)...)
	}
	return out
}

// caseLoaded shows the case as read; the cursor stays on its entry
// wherever the new order puts it.
func (m Model) caseLoaded(d CaseDetail) Model {
	c := &m.caseView
	was := int64(-1)
	if c.loaded && c.detail.Number == d.Number && c.cursor < len(c.detail.Entries) {
		was = c.detail.Entries[c.cursor].ID
	}
	c.detail, c.loaded = d, true
	for i, e := range d.Entries {
		if e.ID == was {
			c.cursor = i
		}
	}
	if c.cursor >= len(d.Entries) {
		c.cursor = max(0, len(d.Entries)-1)
	}
	return m
}

// lastBundle names the case's newest export, "" when there is none.
func lastBundle(d CaseDetail) string {
	if len(d.Bundles) == 0 {
		return ""
	}
	return d.Bundles[len(d.Bundles)-1]
}

func (m Model) viewCase() (string, []key) {
	c := m.caseView
	d := c.detail
	var b strings.Builder
	if !c.loaded {
		return "loading …", nil
	}
	for _, l := range m.caseHeader() {
		b.WriteString(l + "\n")
	}
	if l := m.statusLine(); l != "" {
		for _, w := range wrap(l, m.width, 2) {
			b.WriteString(titleStyle.Render(w) + "\n")
		}
	}
	b.WriteString(dimStyle.Render(fmt.Sprintf("%-3s %-12s %-22s %-s", "#", "true time", "camera", "text")) + "\n")
	if len(d.Entries) == 0 {
		b.WriteString("no timeline entries: press c to pick a camera and look at frames\n")
	}
	textWidth := m.width - entryTextColumn
	whole := m.wholeText()
	rows := m.entryRows()
	top := scrollTop(c.cursor, len(d.Entries), rows)
	for i := top; i < len(d.Entries) && i < top+max(1, rows); i++ {
		e := d.Entries[i]
		text := endCut(entryText(e), textWidth)
		if m.width >= 120 {
			// The clip and stills stay whole; the text gives way.
			ms := func(t time.Time) string { return t.In(m.zone).Format("15:04:05.000") }
			info := fmt.Sprintf("  clip %s–%s · ", ms(e.From), ms(e.To))
			if len(e.Stills) == 0 {
				info += "automatic still"
			} else {
				info += stills(len(e.Stills))
			}
			text = endCut(entryText(e), textWidth-lipgloss.Width(info)) + dimStyle.Render(info)
		}
		line := fmt.Sprintf("%-3d %-12s %-22s %s", e.Number, e.At.In(m.zone).Format("15:04:05.000"), padRight(endCut(e.CameraName, 22), 22), text)
		if i == c.cursor {
			line = selectedStyle.Render(padRight(clip(line, m.width), m.width))
		}
		b.WriteString(line + "\n")
	}
	if e, ok := m.currentEntry(); ok {
		for _, l := range whole {
			b.WriteString(l + "\n")
		}
		for _, l := range wrap(m.entryDetail(e), m.width, 2) {
			b.WriteString(dimStyle.Render(l) + "\n")
		}
	}
	if c.editing {
		b.WriteString("\nedit text: " + c.input.View() + "\n")
	}
	for _, l := range m.logLines() {
		b.WriteString(dimStyle.Render(l) + "\n")
	}
	keys := []key{{"↑↓", "entry"}, {"enter", "frames"}, {"c", "cameras"}, {"e", "edit text"}, {"t", "time/clip/tags"}, {"d", "delete"},
		{"s", "status"}, {"E", "edit case"}, {"x", "export"}, {"p", "archive"}}
	switch st := m.work.status; {
	case c.editing:
		keys = []key{{"enter", "save"}, {"esc", "cancel"}}
	case st.choosing:
		keys = []key{{fmt.Sprintf("1-%d", len(statusNames())), "set status"}, {"esc", "keep " + d.Status}}
	case st.back != "":
		keys = []key{{"y", "move back to " + string(st.back)}, {"any other key", "keep " + d.Status}}
	case c.confirm == archiveAnyway:
		keys = []key{{"y", "archive anyway"}, {"x", "export first"}, {"any other key", "don't"}}
	case c.confirm == statusAnyway:
		keys = []key{{"y", "set " + c.confirmTo}, {"x", "export first"}, {"any other key", "keep " + d.Status}}
	case c.deleting:
		keys = []key{{"y", "delete"}, {"any other key", "keep it"}}
	}
	return b.String(), keys
}

// entryTextColumn is where the case screen's entry texts begin.
const entryTextColumn = 40

// wholeText is the selected entry's text and tags wrapped whole, when the
// list cuts it; they are shown under the entries.
func (m Model) wholeText() []string {
	if e, ok := m.currentEntry(); ok && lipgloss.Width(entryText(e)) > m.width-entryTextColumn {
		return wrap(entryText(e), m.width, 3)
	}
	return nil
}

// entryRows is how many entries the case screen shows.
func (m Model) entryRows() int {
	rows := m.height - 13 - len(m.logLines()) - len(m.wholeText())
	if e, ok := m.currentEntry(); ok {
		rows -= len(wrap(m.entryDetail(e), m.width, 2)) - 1
	}
	return rows
}

// stills counts stills in words: "1 still", "2 stills".
func stills(n int) string {
	if n == 1 {
		return "1 still"
	}
	return fmt.Sprintf("%d stills", n)
}

// entryText is an entry's text and its tags, as the list shows them.
func entryText(e Entry) string {
	if len(e.Tags) == 0 {
		return e.Text
	}
	return e.Text + " [" + strings.Join(e.Tags, ",") + "]"
}

// entryDetail is the selected entry's clip range and stills, to the
// millisecond.
func (m Model) entryDetail(e Entry) string {
	ms := func(t time.Time) string { return t.In(m.zone).Format("15:04:05.000") }
	out := fmt.Sprintf("entry %d: clip %s–%s · ", e.Number, ms(e.From), ms(e.To))
	if len(e.Stills) == 0 {
		return out + "still at " + e.At.In(m.zone).Format("15:04:05.000") + " (automatic)"
	}
	var ts []string
	for _, t := range e.Stills {
		s := t.In(m.zone).Format("15:04:05.000")
		if t.Equal(e.At) {
			s += " (its time)" // the one every entry has, taken or not
		}
		ts = append(ts, s)
	}
	return out + stills(len(e.Stills)) + ": " + strings.Join(ts, ", ")
}

// caseHeader is the lines above the entries: title, the incident (wrapped,
// nothing cut), the request, the exports.
func (m Model) caseHeader() []string {
	d := m.caseView.detail
	// The number and the status badge stay whole; the title gives way.
	badge := "[" + m.statusLabel(d.Status) + "]"
	room := m.width - lipgloss.Width("Case "+d.Number) - lipgloss.Width(badge) - 4
	lines := []string{titleStyle.Render("Case "+d.Number) + "  " + endCut(d.Title, max(1, room)) + "  " + badge}
	var parts []string
	for _, p := range []string{d.Crime, d.Place, m.show(d.From)[:16] + " – " + m.show(d.To)[11:16]} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if d.RequestedBy != "" {
		parts = append(parts, "requested by "+d.RequestedBy)
	}
	lines = append(lines, wrap(strings.Join(parts, " · "), m.width, 2)...)
	var asked []string
	if d.Request != "" {
		asked = append(asked, "request: "+d.Request)
	}
	if d.Suspect != "" {
		asked = append(asked, "suspect: "+d.Suspect)
	}
	if len(asked) > 0 {
		for _, l := range wrap(strings.Join(asked, " · "), m.width, 2) {
			lines = append(lines, dimStyle.Render(l))
		}
	}
	state := "no export yet"
	if len(d.Bundles) > 0 {
		state = fmt.Sprintf("%d export(s), newest %s", len(d.Bundles), lastBundle(d))
	}
	if d.ArchiveState != "" {
		state += " · archive: " + d.ArchiveState
	}
	style := dimStyle
	if d.Stale {
		// The export and archive state stay beside the warning.
		state, style = "! the timeline changed after the newest export: x exports again · "+state, m.riskStyle()
	}
	for _, l := range wrap(state, m.width, 2) {
		lines = append(lines, style.Render(l))
	}
	return append(lines, "")
}

// statusLabel is a case's status, coloured when it needs doing.
func (m Model) statusLabel(s string) string { return s }
