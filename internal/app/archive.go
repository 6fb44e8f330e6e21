package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// PushRequest asks for a bundle to be archived: the bundle directory Dir,
// or else the newest export of case Case that is still on disk.
type PushRequest struct {
	Case string
	Dir  string
	// Jobs is the number of parallel uploads (0: 4).
	Jobs int
	// MaxRate limits the upload in bytes per second (0: no limit).
	MaxRate int64
	// DeleteLocal deletes the local bundle once every object has been
	// read back from the archive and matched.
	DeleteLocal bool
}

// PushResult is what a push did and where the bundle now stands.
type PushResult struct {
	archive.PushResult
	Dir          string        `json:"dir"`
	Store        string        `json:"store"`
	State        archive.State `json:"state"`
	RetainUntil  time.Time     `json:"retain_until"`
	LockMode     string        `json:"lock_mode,omitempty"`
	Verified     int           `json:"verified_objects"`
	LocalDeleted bool          `json:"local_deleted"`
	// Seal is the key of the audit seal the push wrote (the chain's head
	// after the push's own entry).
	Seal string `json:"seal,omitempty"`
}

// Push archives one bundle and moves its job through the queue's states:
// uploading while it runs, verified when every object checks out, queued
// (with the reason) when the archive fails in a way a retry may fix,
// failed when it will not (the configuration).
func (s *Service) Push(ctx context.Context, req PushRequest, ev Events) (PushResult, error) {
	if err := s.Need(ctx, "archive push", req.Case, RoleArchivist); err != nil {
		return PushResult{}, err
	}
	dir := req.Dir
	if dir == "" {
		var err error
		if dir, err = s.newestBundle(ctx, req.Case); err != nil {
			return PushResult{}, err
		}
	}
	return s.push(ctx, dir, req, events(ev))
}

// RetryResult lists the bundles a retry archived.
type RetryResult struct {
	Archived []PushResult `json:"archived"`
	// Jobs is how many queued jobs there were.
	Jobs int `json:"-"`
}

// Retry pushes every queued, failed or interrupted bundle again. It goes
// through all of them and returns the first error.
func (s *Service) Retry(ctx context.Context, ev Events) (RetryResult, error) {
	if err := s.Need(ctx, "archive retry", "", RoleArchivist); err != nil {
		return RetryResult{}, err
	}
	ev = events(ev)
	var res RetryResult
	states := make([]string, len(archive.Retryable))
	for i, st := range archive.Retryable {
		states[i] = string(st)
	}
	jobs, err := s.store.ArchiveJobsIn(ctx, s.archiveID(), "", states...)
	if err != nil {
		return res, fault.Wrap(fault.Storage, err)
	}
	res.Jobs = len(jobs)
	var firstErr error
	for _, j := range jobs {
		var v PushResult
		var err error
		if archive.State(j.State) == archive.Deleting {
			ev.Step(fmt.Sprintf("archive retry: %s/%s (finishing the local delete)", j.Case, j.ExportID))
			v, err = s.resumeDelete(ctx, j, ev)
		} else {
			ev.Step(fmt.Sprintf("archive retry: %s/%s (attempt %d)", j.Case, j.ExportID, j.Attempts+1))
			v, err = s.push(ctx, j.Dir, PushRequest{Jobs: 4}, ev)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		res.Archived = append(res.Archived, v)
	}
	return res, firstErr
}

// lockMode is the mode objects are put with: the S3 lock mode, or none for
// a local directory, which records the retention but cannot enforce it.
func (s *Service) lockMode() string {
	if s.cfg.Archive.Backend == "s3" {
		return s.cfg.Archive.S3.LockMode
	}
	return ""
}

// archiveID names the configured archive, its backend and location, as
// archive state is kept: per (bundle, archive). It is the store's
// description (and the prefix in a bucket), known without opening it.
func (s *Service) archiveID() string {
	a := s.cfg.Archive
	if a.Backend != "s3" {
		return "directory " + a.Path
	}
	scheme := "http"
	if a.S3.TLS {
		scheme = "https"
	}
	id := fmt.Sprintf("s3://%s at %s://%s", a.S3.Bucket, scheme, a.S3.Endpoint)
	if p := strings.Trim(a.S3.Prefix, "/"); p != "" {
		id += " prefix " + p
	}
	return id
}

func (s *Service) archivePrefix() string {
	if s.cfg.Archive.Backend == "s3" {
		return s.cfg.Archive.S3.Prefix
	}
	return ""
}

// newestBundle is a case's newest export still on disk.
func (s *Service) newestBundle(ctx context.Context, number string) (string, error) {
	if err := casefile.ValidNumber(number); err != nil {
		return "", fault.Usagef("%s is neither a bundle directory nor a case number", number)
	}
	exports, err := s.store.Exports(ctx, number)
	if err != nil {
		return "", fault.Wrap(fault.Storage, err)
	}
	for i := len(exports) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(exports[i].Dir, bundle.ManifestName)); err == nil {
			return exports[i].Dir, nil
		}
	}
	return "", fault.NotFoundf("no export of case %s on disk (klipp export %s, or give the bundle's directory)", number, number)
}

