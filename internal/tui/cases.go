package tui

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
)

type casesModel struct {
	all       []CaseRow
	filter    string
	filtering bool
	cursor    int
	selectNew string // a case just made: the cursor goes to it when the list comes
}

type casesMsg []CaseRow

func (m Model) loadCases() tea.Cmd {
	return func() tea.Msg {
		rows, err := m.ops.Cases(m.ctx)
		if err != nil {
			return errMsg{err}
		}
		return casesMsg(rows)
	}
}

func (c casesModel) shown() []CaseRow {
	if c.filter == "" {
		return c.all
	}
	f := strings.ToLower(c.filter)
	var out []CaseRow
	for _, r := range c.all {
		if strings.Contains(strings.ToLower(r.Number+" "+r.Title+" "+r.Status), f) {
			out = append(out, r)
		}
	}
	return out
}

func (m Model) updateCases(msg tea.Msg) (tea.Model, tea.Cmd) {
	c := &m.cases
	switch msg := msg.(type) {
	case casesMsg:
		c.all = msg
		if c.cursor >= len(c.shown()) {
			c.cursor = max(0, len(c.shown())-1)
		}
	case previewMsg:
		return m.gotPreview(msg), nil
	case tea.KeyPressMsg:
		k := msg.String()
		if c.filtering {
			switch k {
			case "enter", "esc":
				c.filtering = false
				if k == "esc" {
					c.filter = ""
				}
			case "backspace":
				if c.filter != "" {
					r := []rune(c.filter)
					c.filter = string(r[:len(r)-1])
				}
			default:
				if t := msg.Key().Text; t != "" {
					c.filter += t
				}
			}
			c.cursor = 0
			return m, m.loadPreview()
		}
		rows := c.shown()
		if moveCursor(k, &c.cursor, len(rows), m.height-7) {
			return m, m.loadPreview()
		}
		switch k {
		case "/":
			c.filtering = true
		case "n":
			m.form = newForm()
			m = m.push(screenNewCase)
			if d := m.ops.Draft(draftNewCase); len(d) == len(m.form.inputs) {
				for i, v := range d {
					m.form.inputs[i].SetValue(v)
				}
				m = m.say("restored the new case you were typing: ctrl+x discards it")
			}
			return m, m.form.inputs[0].Focus()
		case "r":
			m = m.push(screenRetention)
			return m, m.loadRetention()
		case "a":
			m = m.push(screenArchive)
			return m, m.loadArchive()
		case "i":
			m = m.push(screenRequests)
			return m, m.loadRequests()
		case "enter":
			if len(rows) > 0 {
				m = m.push(screenCase)
				m.caseView = caseModel{}
				return m, m.loadCase(rows[c.cursor].Number)
			}
		default:
			// Type to filter: a digit or a capital starts the filter with
			// itself (case numbers begin with them; small letters are keys).
			if t := msg.Key().Text; len(t) == 1 && (t[0] >= '0' && t[0] <= '9' || t[0] >= 'A' && t[0] <= 'Z') {
				c.filtering, c.filter, c.cursor = true, t, 0
				return m, m.loadPreview()
			}
		}
	}
	return m, nil
}

