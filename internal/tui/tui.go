// Package tui is the analysts' terminal UI (Bubble Tea v2): cases, the case
// view with its timeline, the camera picker with coverage, the frame
// browser, retention and archive. Every action goes through Ops, the same
// operations the CLI runs, so each is audited and saved when it is made.
package tui

import (
	"context"
	"fmt"
	"image"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
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
	// EditEntry changes an entry's text; version is the entry's version
	// shown (0: any), and a newer one refuses the edit with *StaleError.
	EditEntry(ctx context.Context, number string, id, version int64, text string) error
	RemoveEntry(ctx context.Context, number string, id int64) error
	Cameras(ctx context.Context, number, speed string) ([]CameraRow, error)
	Coverage(ctx context.Context, camera string, from, to time.Time, cells int) (Strip, error)
	Frame(ctx context.Context, camera string, at time.Time) (Frame, error)
	// Around is the footage about at: why there is no picture at at (a
	// gap, damage, expiry) and where the footage before and after is.
	Around(ctx context.Context, camera string, at time.Time) (Around, error)
	// RecordView audits a span of a camera's footage the analyst looked
	// at, for the case.
	RecordView(ctx context.Context, number, camera string, from, to time.Time) error
	// Still writes the frame at at and links it to the case's entry on that
	// camera near at, if there is one.
	Still(ctx context.Context, number, camera string, at time.Time) (StillResult, error)
	// Export builds the case's bundle; an export of the case already
	// running (here or elsewhere) is a *RunningError.
	Export(ctx context.Context, number string, progress func(line string)) (string, error)
	// Jobs are the jobs not yet finished (a shared store runs exports and
	// pushes as jobs); nil without a shared store.
	Jobs(ctx context.Context) ([]JobRow, error)
	Push(ctx context.Context, number string, progress func(line string)) (string, error)
	Retention(ctx context.Context) ([]RetentionRow, error)
	Preserve(ctx context.Context, number string) (string, error)
	Archive(ctx context.Context) ([]ArchiveRow, error)
	Retry(ctx context.Context) (string, error)
	// SaveDraft keeps what is being typed into a field under key, so that
	// quitting or a crash loses nothing; nil clears it. Draft returns it.
	SaveDraft(key string, fields []string) error
	Draft(key string) []string
	CaseWork  // casework.go
	FrameWork // the frame browser's activity and viewer (framework.go)
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
	Stills             []time.Time // the stills' true times; none is one at At
	Version            int64
}

// CaseDetail is the case view's content.
type CaseDetail struct {
	CaseRow
	Crime, Place, RequestedBy, Request, Suspect string
	Entries                                     []Entry
	Bundles                                     []string // export directories
	ArchiveState                                string
	Stale                                       bool   // the timeline changed after the newest export
	Version                                     int64  // the case's version shown: an edit is based on it
	Position                                    string // LAT,LON; "" without
}

// CameraRow is a camera in the picker.
type CameraRow struct {
	ID, Name, Owner, Quality string
	Distance                 float64
	Located                  bool      // Distance is known (the case has a position)
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
	CameraZone    *time.Location // the zone the camera's clock runs in (its on-screen time); nil: the display zone
	// Bound is At's stated uncertainty as shown ("± 0.6 s"); "" for an
	// unverified clock, which has none.
	Bound string
}

// StillResult is a still written: its file and the entry it was linked to
// (0: none near).
type StillResult struct {
	Path  string
	Entry int // the entry it joined, 0 for none
	// Outside is the entry near it on its camera whose clip does not
	// hold it, when it joined none.
	Outside *Entry
}

// JobRow is a running or queued job.
type JobRow struct {
	ID                int64
	Kind, Case, State string
	Who               string
	Done, Total       int64
	Line              string
	Started           *time.Time
}

// RunningError is an action refused because the same one is running.
type RunningError struct{ What, Holder string }

func (e *RunningError) Error() string { return e.What + " is running: " + e.Holder }