// retainUntil is how long a case's bundles are locked: from now, for its
// retention class, with years on the calendar (UTC).
func (s *Service) retainUntil(ctx context.Context, number string) (time.Time, error) {
	class := "default"
	if cs, err := s.store.GetCase(ctx, number); err == nil && cs.RetentionClass != "" {
		class = cs.RetentionClass
	}
	p, ok := s.cfg.RetentionClasses[class]
	if !ok {
		return time.Time{}, fault.Usagef("case %s has retention class %q, which klipp.yaml's retention_classes does not define", number, class)
	}
	return p.AddTo(s.now().UTC()).Truncate(time.Second), nil
}

func (s *Service) push(ctx context.Context, dir string, req PushRequest, ev Events) (PushResult, error) {
	v := PushResult{Dir: dir}
	m, ref, err := archive.ReadBundle(dir)
	if err != nil {
		// A bundle whose --delete-local was interrupted is no bundle any
		// more (its manifest goes first): the delete is finished.
		if j, ok, jerr := s.deletingJob(ctx, dir); jerr != nil {
			return v, jerr
		} else if ok {
			return s.resumeDelete(ctx, j, ev)
		}
		return v, fault.Wrap(fault.Usage, err)
	}
	unlock, err := s.lockBundle(ref, "archive push")
	if err != nil {
		return v, err
	}
	defer unlock()
	until, err := s.retainUntil(ctx, ref.Case)
	if err != nil {
		return v, err
	}
	v.RetainUntil, v.LockMode, v.Ref = until, s.lockMode(), ref
	job, err := s.store.ArchiveJob(ctx, s.archiveID(), ref.Case, ref.ExportID)
	if errors.Is(err, store.ErrNotFound) {
		job = store.ArchiveJob{Case: ref.Case, ExportID: ref.ExportID, Archive: s.archiveID(), Created: s.now().UTC()}
	} else if err != nil {
		return v, fault.Wrap(fault.Storage, err)
	}
	if archive.State(job.State) == archive.Deleting {
		unlock()
		return s.resumeDelete(ctx, job, ev)
	}
	if job.RetainUntil != nil {
		// Pushed before (in part or whole): every object of the bundle is
		// locked until the same date.
		until = *job.RetainUntil
		v.RetainUntil = until
	}
	// Uploading marks the queue only; what the push did is audited when
	// it ends, either way.
	job.Dir, job.Attempts, job.Updated, job.RetainUntil = dir, job.Attempts+1, s.now().UTC(), &until
	job.State, job.Error = string(archive.Uploading), ""
	if err := s.store.PutArchiveJob(ctx, job); err != nil {
		return v, fault.Wrap(fault.Storage, err)
	}
	fail := func(err error) (PushResult, error) {
		err = archiveFault(err)
		state := archive.Queued
		if fault.KindOf(err) == fault.Usage {
			state = archive.Failed
		}
		job.State, job.Error, job.Updated = string(state), err.Error(), s.now().UTC()
		v.State = state
		// The reason is kept even when the caller gave up (ctx cancelled).
		bg := context.WithoutCancel(ctx)
		s.change(bg, audit.Entry{Action: "archive.push.failed", Case: ref.Case, Detail: map[string]string{"export": ref.ExportID, "dir": dir,
			"archive": job.Archive, "error": err.Error()}},
			func(tx *store.Store) error { return tx.PutArchiveJob(bg, job) })
		if state == archive.Queued {
			return v, fault.Wrap(fault.Storage, fmt.Errorf("%w; %s is queued: run klipp archive retry", err, ref))
		}
		return v, err
	}
	st, err := s.Archive(ctx)
	if err != nil {
		return fail(err)
	}
	v.Store, job.Backend = st.Describe(), st.Describe()
	label := "archive " + ref.String()
	res, err := archive.Push(ctx, st, dir, archive.PushOptions{Prefix: s.archivePrefix(), Mode: s.lockMode(), RetainUntil: until, Jobs: req.Jobs,
		MaxRate: req.MaxRate, Progress: func(done, total int64) { ev.Progress(label, done, total) }})
	v.PushResult = res
	if err != nil {
		return fail(err)
	}
	// Every object: its checksum as the store verified it on receipt (or
	// read back), its retention and hold; manifest.json last. Before the
	// local copy is deleted, every object is read back and hashed.
	rep, err := archive.Verify(ctx, st, ref, archive.VerifyOptions{Prefix: s.archivePrefix(), Mode: s.lockMode(), Until: until, Hold: job.Hold,
		Stored: !req.DeleteLocal})
	if err != nil {
		return fail(err)
	}
	if !rep.OK() {
		return fail(fmt.Errorf("%s in %s does not verify after the push: %s", ref, st.Describe(), strings.Join(rep.Problems(), "; ")))
	}
	_, msum, err := digest.File(filepath.Join(dir, bundle.ManifestName))
	if err != nil {
		return fail(err)
	}
	now := s.now().UTC()
	v.Verified, v.State = rep.Checked, archive.Verified
	job.State, job.Error, job.Updated = string(archive.Verified), "", now
	if req.DeleteLocal {
		// Recorded with the push: the delete starts only now that the
		// archive verified, and a later push or retry finishes it.
		job.State = string(archive.Deleting)
	}
	// The native copies now outlive their sources.
	var kept []store.Preserved
	for _, f := range m.Files {
		if bundle.IsNative(f.Path) && len(f.DerivedFrom) > 0 {
			kept = append(kept, store.Preserved{Path: f.DerivedFrom[0], SHA256: f.SHA256, Case: ref.Case, ExportID: ref.ExportID, Archived: now})
		}
	}
	entry := audit.Entry{Action: "archive.push", Case: ref.Case, Hashes: map[string]string{ref.Key(s.archivePrefix(), bundle.ManifestName): msum},
		Detail: map[string]string{"export": ref.ExportID, "store": st.Describe(), "objects": strconv.Itoa(res.Objects), "uploaded": strconv.Itoa(res.Uploaded),
			"retain_until": until.Format(time.RFC3339), "lock_mode": s.lockMode(), "files": strconv.Itoa(len(m.Files))}}
	if _, err := s.change(ctx, entry, func(tx *store.Store) error {
		if err := tx.PutArchiveJob(ctx, job); err != nil {
			return err
		}
		return tx.AddPreserved(ctx, kept)
	}); err != nil {
		return v, err
	}
	// The chain's head, now with this push, goes to the archive next to the
	// bundle. The bundle is archived either way; a seal that cannot be
	// written is reported after the rest of the push.
	seal, sealErr := s.seal(ctx, st, "archive.push "+ref.String())
	if sealErr != nil {
		sealErr = fault.Wrap(fault.KindOf(sealErr), fmt.Errorf("%s is archived, but %w (klipp audit seal writes one)", ref, sealErr))
		ev.Warn(sealErr.Error())
	}
	v.Seal = seal.Key
	if req.DeleteLocal {
		if err := s.deleteLocal(ctx, &job); err != nil {
			return v, err
		}
		v.LocalDeleted, v.State = true, archive.Verified
	}
	return v, sealErr
}