func (m Model) viewCases() (string, []key) {
	c := m.cases
	var b strings.Builder
	b.WriteString(titleStyle.Render("klipp — cases") + "\n")
	if c.filtering || c.filter != "" {
		b.WriteString("filter: " + c.filter)
		if c.filtering {
			b.WriteString("▏")
		}
		b.WriteString("\n")
	} else {
		b.WriteString("\n")
	}
	rows := c.shown()
	lw, wide := m.caseListWidth()
	var list []string
	head := fmt.Sprintf("%-16s %-11s %-11s %-13s %s", "case", "status", "incident", "expires", "title")
	switch {
	case wide:
		head = fmt.Sprintf("%-18s %-12s %-19s %-19s %-19s %s", "case", "status", "incident", "footage expires", "deadline", "title")
	case m.previewShown():
		head = fmt.Sprintf("%-16s %-11s %-13s %s", "case", "status", "expires", "title")
	}
	list = append(list, dimStyle.Render(head))
	if len(rows) == 0 {
		list = append(list, "no cases"+map[bool]string{true: " match", false: " yet: press n to open one"}[c.filter != ""])
	}
	lines, _ := m.caseListLines()
	list = append(list, lines...)
	if m.previewShown() && c.cursor < len(rows) {
		list = besidePane(list, m.preview(rows[c.cursor], m.paneWidth(), m.height-6), lw)
	}
	for _, l := range list {
		b.WriteString(l + "\n")
	}
	keys := []key{{"↑↓", "move"}, {"enter", "open"}, {"/ or 0-9", "filter"}, {"n", "new case"}, {"i", "requests"}, {"r", "retention"}, {"a", "archive"}}
	if c.filtering {
		keys = []key{{"type", "filter"}, {"enter", "keep"}, {"esc", "clear"}}
	}
	return b.String(), keys
}

// caseListWidth is the width the case list has (the pane takes the rest)
// and whether it is wide enough for every column.
func (m Model) caseListWidth() (int, bool) {
	lw := m.width
	if m.previewShown() {
		lw = m.width - m.paneWidth() - 3
	}
	return lw, lw >= 120
}

// caseListLines are the case list's lines on screen, under its head, and
// the row each line belongs to: a title longer than its column wraps
// under itself, so titles stay whole.
func (m Model) caseListLines() (lines []string, rowOf []int) {
	c := m.cases
	rows := c.shown()
	lw, wide := m.caseListWidth()
	blocks := make([][]string, len(rows))
	for i, r := range rows {
		exp := "-"
		if r.Expiry != nil {
			exp = m.show(*r.Expiry)[:16]
			if !wide {
				exp = exp[5:]
			}
			if r.Expiry.Sub(m.now()) < app.DefaultRetentionWithin {
				exp += " !"
				if i != c.cursor { // a style inside would end the row's highlight
					exp = m.riskStyle().Render(exp)
				}
			}
		}
		// At 80 columns the dates lose their year.
		prefix := fmt.Sprintf("%-16s %-11s %-11s %s ", r.Number, r.Status, m.show(r.From)[5:16], padRight(exp, 13))
		if m.previewShown() && !wide {
			// The pane has the incident: the title keeps its room.
			prefix = fmt.Sprintf("%-16s %-11s %s ", r.Number, r.Status, padRight(exp, 13))
		}
		if wide {
			dl := "-"
			if r.Deadline != nil {
				dl = m.show(*r.Deadline)[:16]
			}
			prefix = fmt.Sprintf("%-18s %-12s %-19s %-19s %-19s ", r.Number, r.Status, m.show(r.From)[:16], padRight(exp, 19), dl)
		}
		indent := lipgloss.Width(prefix)
		for j, t := range wrap(r.Title, max(10, lw-indent), 8) {
			line := strings.Repeat(" ", indent) + t
			if j == 0 {
				line = prefix + t
			}
			if i == c.cursor {
				line = selectedStyle.Render(padRight(clip(line, lw), lw))
			}
			blocks[i] = append(blocks[i], line)
		}
	}
	room := max(1, m.height-7)
	top := 0
	for top < c.cursor && lineCount(blocks, top, c.cursor) > room {
		top++
	}
	for i := top; i < len(rows) && len(lines)+len(blocks[i]) <= room; i++ {
		lines = append(lines, blocks[i]...)
		for range blocks[i] {
			rowOf = append(rowOf, i)
		}
	}
	return lines, rowOf
}

// lineCount is the lines of blocks from..to, both included.
func lineCount(blocks [][]string, from, to int) int {
	n := 0
	for i := from; i <= to && i < len(blocks); i++ {
		n += len(blocks[i])
	}
	return n
}

// scrollTop keeps the cursor on screen.
func scrollTop(cursor, n, rows int) int {
	if rows < 1 {
		rows = 1
	}
	if cursor < rows {
		return 0
	}
	return min(cursor-rows+1, max(0, n-rows))
}

// The new-case form.

