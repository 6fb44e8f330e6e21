// Package tui is the analysts' terminal UI (Bubble Tea v2): cases, the case
// view with its timeline, the camera picker with coverage, the frame
// browser, retention and archive. Every action goes through Ops, the same
// operations the CLI runs, so each is audited and saved when it is made.
package tui

import (
	"context"
	"image"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Ops is what the UI does to the world; cmd/klipp implements it with the
// CLI's own operations.
type Ops interface {
	Cases(ctx context.Context) ([]CaseRow, error)
	CreateCase(ctx context.Context, c NewCase) error
	Case(ctx context.Context, number string) (CaseDetail, error)
	// AddEntry returns a warning worth showing (no footage at that time),
	// or "".
	AddEntry(ctx context.Context, number, camera string, at, from, to time.Time, text string) (string, error)
	EditEntry(ctx context.Context, number string, id int64, text string) error
	RemoveEntry(ctx context.Context, number string, id int64) error
	Cameras(ctx context.Context, number, speed string) ([]CameraRow, error)
	Coverage(ctx context.Context, camera string, from, to time.Time, cells int) (Strip, error)
	Frame(ctx context.Context, camera string, at time.Time) (Frame, error)
	Still(ctx context.Context, number, camera string, at time.Time) (string, error)
	Export(ctx context.Context, number string, progress func(line string)) (string, error)
	Push(ctx context.Context, number string, progress func(line string)) (string, error)
	Retention(ctx context.Context) ([]RetentionRow, error)
	Preserve(ctx context.Context, number string) (string, error)
	Archive(ctx context.Context) ([]ArchiveRow, error)
	Retry(ctx context.Context) (string, error)
	// SaveDraft keeps what is being typed into a field under key, so that
	// quitting or a crash loses nothing; nil clears it. Draft returns it.
	SaveDraft(key string, fields []string) error
	Draft(key string) []string
}

// Draft keys.
const (
	draftNewCase = "new-case"
	draftEntry   = "entry"
	draftEdit    = "edit"
)

// CaseRow is a case in the list.
type CaseRow struct {
	Number, Title, Status string
	From, To              time.Time
	Deadline              *time.Time // the request's own deadline
	Expiry                *time.Time // soonest source-footage expiry among its windows
}

// NewCase is the new-case form's content.
type NewCase struct {
	Number, Title, Crime, Place, Position, From, To, RequestedBy string
	Request, Suspect, Deadline                                   string
}

// Entry is a timeline entry.
type Entry struct {
	ID                 int64
	Number             int
	At, From, To       time.Time
	Camera, CameraName string
	Text               string
	Tags               []string
	Stills             int
}

// CaseDetail is the case view's content.
type CaseDetail struct {
	CaseRow
	Crime, Place, RequestedBy, Request, Suspect string
	Entries                                     []Entry
	Bundles                                     []string // export directories
	ArchiveState                                string
}

// CameraRow is a camera in the picker.
type CameraRow struct {
	ID, Name, Owner, Quality string
	Distance                 float64
	From, To                 time.Time // when someone leaving the place at the incident could pass; zero without
}

// Cell states of a coverage strip.
const (
	CellGap      = ' '
	CellFootage  = '█'
	CellDamaged  = 'x'
	CellExpired  = '░'
	CellExpiring = '▒'
)

// Strip is a camera's coverage across a window, one rune per cell.
type Strip string

// Frame is a decoded picture with its times.
type Frame struct {
	Image         image.Image
	At            time.Time // true time of the frame shown
	CameraClock   time.Time
	ClockVerified bool
	FPS           float64
	Source        string
}

// RetentionRow is a window at risk.
type RetentionRow struct {
	Case, What, Camera, State string
	Expires                   *time.Time
	Unpreserved               int
}

// ArchiveRow is a bundle in the archive or its queue.
type ArchiveRow struct {
	Ref, State, Error string
	Objects           int
}

type screen int

const (
	screenCases screen = iota
	screenNewCase
	screenCase
	screenCameras
	screenFrames
	screenRetention
	screenArchive
)

// Model is the whole UI.
type Model struct {
	ops Ops
	// ctx is the program's: Bubble Tea runs commands without a context,
	// so the model carries the one its operations must stop with.
	ctx  context.Context
	zone *time.Location
	now  func() time.Time

	width, height int
	graphics      string // GraphicsBlocks or GraphicsKitty
	screen        screen
	stack         []screen
	help          bool
	status        string // last message, shown above the help line
	busy          string // a running action

	cases    casesModel
	form     formModel
	caseView caseModel
	picker   pickerModel
	frames   framesModel
	ret      retentionModel
	arch     archiveModel
}

// New returns the UI on the cases screen.
func New(ctx context.Context, ops Ops, zone *time.Location, now func() time.Time) Model {
	m := Model{ops: ops, ctx: ctx, zone: zone, now: now, width: 80, height: 24, graphics: GraphicsBlocks}
	m.form = newForm()
	return m
}

func (m Model) Init() tea.Cmd { return m.loadCases() }

// WithGraphics selects how frames are drawn: GraphicsBlocks (half-blocks,
// every terminal) or GraphicsKitty.
func (m Model) WithGraphics(g string) Model {
	m.graphics = g
	return m
}

// Screen names, for tests.
func (m Model) Screen() string { return screens[m.screen].name }

// screens are the UI's screens: name, update and view of each.
var screens = [...]struct {
	name   string
	update func(Model, tea.Msg) (tea.Model, tea.Cmd)
	view   func(Model) (string, []key)
}{
	screenCases:     {"cases", Model.updateCases, Model.viewCases},
	screenNewCase:   {"new case", Model.updateForm, Model.viewForm},
	screenCase:      {"case", Model.updateCase, Model.viewCase},
	screenCameras:   {"cameras", Model.updatePicker, Model.viewPicker},
	screenFrames:    {"frames", Model.updateFrames, Model.viewFrames},
	screenRetention: {"retention", Model.updateRetention, Model.viewRetention},
	screenArchive:   {"archive", Model.updateArchive, Model.viewArchive},
}

// Status is the last message shown.
func (m Model) Status() string { return m.status }

type errMsg struct{ err error }
type statusMsg string

func (m Model) push(s screen) Model {
	m.stack = append(m.stack, m.screen)
	m.screen = s
	return m
}

func (m Model) back() Model {
	if n := len(m.stack); n > 0 {
		m.screen, m.stack = m.stack[n-1], m.stack[:n-1]
	}
	return m
}

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		if m.screen == screenFrames {
			return m, m.frameImage() // the picture at the new size
		}
		return m, nil
	case errMsg:
		m.busy, m.status = "", "error: "+firstLine(msg.err.Error())
		return m, nil
	case statusMsg:
		m.busy, m.status = "", string(msg)
		return m, nil
	case doneMsg:
		m.busy, m.status = "", msg.text
		return m, m.loadCase(msg.number)
	case caseMsg:
		c := &m.caseView
		c.detail, c.loaded = CaseDetail(msg), true
		if c.cursor >= len(c.detail.Entries) {
			c.cursor = max(0, len(c.detail.Entries)-1)
		}
		return m, nil
	case camerasMsg:
		// The frame browser steps through them too, so they arrive on
		// any screen.
		p := &m.picker
		p.all, p.strips = msg, map[string]Strip{}
		p.applyFilter()
		if m.screen == screenCameras {
			return m, m.loadStrips()
		}
		return m, nil
	case casesMsg:
		m.cases.all = msg
		if m.cases.cursor >= len(m.cases.shown()) {
			m.cases.cursor = max(0, len(m.cases.shown())-1)
		}
		return m, nil
	case chained:
		// Progress of a long action arrives whatever screen is shown.
		next := waitFor(msg.ch)
		switch inner := msg.msg.(type) {
		case progressMsg:
			c := &m.caseView
			c.log = append(c.log, string(inner))
			if len(c.log) > 6 {
				c.log = c.log[len(c.log)-6:]
			}
			m.busy = string(inner)
			return m, next
		case doneMsg:
			m.busy, m.status = "", inner.text
			return m, tea.Batch(next, m.loadCase(inner.number))
		default:
			mm, cmd := m.Update(inner)
			return mm, tea.Batch(cmd, next)
		}
	case tea.MouseWheelMsg, tea.MouseClickMsg:
		return m.mouse(msg)
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" {
			return m, tea.Quit
		}
		if m.typing() {
			break
		}
		switch msg.String() {
		case "?":
			m.help = !m.help
			return m, nil
		case "q":
			if m.screen == screenCases {
				return m, tea.Quit
			}
		}
	}
	return screens[m.screen].update(m, msg)
}