// deleteFault, when set (by tests), is called while a local bundle is
// being deleted, after its manifest is gone: an error stops the delete
// there, as a kill would.
var deleteFault func(dir string) error

// deleteLocal deletes a verified job's local bundle: manifest.json first,
// so that what is left is no bundle, then the rest; then the job is
// recorded as verified with its local copy deleted. An interrupted delete
// leaves the job deleting, for resumeDelete.
func (s *Service) deleteLocal(ctx context.Context, job *store.ArchiveJob) error {
	dir := job.Dir
	err := os.Remove(filepath.Join(dir, bundle.ManifestName))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fault.Wrap(fault.Storage, fmt.Errorf("archived, but deleting %s failed: %w (klipp archive retry finishes it)", dir, err))
	}
	if deleteFault != nil {
		if err := deleteFault(dir); err != nil {
			return fault.Wrap(fault.Storage, fmt.Errorf("archived, but deleting %s stopped: %w (klipp archive retry finishes it)", dir, err))
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fault.Wrap(fault.Storage, fmt.Errorf("archived, but deleting %s failed: %w (klipp archive retry finishes it)", dir, err))
	}
	job.State, job.LocalDeleted, job.Updated = string(archive.Verified), true, s.now().UTC()
	_, err = s.change(ctx, audit.Entry{Action: "archive.delete-local", Case: job.Case, Detail: map[string]string{"export": job.ExportID, "dir": dir,
		"archive": job.Archive}}, func(tx *store.Store) error { return tx.PutArchiveJob(ctx, *job) })
	return err
}