var formFields = []struct{ label, hint string }{
	{"Case number", "e.g. 5000-K123456-26"},
	{"Title", "e.g. Rån, Södergatan"},
	{"Crime type", "e.g. rån"},
	{"Place", "e.g. Södergatan 2, Malmö"},
	{"Position", "LAT,LON, e.g. 55.6036,13.0021"},
	{"Incident from", "e.g. 2026-11-20 22:00"},
	{"Incident to", "e.g. 2026-11-20 23:00"},
	{"Requested by", "e.g. Insp. Berg"},
	{"Request", "what is asked for"},
	{"Suspect", "description"},
	{"Deadline", "e.g. 2026-11-27 12:00"},
}

type formModel struct {
	inputs  []textinput.Model
	focus   int
	errs    []string
	touched []bool // left once (or saved): its error is shown
}

// formFlags are the fields' names as the CLI's flags (and the service's
// field errors) spell them.
var formFlags = []string{"number", "title", "crime", "place", "position", "from", "to", "requested-by", "request", "suspect", "deadline"}

func newForm() formModel {
	f := formModel{errs: make([]string, len(formFields)), touched: make([]bool, len(formFields))}
	for _, fld := range formFields {
		f.inputs = append(f.inputs, newInput(fld.hint, 34))
	}
	return f
}

// incidentTo is the "Incident to" field, a time of day alone taken on
// the start's date.
func (m Model) incidentTo() string {
	to := strings.TrimSpace(m.form.inputs[6].Value())
	from := strings.TrimSpace(m.form.inputs[5].Value())
	if to != "" && !strings.Contains(to, "-") && strings.Contains(to, ":") {
		if t, err := clock.ParseTime(from, m.zone); err == nil {
			return t.In(m.zone).Format("2006-01-02") + " " + to
		}
	}
	return to
}

// validate checks each field and puts the message next to it.
func (m Model) validateForm() bool {
	f := &m.form
	v := func(i int) string { return strings.TrimSpace(f.inputs[i].Value()) }
	ok := true
	for i := range f.errs {
		f.errs[i] = ""
	}
	set := func(i int, msg string) { f.errs[i], ok = msg, false }
	if err := casefile.ValidNumber(v(0)); err != nil {
		set(0, "letters, digits, . _ - only")
	}
	if v(1) == "" {
		set(1, "required")
	}
	if p := v(4); p != "" {
		if _, good := catalog.ParseLatLon(p); !good {
			set(4, "LAT,LON in degrees")
		}
	}
	timeErr := func(i int, err error) string { return timeFieldError(v(i), err, false) }
	from, err1 := clock.ParseTime(v(5), m.zone)
	if err1 != nil {
		set(5, timeErr(5, err1))
	}
	to, err2 := clock.ParseTime(m.incidentTo(), m.zone)
	if err2 != nil {
		set(6, timeErr(6, err2))
	} else if err1 == nil && !to.After(from) {
		set(6, "must be after the start")
	}
	if d := v(10); d != "" {
		if dl, err := clock.ParseTime(d, m.zone); err != nil {
			set(10, timeErr(10, err))
		} else if err1 == nil && !dl.After(from) {
			set(10, "must be after the incident's start")
		}
	}
	return ok
}

// moveFocus leaves the focused field (its error now shows) for field i;
// a position left is measured against the cameras.
func (m Model) moveFocus(i int) (Model, tea.Cmd) {
	f := &m.form
	f.touched[f.focus] = true
	var near tea.Cmd
	if formFlags[f.focus] == "position" {
		near = m.checkNearest(f.inputs[f.focus].Value())
	}
	f.inputs[f.focus].Blur()
	f.focus = (i + len(f.inputs)) % len(f.inputs)
	m.validateForm()
	return m, tea.Batch(f.inputs[f.focus].Focus(), near)
}

// formErrMsg is the service's refusal of the form.
type formErrMsg struct{ err error }