// Around is the footage about a time where a camera has no picture.
type Around struct {
	Reason     string    // "gap", "damaged file", "expired at the source", "" when there is footage
	From, To   time.Time // the void's extent (zero ends: open)
	Prev, Next *time.Time
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
	Bytes             int64
	RetainUntil       *time.Time // the object lock's date
	Hold              bool       // legal hold
	// Verified: the last `archive verify`'s time and outcome, if any.
	VerifiedAt *time.Time
	VerifiedOK bool
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
	screenForm     // casework forms (form.go)
	screenRequests // investigators' requests (requests.go)
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
	graphics      string               // GraphicsBlocks or GraphicsKitty
	pictures      *pictureCache        // the picture's half-blocks last drawn (frames.go)
	profile       colorprofile.Profile // the terminal's colours, as Bubble Tea found them
	screen        screen
	stack         []screen
	help          bool
	note          note   // the last message, on the screen it belongs to
	busy          string // a running short action
	timers        bool   // a heartbeat fades messages and polls jobs
	colour        bool

	// running are the long actions started here (export, archive) by
	// key "export K-1": their last progress line.
	running map[string]string
	jobs    []JobRow // the shared store's jobs, polled
	// afterExport is what x ("export first") at a confirmation left to
	// do once the case's export has finished, by case.
	afterExport map[string]afterExport
	posWarn     posWarning // a position typed far from every camera

	cases    casesModel
	form     formModel
	caseView caseModel
	picker   pickerModel
	frames   framesModel
	ret      retentionModel
	arch     archiveModel
	work     caseWorkState // casework_ui.go
}

// New returns the UI on the cases screen.
func New(ctx context.Context, ops Ops, zone *time.Location, now func() time.Time) Model {
	m := Model{ops: ops, ctx: ctx, zone: zone, now: now, width: 80, height: 24, graphics: GraphicsBlocks, timers: true,
		running: map[string]string{}, pictures: &pictureCache{}}
	m.form = newForm()
	return m
}

func (m Model) Init() tea.Cmd {
	if m.timers {
		return tea.Batch(m.loadCases(), heartbeat())
	}
	return m.loadCases()
}

// WithGraphics selects how frames are drawn: GraphicsBlocks (half-blocks,
// every terminal) or GraphicsKitty.
func (m Model) WithGraphics(g string) Model {
	m.graphics = g
	return m
}

// WithoutTimers stops the heartbeat (messages then fade only when the
// screen is drawn again): for tests that run every command to its end.
func (m Model) WithoutTimers() Model {
	m.timers = false
	return m
}

// WithColour draws state in colour (at risk, damaged, unverified, errors);
// without it, in bold and faint only. DetectColour reads NO_COLOR.
func (m Model) WithColour(on bool) Model {
	m.colour = on
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
	screenForm:      {"form", Model.updateFieldForm, Model.viewFieldForm},
	screenRequests:  {"requests", Model.updateRequests, Model.viewRequests},
}

// Status is the message shown, "" when none.
func (m Model) Status() string { return m.shownNote() }

type errMsg struct{ err error }
type statusMsg string

// push opens a screen over the current one; messages and help belong to
// the screen they were shown on.
func (m Model) push(s screen) Model {
	m.stack = append(m.stack, m.screen)
	m.screen, m.note, m.help = s, note{}, false
	return m
}

