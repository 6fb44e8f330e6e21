package tui

import (
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// The small forms of a case's work: edit the case, an entry's times and
// tags, accept a request, a camera clock reading. One screen draws them;
// what enter saves depends on the kind.
type formKind int

const (
	formEditCase formKind = iota + 1
	formEntry
	formAccept
	formClock
)

// formField is a field: its label, the name the service's field errors
// use, a hint, and its value when the form opened.
type formField struct{ label, name, hint, value string }

type fieldForm struct {
	kind    formKind
	title   string
	crumb   string // its name in the breadcrumb
	fields  []formField
	inputs  []textinput.Model
	focus   int
	errs    []string
	touched []bool // fields left once: their errors show
	version int64  // the record's version the form is based on

	// What the form is about.
	number string    // the case
	id     int64     // the entry or the request
	date   time.Time // the entry's time or the frame's: a time of day alone is on its date
	camera string
	stills []time.Time // the entry's stills, which its clip must hold
	note   string      // under the fields: what they take
}

func newFieldForm(kind formKind, crumb, title string, width int, fields ...formField) fieldForm {
	f := fieldForm{kind: kind, crumb: crumb, title: title, fields: fields, errs: make([]string, len(fields)), touched: make([]bool, len(fields))}
	for _, fl := range fields {
		in := newInput(fl.hint, max(30, min(60, width-46))) // room for an error beside it
		in.SetValue(fl.value)
		f.inputs = append(f.inputs, in)
	}
	return f
}

// openForm shows f over the current screen, its first field focused.
func (m Model) openForm(f fieldForm) (Model, tea.Cmd) {
	m = m.push(screenForm)
	for i := range f.inputs {
		fromStart(&f.inputs[i])
	}
	m.work.form = f
	return m, m.work.form.inputs[0].Focus()
}

// changed are the fields whose value differs from the one shown, by name.
func (f fieldForm) changed() map[string]string {
	out := map[string]string{}
	for i, fl := range f.fields {
		if v := strings.TrimSpace(f.inputs[i].Value()); v != strings.TrimSpace(fl.value) {
			out[fl.name] = v
		}
	}
	return out
}

func (f fieldForm) value(name string) string {
	for i, fl := range f.fields {
		if fl.name == name {
			return strings.TrimSpace(f.inputs[i].Value())
		}
	}
	return ""
}

func (f *fieldForm) setFocus(i int) tea.Cmd {
	f.inputs[f.focus].Blur()
	f.focus = (i + len(f.inputs)) % len(f.inputs)
	fromStart(&f.inputs[f.focus])
	return f.inputs[f.focus].Focus()
}

// fromStart puts the cursor at the start of a value longer than the
// field, so it is read from its beginning (a short one keeps the cursor
// at its end, to add to it).
func fromStart(in *textinput.Model) {
	if lipgloss.Width(in.Value()) >= in.Width() {
		in.CursorStart()
	}
}

// leave moves the focus to field i; the field left, and every field left
// before, is checked again, its error shown beside it.
func (m Model) leave(i int) (Model, tea.Cmd) {
	f := &m.work.form
	f.touched[f.focus] = true
	errs := m.checkFields(*f)
	for j := range f.errs {
		if f.touched[j] {
			f.errs[j] = errs[j]
		}
	}
	var near tea.Cmd
	if f.fields[f.focus].name == "position" {
		near = m.checkNearest(f.inputs[f.focus].Value())
	}
	return m, tea.Batch(f.setFocus(i), near)
}

// fieldErrMsg is the service's refusal of a form; formDoneMsg its success.
type fieldErrMsg struct{ err error }

type formDoneMsg struct {
	text     string
	number   string // the case to show again
	openCase bool   // open that case (a request accepted)
	warn     bool
}

func (m Model) updateFieldForm(msg tea.Msg) (tea.Model, tea.Cmd) {
	f := &m.work.form
	switch msg := msg.(type) {
	case fieldErrMsg:
		m.busy = ""
		var fe *fault.FieldError
		var se *StaleError
		switch {
		case errors.As(msg.err, &fe):
			field := fe.Field
			switch field {
			case "tag":
				field = "tags"
			case "still":
				field = "from"
			}
			for i, fl := range f.fields {
				if fl.name == field {
					f.errs[i] = fe.Message
					return m, f.setFocus(i)
				}
			}
		case errors.As(msg.err, &se):
			// What was typed is kept; a second enter saves it over the
			// other change, knowingly.
			f.version = se.Version
			m.note = note{text: se.meanwhile(m.zone) + "; your values are kept: enter saves them over that change, esc leaves",
				err: true, screen: m.screen, at: m.now()}
			return m, nil
		}
		return m.sayErr(msg.err), nil
	case formDoneMsg:
		m.busy = ""
		m = m.back()
		if msg.openCase && m.screen == screenRequests {
			r := &m.work.requests
			if r.cursor < len(r.rows) {
				r.rows[r.cursor].Case, r.rows[r.cursor].Status = msg.number, "requested"
			}
		}
		if msg.openCase {
			m = m.push(screenCase)
			m.caseView = caseModel{}
		}
		if msg.warn {
			m = m.sayErr(errors.New(msg.text))
		} else {
			m = m.say(msg.text)
		}
		var cmds []tea.Cmd
		if msg.number != "" && (m.screen == screenCase) {
			cmds = append(cmds, m.loadCase(msg.number))
		}
		if m.screen == screenRequests {
			cmds = append(cmds, m.loadRequests())
		}
		if m.screen == screenFrames {
			// A clock reading changes the frame's camera clock and its
			// bound: the frame is read again.
			cmds = append(cmds, m.loadFrame())
		}
		return m, tea.Batch(cmds...)
	case tea.KeyPressMsg:
		if m.busy != "" {
			return m, nil // saving: its answer belongs to this form
		}
		switch msg.String() {
		case "esc":
			m = m.back()
			if m.screen == screenFrames {
				return m, m.frameImage()
			}
			return m, nil
		case "tab", "down":
			return m.leave(f.focus + 1)
		case "shift+tab", "up":
			return m.leave(f.focus - 1)
		case "enter":
			if f.focus < len(f.inputs)-1 {
				return m.leave(f.focus + 1)
			}
			// Nothing is sent while a field is wrong: the first one has
			// the focus.
			f.errs = m.checkFields(*f)
			for i, e := range f.errs {
				f.touched[i] = true
				if e != "" {
					return m, f.setFocus(i)
				}
			}
			m.busy = "saving"
			return m, m.submitForm(*f)
		}
	}
	var cmd tea.Cmd
	was := f.inputs[f.focus].Value()
	f.inputs[f.focus], cmd = f.inputs[f.focus].Update(msg)
	if f.inputs[f.focus].Value() != was {
		f.errs[f.focus] = "" // it was about the value before
	}
	return m, cmd
}

func (m Model) viewFieldForm() (string, []key) {
	f := m.work.form
	var b strings.Builder
	for _, l := range wrap(f.title, m.width, 2) {
		b.WriteString(titleStyle.Render(l) + "\n")
	}
	b.WriteString("\n")
	lw := 0
	for _, fl := range f.fields {
		lw = max(lw, lipgloss.Width(fl.label))
	}
	for i, fl := range f.fields {
		warn := ""
		if fl.name == "position" {
			warn = m.positionWarning(f.inputs[i].Value())
		}
		b.WriteString(m.fieldLine(fl.label, lw, i == f.focus, f.inputs[i], f.errs[i], warn) + "\n")
	}
	if f.note != "" {
		b.WriteString("\n")
		for _, l := range wrap(f.note, m.width, 3) {
			b.WriteString(dimStyle.Render(l) + "\n")
		}
	}
	return b.String(), []key{{"tab/⇧tab", "next/prev field"}, {"enter", "next / save"}, {"esc", "leave unsaved"}}
}

// fieldLine is a form's field: its label, its input and its error beside
// it when that fits, else on the lines under it.
func (m Model) fieldLine(label string, labelWidth int, focused bool, in textinput.Model, errText, warn string) string {
	l := padRight(label, labelWidth)
	if focused {
		l = titleStyle.Render(l)
	}
	view := in.View()
	if v := in.Value(); !focused && lipgloss.Width(v) > in.Width() {
		// Not being typed in, a long value shows its start, cut with …
		view = in.Prompt + endCut(v, in.Width())
	}
	line := l + " " + view
	mark, style := "✗ ", m.errStyle()
	if errText == "" {
		if warn == "" {
			return line
		}
		errText, mark, style = warn, "! ", m.riskStyle()
	}
	e := style.Render(mark + errText)
	if lipgloss.Width(line)+2+lipgloss.Width(e) <= m.width {
		return line + "  " + e
	}
	for _, w := range wrap(mark+errText, m.width-labelWidth-1, 2) {
		line += "\n" + strings.Repeat(" ", labelWidth+1) + style.Render(w)
	}
	return line
}
