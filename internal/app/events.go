package app

// Events is how a long operation tells its front end what it is doing:
// the CLI draws bars and lines on stderr, the UI shows them in its status
// bar, a worker stores them with its job.
type Events interface {
	// Progress reports done of total units (bytes, frames) of the step
	// named label.
	Progress(label string, done, total int64)
	// Step says what the operation is doing now, as one line.
	Step(msg string)
	// Warn reports something the user should know that is not a failure
	// (an entry at a time with no footage).
	Warn(msg string)
}

// Discard is Events that drops everything.
var Discard Events = discard{}

type discard struct{}

func (discard) Progress(string, int64, int64) {}
func (discard) Step(string)                   {}
func (discard) Warn(string)                   {}

// events returns ev, or Discard when it is nil.
func events(ev Events) Events {
	if ev == nil {
		return Discard
	}
	return ev
}