func (m Model) back() Model {
	if n := len(m.stack); n > 0 {
		m.screen, m.stack = m.stack[n-1], m.stack[:n-1]
	}
	m.note, m.help = note{}, false
	return m
}

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		if m.screen == screenFrames {
			// The picture at the new size, once the screen is drawn again:
			// sent before, the redraw's scrolling would move it.
			return m, tea.Batch(m.clearGraphics(), m.pictureLater())
		}
		if m.screen == screenCameras {
			return m, m.loadStrips()
		}
		return m, m.loadPreview()
	case tea.ColorProfileMsg:
		m.profile = msg.Profile
		return m, nil
	case tickMsg:
		return m, tea.Batch(heartbeat(), m.pollJobs(msg))
	case jobsMsg:
		m.jobs = msg
		return m, nil
	case errMsg:
		m.busy = ""
		m = m.sayErr(msg.err)
		return m, nil
	case statusMsg:
		m.busy = ""
		m = m.say(string(msg))
		return m, nil
	case doneMsg:
		m.busy = ""
		m = m.say(msg.text)
		return m, m.loadCase(msg.number)
	case nearestMsg:
		return m.nearestLoaded(msg), nil
	case caseMsg:
		return m.caseLoaded(CaseDetail(msg)), nil
	case camerasMsg:
		// The frame browser steps through them too, so they arrive on
		// any screen.
		p := &m.picker
		p.all, p.strips = msg, map[string]Strip{}
		p.applyFilter()
		if m.screen == screenCameras {
			return m, tea.Batch(m.loadStrips(), m.warmSoon())
		}
		return m, nil
	case casesMsg:
		// The cursor stays on its case, wherever the new order puts it.
		was := m.cases.selectNew
		if shown := m.cases.shown(); was == "" && m.cases.cursor < len(shown) {
			was = shown[m.cases.cursor].Number
		}
		m.cases.selectNew = ""
		m.cases.all = msg
		for i, r := range m.cases.shown() {
			if r.Number == was {
				m.cases.cursor = i
			}
		}
		if m.cases.cursor >= len(m.cases.shown()) {
			m.cases.cursor = max(0, len(m.cases.shown())-1)
		}
		m.work.preview = nil // the cases may have changed: previews are read again
		return m, m.loadPreview()
	case chained:
		// Progress of a long action arrives whatever screen is shown.
		next := waitFor(msg.ch)
		switch inner := msg.msg.(type) {
		case progressMsg:
			if _, ok := m.running[inner.job]; ok {
				m.running[inner.job] = inner.line
			}
			if inner.number == m.caseView.detail.Number {
				c := &m.caseView
				// The last six progress lines, under what other jobs did.
				var done, progress []string
				for _, l := range c.log {
					if strings.HasPrefix(l, "✓ ") {
						done = append(done, l)
					} else {
						progress = append(progress, l)
					}
				}
				if n := len(progress); n > 0 && sameStep(progress[n-1], inner.line) {
					progress[n-1] = inner.line // the step's percent moves on
				} else {
					progress = append(progress, inner.line)
				}
				c.log = append(done, progress[max(0, len(progress)-6):]...)
			}
			return m, next
		case doneMsg:
			delete(m.running, inner.job)
			if inner.number == m.caseView.detail.Number && inner.job != "" {
				// Its progress lines give way to one line of what it did;
				// what other jobs did stays.
				m.caseView.log = append(finished(m.caseView.log, inner.job), "✓ "+inner.job+": "+inner.text)
			}
			m = m.say(inner.text)
			m, after := m.jobDone(inner.job)
			m, then := m.exported(inner.job, inner.number)
			return m, tea.Batch(next, m.loadCase(inner.number), after, then)
		case jobErrMsg:
			delete(m.running, inner.job)
			if a, ok := m.afterExport[strings.TrimPrefix(inner.job, "export ")]; ok && strings.HasPrefix(inner.job, "export ") {
				delete(m.afterExport, a.number)
				m = m.sayErr(fmt.Errorf("%w; %s not done", inner.err, a.what()))
				return m, next
			}
			m = m.sayErr(inner.err)
			return m, next
		default:
			mm, cmd := m.Update(inner)
			return mm, tea.Batch(cmd, next)
		}
	case tea.MouseWheelMsg, tea.MouseClickMsg:
		if m.help {
			return m, nil
		}
		mm, cmd := m.mouse(msg)
		if mm, ok := mm.(Model); ok {
			return mm, tea.Batch(cmd, mm.loadPreview()) // a click selects a case
		}
		return mm, cmd
	case tea.KeyPressMsg:
		k := msg.String()
		if k == "ctrl+c" {
			// The footage shown so far is recorded before the UI goes.
			flush := m.flushView()
			return m, func() tea.Msg {
				if flush != nil {
					flush()
				}
				return tea.QuitMsg{}
			}
		}
		if m.help {
			// Help is modal: any key closes it, and does nothing else.
			// The picture comes back once the screen is drawn again.
			m.help = false
			if m.screen == screenFrames {
				return m, m.pictureLater()
			}
			return m, nil
		}
		if k == "f1" || k == "?" && (!m.typing() || m.emptyField()) {
			m.help = true
			if m.screen == screenFrames {
				return m, m.clearGraphics() // the help is not drawn under it
			}
			return m, nil
		}
		if m.tooSmall() {
			return m, nil
		}
		if !m.typing() && k == "q" && m.screen == screenCases {
			return m, tea.Quit
		}
	}
	return screens[m.screen].update(m, msg)
}