// deletingJob is the configured archive's job whose local bundle in dir
// was being deleted.
func (s *Service) deletingJob(ctx context.Context, dir string) (store.ArchiveJob, bool, error) {
	jobs, err := s.store.ArchiveJobsIn(ctx, s.archiveID(), "", string(archive.Deleting))
	if err != nil {
		return store.ArchiveJob{}, false, fault.Wrap(fault.Storage, err)
	}
	for _, j := range jobs {
		if filepath.Clean(j.Dir) == filepath.Clean(dir) {
			return j, true, nil
		}
	}
	return store.ArchiveJob{}, false, nil
}

// resumeDelete finishes an interrupted --delete-local: the archived bundle
// is read back and verified again, and only then is the rest of the local
// copy deleted.
func (s *Service) resumeDelete(ctx context.Context, job store.ArchiveJob, ev Events) (PushResult, error) {
	ref := archive.Ref{Case: job.Case, ExportID: job.ExportID}
	v := PushResult{Dir: job.Dir, PushResult: archive.PushResult{Ref: ref}, LockMode: s.lockMode(), State: archive.Deleting}
	if job.RetainUntil != nil {
		v.RetainUntil = *job.RetainUntil
	}
	unlock, err := s.lockBundle(ref, "archive push (finishing --delete-local)")
	if err != nil {
		return v, err
	}
	defer unlock()
	st, err := s.Archive(ctx)
	if err != nil {
		return v, err
	}
	v.Store = st.Describe()
	ev.Step(fmt.Sprintf("%s: verifying the archive before finishing the delete of %s", ref, job.Dir))
	rep, err := archive.Verify(ctx, st, ref, archive.VerifyOptions{Prefix: s.archivePrefix(), Mode: s.lockMode(), Until: v.RetainUntil, Hold: job.Hold})
	if err != nil {
		return v, archiveFault(err)
	}
	if !rep.OK() {
		return v, fault.Storagef("%s in %s does not verify, so %s is not deleted further: %s", ref, st.Describe(), job.Dir, strings.Join(rep.Problems(), "; "))
	}
	v.Verified, v.Objects = rep.Checked, rep.Checked
	if err := s.deleteLocal(ctx, &job); err != nil {
		return v, err
	}
	v.State, v.LocalDeleted = archive.Verified, true
	return v, nil
}

// ArchiveRow is a bundle in the archive, in the queue, or both.
type ArchiveRow struct {
	Ref         archive.Ref   `json:"ref"`
	State       archive.State `json:"state"` // archived | archived? | incomplete | queued | uploading | failed
	Objects     int           `json:"objects"`
	Bytes       int64         `json:"bytes"`
	RetainUntil *time.Time    `json:"retain_until,omitempty"`
	Hold        bool          `json:"legal_hold"`
	Error       string        `json:"error,omitempty"`
	Dir         string        `json:"local_dir,omitempty"`
	// Verified is the bundle's last `archive verify`, from the audit log.
	Verified *Verification `json:"last_verified,omitempty"`
}

// Verification is an archive verify's outcome as audited.
type Verification struct {
	At time.Time `json:"at"`
	OK bool      `json:"ok"`
}

// ArchiveListRequest selects the bundles to list: a case's, or all.
type ArchiveListRequest struct {
	Case string
}

