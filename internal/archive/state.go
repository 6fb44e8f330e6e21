package archive

// State is where a bundle stands: in the archive queue (Queued, Uploading,
// Verified, Failed, the states a push moves a job through) or, as the
// listing shows it, in the archive (Archived, Unchecked, Incomplete). The
// values are the JSON and store spelling.
type State string

// The queue's states.
const (
	// Queued: a push failed for a reason that may pass (the archive was
	// unreachable); archive retry pushes it again.
	Queued State = "queued"
	// Uploading: a push is running, or stopped without recording why.
	Uploading State = "uploading"
	// Verified: every object is in the archive and verified.
	Verified State = "verified"
	// Deleting: verified, and the local bundle is being deleted
	// (--delete-local); a push or retry that finds it so finishes the
	// delete, after verifying the archive again.
	Deleting State = "deleting"
	// Failed: a push failed for a reason retrying will not fix (the
	// configuration); archive retry still tries it.
	Failed State = "failed"
)

// The listing's states of a bundle in the archive.
const (
	// Archived: verified by its push and complete in the archive.
	Archived State = "archived"
	// Unchecked: verified by its push, but the archive could not be
	// reached to see it now.
	Unchecked State = "archived?"
	// Incomplete: objects in the archive without the manifest that marks
	// a finished push.
	Incomplete State = "incomplete"
)

// Retryable are the queue states archive retry pushes again.
var Retryable = []State{Queued, Failed, Uploading, Deleting}

// Listed is how a job's state is shown in a listing: a verified job is
// archived, and so is one whose local copy is being deleted.
func (s State) Listed() State {
	if s == Verified || s == Deleting {
		return Archived
	}
	return s
}

// Label is the state's display text (the table's, the UI's).
func (s State) Label() string {
	return string(s.Listed())
}