// typing reports whether keys go to a text field.
func (m Model) typing() bool {
	switch m.screen {
	case screenNewCase, screenForm:
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

// Smallest terminal the UI draws in.
const minWidth, minHeight = 72, 20

func (m Model) tooSmall() bool { return m.width < minWidth || m.height < minHeight }

func (m Model) View() tea.View {
	v := tea.NewView(m.draw())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	return v
}

// draw lays out a screen: its body, the message (wrapped, at most two
// lines), the bar with where you are and what runs, and the keys.
func (m Model) draw() string {
	if m.tooSmall() {
		return fmt.Sprintf("klipp needs a terminal of at least %d×%d;\nthis one is %d×%d. Make it larger, or press ctrl+c to quit.",
			minWidth, minHeight, m.width, m.height)
	}
	body, keys := screens[m.screen].view(m)
	if m.typing() {
		keys = append(keys, key{"f1", "help"})
	} else {
		keys = append(keys, key{"?", "help"})
	}
	hasEsc := false
	for _, k := range keys {
		hasEsc = hasEsc || k.keys == "esc"
	}
	switch {
	case m.screen == screenCases && !m.cases.filtering: // q types into the filter
		keys = append(keys, key{"q", "quit"})
	case !hasEsc:
		keys = append(keys, key{"esc", "back"})
	}
	foot := helpLines(keys, m.width)
	if m.help {
		foot = helpLines([]key{{"any key", "closes the help"}}, m.width)
	}
	var msg []string
	switch text := m.shownNote(); {
	case m.busy != "":
		msg = []string{clip(m.busy+" …", m.width)}
	case text != "":
		style := dimStyle
		if m.note.err {
			style = m.errStyle()
		}
		for _, l := range wrap(fitPaths(text, 2*m.width), m.width, 2) {
			msg = append(msg, style.Render(l))
		}
	default:
		msg = []string{""}
	}
	lines := strings.Split(body, "\n")
	if m.help {
		lines = m.fullHelp(keys)
	}
	avail := max(1, m.height-len(msg)-1-len(foot))
	if len(lines) > avail {
		lines = lines[:avail]
	}
	for len(lines) < avail {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = clip(l, m.width)
	}
	return strings.Join(lines, "\n") + "\n" + strings.Join(msg, "\n") + "\n" + m.bar() + "\n" + strings.Join(foot, "\n")
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

// fullHelp is the help screen: this screen's keys, then the keys that
// work everywhere.
func (m Model) fullHelp(keys []key) []string {
	lines := []string{titleStyle.Render("Keys on this screen"), ""}
	// Everything after the screen's keys takes about 12 lines; when the
	// keys would push it off a short terminal they go in two columns.
	short := len(keys)+12 > m.height
	if half := (len(keys) + 1) / 2; short && m.width >= 72 {
		col := m.width / 2
		// Each column's texts start where its widest key leaves room.
		keyWidth := func(ks []key) int {
			w := 8
			for _, k := range ks {
				w = max(w, lipgloss.Width(k.keys)+1)
			}
			return min(w, col/2)
		}
		lw, rw := keyWidth(keys[:half]), keyWidth(keys[half:])
		for i := 0; i < half; i++ {
			left := clip("  "+padRight(keys[i].keys+" ", lw)+keys[i].what, col-1)
			line := padRight(left, col)
			if j := i + half; j < len(keys) {
				line += clip(padRight(keys[j].keys+" ", rw)+keys[j].what, m.width-col)
			}
			lines = append(lines, line)
		}
	} else {
		for _, k := range keys {
			lines = append(lines, "  "+padRight(k.keys+" ", 16)+k.what)
		}
	}
	var common []key
	if m.typing() {
		common = []key{{"tab / shift+tab", "next / previous field"}, {"ctrl+u", "clear to the start of the field"},
			{"ctrl+a / ctrl+e", "start / end of the field"}, {"f1", "this help (? types a ?)"}}
	} else {
		common = []key{{"↑↓ or j k", "move"}, {"home / end", "first / last"}, {"pgup / pgdown", "a page"},
			{"mouse wheel", "move (frames: step)"}, {"click", "select; click again to open"}}
	}
	if !short {
		lines = append(lines, "")
	}
	lines = append(lines, titleStyle.Render("Everywhere"))
	for _, k := range common {
		lines = append(lines, "  "+padRight(k.keys, 16)+k.what)
	}
	if !short {
		lines = append(lines, "")
	}
	return append(lines, "ctrl+c quits from anywhere; every change is saved when it is made.")
}

// clip cuts a line to width cells, keeping ANSI sequences intact.
func clip(s string, width int) string {
	if width <= 0 || fits(s, width) || lipgloss.Width(s) <= width {
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

// fits reports cheaply that s surely takes at most width cells: it counts
// each character outside CSI sequences as one cell, two from U+1100 on
// (where wide characters begin) except the block elements the picture is
// drawn with. False means "measure it": other escapes, or too wide.
func fits(s string, width int) bool {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b:
			if i+1 >= len(s) || s[i+1] != '[' {
				return false
			}
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j + 1
			continue
		case c < utf8.RuneSelf:
			n++
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r < 0x1100 || (r >= 0x2580 && r <= 0x259f) {
				n++
			} else {
				n += 2
			}
			i += size
		}
		if n > width {
			return false
		}
	}
	return true
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

// emptyField reports whether the text field being typed in is empty: there
// ? opens the help rather than typing itself.
func (m Model) emptyField() bool {
	switch m.screen {
	case screenNewCase:
		return m.form.inputs[m.form.focus].Value() == ""
	case screenForm:
		return m.work.form.inputs[m.work.form.focus].Value() == ""
	case screenCases:
		return m.cases.filter == ""
	case screenCase:
		return m.caseView.input.Value() == ""
	case screenCameras:
		return m.picker.filter == ""
	case screenFrames:
		return m.frames.input.Value() == ""
	}
	return true
}
