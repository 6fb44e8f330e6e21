package tui

import (
	"context"
	"time"
)

// CaseWork is the rest of a case's work in the UI: its status and fields,
// an entry's times and tags, investigators' requests, the archive's
// verify and legal hold, retention with every window, and a camera clock
// read off a frame. Each is one service call, validated and audited there.
type CaseWork interface {
	// EditCase changes the case's fields that are set, based on the version
	// the UI showed (0: whatever it is now). A field the service refuses is
	// a *fault.FieldError naming it; a case changed meanwhile is a
	// *StaleError.
	EditCase(ctx context.Context, number string, e CaseEdit) error
	// SetStatus moves the case to status; reopen allows moving it back.
	SetStatus(ctx context.Context, number, status string, reopen bool, version int64) error
	// EditEntryTimes changes an entry's time, clip range and tags; it
	// returns a warning worth showing (no footage then), or "".
	EditEntryTimes(ctx context.Context, number string, id int64, e EntryEdit) (string, error)
	// Requests lists investigators' requests, newest first.
	Requests(ctx context.Context) ([]RequestRow, error)
	// AcceptRequest opens a case from a request; number "" names it
	// request-ID. It returns the case's number.
	AcceptRequest(ctx context.Context, id int64, number string) (string, error)
	// Nearest is the camera nearest a position typed as LAT,LON (a zero
	// CameraRow when there is none).
	Nearest(ctx context.Context, position string) (CameraRow, error)
	// RetentionOf lists the windows at risk, or with all every window.
	RetentionOf(ctx context.Context, all bool) ([]RetentionRow, error)
	// VerifyArchived re-reads an archived bundle (CASE/EXPORT-ID) and
	// checks its hashes, lock and hold.
	VerifyArchived(ctx context.Context, ref string) (string, error)
	// SetHold places (on) or lifts a legal hold on an archived bundle.
	SetHold(ctx context.Context, ref string, on bool) (string, error)
	// AddClock records what a recorder's on-screen clock shows at the
	// frame at true time frame.
	AddClock(ctx context.Context, camera string, frame time.Time, shows, note string) (string, error)
}

// CaseEdit is the case form's content: times as typed (display zone).
// Only fields that differ from what was shown are sent.
type CaseEdit struct {
	Version int64
	Fields  map[string]string // by the CLI's flag name: title, crime, place, position, from, to, requested-by, request, suspect, deadline
}

// EntryEdit is an entry's new time, clip range and tags. Times are as
// typed, only those changed, by name (at, from, to): a time of day alone
// is on the entry's date, in the display zone.
type EntryEdit struct {
	Version int64
	Times   map[string]string
	Tags    []string
	Date    time.Time // the entry's time, whose date a time of day alone takes
	Camera  string    // the entry's camera: a new time is put on its frame there
}

// RequestRow is an investigator's request.
type RequestRow struct {
	ID                    int64
	Title, Place, FiledBy string
	Need, Suspect         string
	From, To, Filed       time.Time
	Status, Case          string // Status "filed" until accepted
}

// StaleError is an edit refused because someone changed the record since
// it was shown; Version is its version now.
type StaleError struct {
	Msg     string
	Version int64
	By      string    // who changed it
	At      time.Time // when
}

// meanwhile says who changed it and when, in the display zone.
func (e *StaleError) meanwhile(zone *time.Location) string {
	if e.By == "" {
		return "changed meanwhile"
	}
	return "changed meanwhile by " + e.By + " at " + e.At.In(zone).Format("15:04:05")
}

func (e *StaleError) Error() string { return e.Msg }