func (m Model) updateForm(msg tea.Msg) (tea.Model, tea.Cmd) {
	f := &m.form
	if e, ok := msg.(formErrMsg); ok {
		m.busy = ""
		var fe *fault.FieldError
		if errors.As(e.err, &fe) {
			for i, name := range formFlags {
				if name == fe.Field {
					f.errs[i], f.touched[i] = fe.Message, true
					m, cmd := m.moveFocus(i)
					m.form.errs[i] = fe.Message // the service knows more than the form
					return m, cmd
				}
			}
		}
		return m.sayErr(e.err), nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			m = m.back()
			if m.ops.Draft(draftNewCase) != nil {
				m = m.say("the form is kept: n to go on with it")
			}
			return m, m.loadCases()
		case "ctrl+x":
			m.ops.SaveDraft(draftNewCase, nil)
			m.form = newForm()
			m = m.say("the form is discarded")
			return m, m.form.inputs[0].Focus()
		case "tab", "down":
			return m.moveFocus(f.focus + 1)
		case "shift+tab", "up":
			return m.moveFocus(f.focus - 1)
		case "enter":
			if f.focus < len(f.inputs)-1 {
				return m.moveFocus(f.focus + 1)
			}
			for i := range f.touched {
				f.touched[i] = true
			}
			if !m.validateForm() {
				for i, e := range f.errs {
					if e != "" {
						return m.moveFocus(i)
					}
				}
			}
			nc := NewCase{Number: f.inputs[0].Value(), Title: f.inputs[1].Value(), Crime: f.inputs[2].Value(), Place: f.inputs[3].Value(),
				Position: f.inputs[4].Value(), From: f.inputs[5].Value(), To: m.incidentTo(), RequestedBy: f.inputs[7].Value(),
				Request: f.inputs[8].Value(), Suspect: f.inputs[9].Value(), Deadline: f.inputs[10].Value()}
			m.busy = "saving case " + nc.Number
			ops, ctx := m.ops, m.ctx
			return m, func() tea.Msg {
				if err := ops.CreateCase(ctx, nc); err != nil {
					return formErrMsg{err}
				}
				return caseCreatedMsg(strings.TrimSpace(nc.Number))
			}
		}
	}
	if created, ok := msg.(caseCreatedMsg); ok {
		m.ops.SaveDraft(draftNewCase, nil)
		m.busy = ""
		m = m.back()
		m = m.push(screenCase)
		m = m.say("case " + string(created) + " saved")
		m.cases.selectNew = string(created)
		m.caseView = caseModel{}
		return m, tea.Batch(m.loadCases(), m.loadCase(string(created)))
	}
	var cmd tea.Cmd
	before := f.inputs[f.focus].Value()
	f.inputs[f.focus], cmd = f.inputs[f.focus].Update(msg)
	if f.inputs[f.focus].Value() != before {
		values := make([]string, len(f.inputs))
		for i, in := range f.inputs {
			values[i] = in.Value()
		}
		m.ops.SaveDraft(draftNewCase, values)
	}
	if f.errs[f.focus] != "" {
		m.validateForm()
	}
	return m, cmd
}

type caseCreatedMsg string

func (m Model) viewForm() (string, []key) {
	f := m.form
	var b strings.Builder
	b.WriteString(titleStyle.Render("New case") + "\n\n")
	for i, fld := range formFields {
		e := ""
		if f.touched[i] {
			e = f.errs[i]
		}
		warn := ""
		if formFlags[i] == "position" {
			warn = m.positionWarning(f.inputs[i].Value())
		}
		b.WriteString(m.fieldLine(fld.label, 15, i == f.focus, f.inputs[i], e, warn) + "\n")
	}
	return b.String(), []key{{"tab/⇧tab", "next/prev field"}, {"enter", "next / save"}, {"ctrl+x", "discard"}, {"esc", "keep and leave"}}
}

// sortByExpiry orders cases by their soonest source-footage expiry; cases
// without one follow in the order given (newest first).
func sortByExpiry(rows []CaseRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].Expiry, rows[j].Expiry
		if (a == nil) != (b == nil) {
			return a != nil
		}
		return a != nil && a.Before(*b)
	})
}