// typing reports whether keys go to a text field.
func (m Model) typing() bool {
	switch m.screen {
	case screenNewCase:
		return true
	case screenCases:
		return m.cases.filtering
	case screenCase:
		return m.caseView.editing
	case screenCameras:
		return m.picker.filtering
	case screenFrames:
		return m.frames.prompt != promptNone
	}
	return false
}

var (
	titleStyle    = lipgloss.NewStyle().Bold(true)
	selectedStyle = lipgloss.NewStyle().Reverse(true)
	dimStyle      = lipgloss.NewStyle().Faint(true)
	warnStyle     = lipgloss.NewStyle().Bold(true)
)

func (m Model) View() tea.View {
	body, keys := screens[m.screen].view(m)
	keys = append(keys, key{"?", "help"})
	hasEsc := false
	for _, k := range keys {
		hasEsc = hasEsc || k.keys == "esc"
	}
	switch {
	case m.screen == screenCases:
		keys = append(keys, key{"q", "quit"})
	case !hasEsc:
		keys = append(keys, key{"esc", "back"})
	}
	foot := helpLines(keys, m.width)
	status := m.status
	if m.busy != "" {
		status = m.busy + " …"
	}
	lines := strings.Split(body, "\n")
	if m.help {
		lines = fullHelp(keys, m.width)
	}
	avail := m.height - 1 - len(foot)
	if avail < 1 {
		avail = 1
	}
	if len(lines) > avail {
		lines = lines[:avail]
	}
	for len(lines) < avail {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = clip(l, m.width)
	}
	out := strings.Join(lines, "\n") + "\n" + clip(dimStyle.Render(status), m.width) + "\n" + strings.Join(foot, "\n")
	v := tea.NewView(out)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	return v
}