// ArchiveList lists the queue and the archive. The queue is local: when
// the archive cannot be reached its rows are still returned, together with
// the error.
func (s *Service) ArchiveList(ctx context.Context, req ArchiveListRequest) ([]ArchiveRow, error) {
	if err := s.Need(ctx, "archive ls", req.Case, RoleArchivist, RoleAnalyst); err != nil {
		return nil, err
	}
	if req.Case != "" {
		if err := casefile.ValidNumber(req.Case); err != nil {
			return nil, err
		}
	}
	jobs, err := s.store.ArchiveJobsIn(ctx, s.archiveID(), req.Case)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	byRef := map[archive.Ref]int{}
	rows := []ArchiveRow{}
	for _, j := range jobs {
		r := ArchiveRow{Ref: archive.Ref{Case: j.Case, ExportID: j.ExportID}, State: archive.State(j.State).Listed(), RetainUntil: j.RetainUntil, Hold: j.Hold, Error: j.Error}
		if !j.LocalDeleted {
			r.Dir = j.Dir
		}
		if archive.State(j.State) == archive.Deleting {
			r.Error = "the local copy's delete was interrupted: klipp archive retry finishes it"
		}
		byRef[r.Ref] = len(rows)
		rows = append(rows, r)
	}
	var list []archive.Bundle
	st, storeErr := s.Archive(ctx)
	if storeErr == nil {
		list, storeErr = archive.List(ctx, st, s.archivePrefix(), req.Case)
		storeErr = archiveFault(storeErr)
	}
	if storeErr != nil {
		for i := range rows {
			if rows[i].State == archive.Archived {
				rows[i].State, rows[i].Error = archive.Unchecked, "not checked: "+storeErr.Error()
			}
		}
	}
	for _, b := range list {
		i, ok := byRef[b.Ref]
		if !ok {
			i = len(rows)
			rows = append(rows, ArchiveRow{Ref: b.Ref, State: archive.Archived})
		}
		r := &rows[i]
		r.Objects, r.Bytes = b.Objects, b.Bytes
		// Without manifest.json the push has not finished, whatever the
		// queue says.
		if !b.Complete && r.State == archive.Archived {
			r.State = archive.Incomplete
		}
	}
	verified, err := s.verifications(ctx, req.Case)
	if err != nil {
		return rows, err
	}
	for i := range rows {
		rows[i].Verified = verified[rows[i].Ref.String()]
	}
	return rows, storeErr
}

// verifications are the last audited verification of each bundle (of a
// case, or all), by its ref.
func (s *Service) verifications(ctx context.Context, number string) (map[string]*Verification, error) {
	out := map[string]*Verification{}
	err := s.auditOf(ctx, number, "archive.verify", func(e audit.Entry) error {
		if ref := e.Detail["ref"]; ref != "" {
			out[ref] = &Verification{At: e.Time, OK: e.Detail["ok"] == "true"}
		}
		return nil
	})
	return out, err
}

// ArchiveTarget names an archived bundle: Case/ExportID, or the case's
// newest complete bundle when ExportID is empty.
type ArchiveTarget struct {
	Case     string
	ExportID string
}

// resolve finds the bundle t names in st.
func (s *Service) resolve(ctx context.Context, st archive.Store, t ArchiveTarget) (archive.Ref, error) {
	if err := casefile.ValidNumber(t.Case); err != nil {
		return archive.Ref{}, err
	}
	if t.ExportID != "" {
		return archive.Ref{Case: t.Case, ExportID: t.ExportID}, nil
	}
	list, err := archive.List(ctx, st, s.archivePrefix(), t.Case)
	if err != nil {
		return archive.Ref{}, archiveFault(err)
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Complete {
			return list[i].Ref, nil
		}
	}
	return archive.Ref{}, fault.NotFoundf("no archived bundle of case %s in %s (klipp archive ls)", t.Case, st.Describe())
}

// ArchiveVerifyResult is an archived bundle's verification.
type ArchiveVerifyResult struct {
	Ref    archive.Ref
	Store  string
	Hold   bool // a legal hold was required (and found, when OK)
	Report *archive.VerifyReport
}

// ArchiveVerify re-reads and re-hashes every object of an archived bundle
// and checks its retention and legal hold against the queue's record. A
// bundle that fails is a storage error; the result still carries the
// report.
func (s *Service) ArchiveVerify(ctx context.Context, t ArchiveTarget, ev Events) (ArchiveVerifyResult, error) {
	if err := s.Need(ctx, "archive verify", t.Case, RoleArchivist); err != nil {
		return ArchiveVerifyResult{}, err
	}
	ev = events(ev)
	var res ArchiveVerifyResult
	st, err := s.Archive(ctx)
	if err != nil {
		return res, err
	}
	ref, err := s.resolve(ctx, st, t)
	if err != nil {
		return res, err
	}
	res.Ref, res.Store = ref, st.Describe()
	opts := archive.VerifyOptions{Prefix: s.archivePrefix(), Mode: s.lockMode(), Until: s.now()}
	if j, err := s.store.ArchiveJob(ctx, s.archiveID(), ref.Case, ref.ExportID); err == nil {
		opts.Hold = j.Hold
		if j.RetainUntil != nil {
			opts.Until = *j.RetainUntil
		}
	}
	res.Hold = opts.Hold
	ev.Progress("verify "+ref.String(), 0, 1)
	rep, err := archive.Verify(ctx, st, ref, opts)
	if err != nil {
		return res, archiveFault(err)
	}
	res.Report = rep
	detail := map[string]string{"ref": ref.String(), "store": st.Describe(), "objects": strconv.Itoa(rep.Checked), "ok": strconv.FormatBool(rep.OK())}
	if !rep.OK() {
		detail["problems"] = strings.Join(rep.Problems(), "; ")
	}
	if _, err := s.record(ctx, audit.Entry{Action: "archive.verify", Case: ref.Case, Detail: detail}); err != nil {
		return res, err
	}
	if !rep.OK() {
		return res, fault.Storagef("archived bundle %s in %s fails verification: %s", ref, st.Describe(), strings.Join(rep.Problems(), "; "))
	}
	return res, nil
}

// HoldResult is a legal hold placed or lifted. (Fields in the order the
// JSON has always had them.)
type HoldResult struct {
	LegalHold bool        `json:"legal_hold"`
	Objects   int         `json:"objects"`
	Ref       archive.Ref `json:"ref"`
}

// Hold places a legal hold on every object of an archived bundle.
func (s *Service) Hold(ctx context.Context, t ArchiveTarget) (HoldResult, error) {
	if err := s.Need(ctx, "archive hold", t.Case, RoleArchivist); err != nil {
		return HoldResult{}, err
	}
	return s.setHold(ctx, t, true)
}

// Release lifts the legal hold from every object of an archived bundle.
func (s *Service) Release(ctx context.Context, t ArchiveTarget) (HoldResult, error) {
	if err := s.Need(ctx, "archive release", t.Case, RoleArchivist); err != nil {
		return HoldResult{}, err
	}
	return s.setHold(ctx, t, false)
}

func (s *Service) setHold(ctx context.Context, t ArchiveTarget, on bool) (HoldResult, error) {
	res := HoldResult{LegalHold: on}
	st, err := s.Archive(ctx)
	if err != nil {
		return res, err
	}
	ref, err := s.resolve(ctx, st, t)
	if err != nil {
		return res, err
	}
	res.Ref = ref
	n, err := archive.SetHold(ctx, st, s.archivePrefix(), ref, on)
	if err != nil {
		return res, archiveFault(err)
	}
	res.Objects = n
	action := "archive.hold"
	if !on {
		action = "archive.release"
	}
	now := s.now().UTC()
	_, err = s.change(ctx, audit.Entry{Action: action, Case: ref.Case, Detail: map[string]string{"export": ref.ExportID, "objects": strconv.Itoa(n), "store": st.Describe()}},
		func(tx *store.Store) error {
			j, err := tx.ArchiveJob(ctx, s.archiveID(), ref.Case, ref.ExportID)
			if errors.Is(err, store.ErrNotFound) {
				j, err = store.ArchiveJob{Case: ref.Case, ExportID: ref.ExportID, Archive: s.archiveID(), Backend: st.Describe(), State: string(archive.Verified), Created: now}, nil
			}
			if err != nil {
				return err
			}
			j.Hold, j.Updated = on, now
			return tx.PutArchiveJob(ctx, j)
		})
	return res, err
}