// key is a key and what it does, for the help line.
type key struct{ keys, what string }

// helpLines lays the keys out over as many lines as the width needs, so
// every key stays visible on a narrow terminal.
func helpLines(keys []key, width int) []string {
	var lines []string
	line, w := "", 0
	for _, k := range keys {
		part := titleStyle.Render(k.keys) + " " + k.what
		pw := lipgloss.Width(k.keys) + 1 + lipgloss.Width(k.what)
		if w > 0 && w+2+pw > width {
			lines = append(lines, line)
			line, w = "", 0
		}
		if w > 0 {
			line += "  "
			w += 2
		}
		line += part
		w += pw
	}
	return append(lines, clip(line, width))
}

func fullHelp(keys []key, width int) []string {
	lines := []string{titleStyle.Render("Keys on this screen"), ""}
	for _, k := range keys {
		lines = append(lines, "  "+padRight(k.keys, 14)+k.what)
	}
	lines = append(lines, "", "ctrl+c quits from anywhere; every change is saved when it is made.", "Press ? to close this help.")
	return lines
}

// clip cuts a line to width cells, keeping ANSI sequences intact.
func clip(s string, width int) string {
	if width <= 0 || lipgloss.Width(s) <= width {
		return s
	}
	var b strings.Builder
	w := 0
	inEsc := false
	for _, r := range s {
		if r == '\x1b' {
			inEsc = true
		}
		if inEsc {
			b.WriteRune(r)
			if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
				inEsc = false
			}
			continue
		}
		rw := lipgloss.Width(string(r))
		if w+rw > width {
			break
		}
		b.WriteRune(r)
		w += rw
	}
	return b.String() + "\x1b[0m"
}

func padRight(s string, n int) string {
	if w := lipgloss.Width(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}

func firstLine(s string) string {
	s = strings.TrimPrefix(s, "klipp: ")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (m Model) show(t time.Time) string { return t.In(m.zone).Format("2006-01-02 15:04:05") }

func (m Model) showMs(t time.Time) string { return t.In(m.zone).Format("2006-01-02 15:04:05.000") }

// newInput is a text field with a steady cursor (no blink timer).
func newInput(placeholder string, width int) textinput.Model {
	in := textinput.New()
	s := in.Styles()
	s.Cursor.Blink = false
	in.SetStyles(s)
	in.Placeholder = placeholder
	in.CharLimit = 300
	in.SetWidth(width)
	return in
}
