package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

func (a *cli) archiveCommand() *cobra.Command {
	c := &cobra.Command{Use: "archive", Short: "Store bundles write-once: push, ls, verify, hold, release, retry"}
	c.AddCommand(a.archivePush(), a.archiveLs(), a.archiveVerify(), a.archiveHold(true), a.archiveHold(false), a.archiveRetry())
	return c
}

// archiveStore opens the configured archive. Configuration mistakes are
// usage errors (exit 2); everything the server says is a storage error
// (exit 5).
func (a *cli) archiveStore(ctx context.Context) (archive.Store, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	if cfg.Archive.Backend == "local" {
		st, err := archive.NewLocal(cfg.Archive.Path)
		return st, archiveFault(err)
	}
	s := cfg.Archive.S3
	st, err := archive.NewS3(ctx, archive.S3Config{Endpoint: s.Endpoint, Region: s.Region, Bucket: s.Bucket, TLS: s.TLS, CAFile: s.CAFile,
		LockMode: s.LockMode, AccessKey: s.AccessKey, SecretKey: s.SecretKey})
	return st, archiveFault(err)
}

// archiveFault classifies an archive error for the exit code.
func archiveFault(err error) error {
	if err == nil {
		return nil
	}
	var ce *archive.ConfigError
	if errors.As(err, &ce) {
		return fault.Wrap(fault.Usage, err)
	}
	if errors.Is(err, archive.ErrNotFound) {
		return fault.Wrap(fault.NotFound, err)
	}
	return fault.Wrap(fault.Storage, err)
}

// lockMode is the mode objects are put with: the S3 lock mode, or none for
// a local directory, which records the retention but cannot enforce it.
func (a *cli) lockMode() string {
	if a.cfg.Archive.Backend == "s3" {
		return a.cfg.Archive.S3.LockMode
	}
	return ""
}

func (a *cli) archivePrefix() string {
	if a.cfg.Archive.Backend == "s3" {
		return a.cfg.Archive.S3.Prefix
	}
	return ""
}

// bundleDir finds the bundle a push means: a directory, or a case number
// for its newest export that is still on disk.
func (a *cli) bundleDir(ctx context.Context, arg string) (string, error) {
	if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
		return arg, nil
	}
	if err := casefile.ValidNumber(arg); err != nil {
		return "", fault.Usagef("%s is neither a bundle directory nor a case number", arg)
	}
	db, err := a.openStore(ctx)
	if err != nil {
		return "", err
	}
	exports, err := db.Exports(ctx, arg)
	if err != nil {
		return "", fault.Wrap(fault.Storage, err)
	}
	for i := len(exports) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(exports[i].Dir, bundle.ManifestName)); err == nil {
			return exports[i].Dir, nil
		}
	}
	return "", fault.NotFoundf("no export of case %s on disk (klipp export %s, or give the bundle's directory)", arg, arg)
}

// retainUntil is how long a case's bundles are locked: from now, for its
// retention class.
func (a *cli) retainUntil(ctx context.Context, number string) (time.Time, error) {
	class := "default"
	if st, err := a.openStore(ctx); err == nil {
		if cs, err := st.GetCase(ctx, number); err == nil && cs.RetentionClass != "" {
			class = cs.RetentionClass
		}
	}
	d, ok := a.cfg.RetentionClasses[class]
	if !ok {
		return time.Time{}, fault.Usagef("case %s has retention class %q, which klipp.yaml's retention_classes does not define", number, class)
	}
	return a.now().Add(d).UTC().Truncate(time.Second), nil
}

type pushView struct {
	archive.PushResult
	Dir          string    `json:"dir"`
	Store        string    `json:"store"`
	State        string    `json:"state"`
	RetainUntil  time.Time `json:"retain_until"`
	LockMode     string    `json:"lock_mode,omitempty"`
	Verified     int       `json:"verified_objects"`
	LocalDeleted bool      `json:"local_deleted"`
}

func (a *cli) archivePush() *cobra.Command {
	var deleteLocal bool
	var jobs int
	var maxRate string
	cmd := &cobra.Command{
		Use:   "push CASE|DIR [--delete-local]",
		Short: "Upload a bundle (a case's newest export, or a bundle directory), then re-read and verify every object",
		Args:  exactArgs(1, "a case number or a bundle directory"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := a.config(); err != nil {
				return err
			}
			dir, err := a.bundleDir(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			rate, err := parseRate(maxRate)
			if err != nil {
				return err
			}
			v, err := a.pushBundle(cmd.Context(), dir, jobs, rate, deleteLocal)
			if err != nil {
				return err
			}
			return a.emit(v, func(w io.Writer) {
				checked := "each object's SHA-256 as the archive verified it and its retention checked"
				if deleteLocal {
					checked = "every object read back and its SHA-256 compared"
				}
				fmt.Fprintf(w, "archived %s in %s: %d objects (%d uploaded, %d already there), %s; locked until %s%s\n",
					v.Ref, v.Store, v.Objects, v.Uploaded, v.Skipped, checked, v.RetainUntil.Format("2006-01-02"), modeNote(v.LockMode))
				if v.LocalDeleted {
					fmt.Fprintf(w, "deleted the local bundle %s\n", dir)
				}
			})
		},
	}
	cmd.Flags().BoolVar(&deleteLocal, "delete-local", false, "delete the local bundle once the archive has verified it")
	cmd.Flags().IntVar(&jobs, "jobs", 4, "parallel uploads")
	cmd.Flags().StringVar(&maxRate, "max-rate", "", "limit the upload rate, e.g. 20MB/s (shared networks)")
	return cmd
}

func modeNote(mode string) string {
	if mode == "" {
		return " (local directory: retention recorded, files read-only)"
	}
	return " in " + mode + " mode"
}

// parseRate reads "20MB/s", "500kB/s" or a number of bytes per second.
func parseRate(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	t := strings.TrimSuffix(strings.TrimSpace(s), "/s")
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"KB", 1e3}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || f <= 0 {
		return 0, fault.Usagef("--max-rate %q: give a rate such as 20MB/s", s)
	}
	return int64(f * float64(mult)), nil
}

// pushBundle archives one bundle and records it in the queue: uploading
// while it runs, verified when every object is re-read and matches, queued
// with the reason when the archive fails.
func (a *cli) pushBundle(ctx context.Context, dir string, jobs int, rate int64, deleteLocal bool) (pushView, error) {
	v := pushView{Dir: dir}
	m, ref, err := archive.ReadBundle(dir)
	if err != nil {
		return v, fault.Wrap(fault.Usage, err)
	}
	db, err := a.openStore(ctx)
	if err != nil {
		return v, err
	}
	until, err := a.retainUntil(ctx, ref.Case)
	if err != nil {
		return v, err
	}
	v.RetainUntil, v.LockMode, v.PushResult.Ref = until, a.lockMode(), ref
	job, err := db.ArchiveJob(ctx, ref.Case, ref.ExportID)
	if errors.Is(err, store.ErrNotFound) {
		job = store.ArchiveJob{Case: ref.Case, ExportID: ref.ExportID, Created: a.now().UTC()}
	} else if err != nil {
		return v, fault.Wrap(fault.Storage, err)
	}
	if job.RetainUntil != nil {
		// Pushed before (in part or whole): every object of the bundle is
		// locked until the same date.
		until = *job.RetainUntil
		v.RetainUntil = until
	}
	job.Dir, job.Attempts, job.Updated, job.RetainUntil = dir, job.Attempts+1, a.now().UTC(), &until
	job.State, job.Error = "uploading", ""
	if err := db.PutArchiveJob(ctx, job); err != nil {
		return v, fault.Wrap(fault.Storage, err)
	}
	fail := func(err error) (pushView, error) {
		err = archiveFault(err)
		if fault.KindOf(err) == fault.Usage {
			job.State = "failed"
		} else {
			job.State = "queued"
		}
		job.Error, job.Updated = err.Error(), a.now().UTC()
		db.PutArchiveJob(context.WithoutCancel(ctx), job)
		a.record(audit.Entry{Action: "archive.push.failed", Case: ref.Case, Detail: map[string]string{"export": ref.ExportID, "dir": dir, "error": err.Error()}})
		if job.State == "queued" {
			return v, fault.Wrap(fault.Storage, fmt.Errorf("%w; %s is queued: run klipp archive retry", err, ref))
		}
		return v, err
	}
	st, err := a.archiveStore(ctx)
	if err != nil {
		return fail(err)
	}
	v.Store, job.Backend = st.Describe(), st.Describe()
	update, finish := a.progress("archive " + ref.String())
	res, err := archive.Push(ctx, st, dir, archive.PushOptions{Prefix: a.archivePrefix(), Mode: a.lockMode(), RetainUntil: until, Jobs: jobs, MaxRate: rate,
		Progress: update})
	finish()
	v.PushResult = res
	if err != nil {
		return fail(err)
	}
	// Every object: its checksum as the store verified it on receipt (or
	// read back), its retention and hold; manifest.json last. Before the
	// local copy is deleted, every object is read back and hashed.
	rep, err := archive.Verify(ctx, st, ref, archive.VerifyOptions{Prefix: a.archivePrefix(), Mode: a.lockMode(), Until: until, Hold: job.Hold,
		Stored: !deleteLocal})
	if err != nil {
		return fail(err)
	}
	if !rep.OK() {
		return fail(fmt.Errorf("%s in %s does not verify after the push: %s", ref, st.Describe(), strings.Join(rep.Problems(), "; ")))
	}
	v.Verified, v.State = rep.Checked, "verified"
	job.State, job.Error, job.Updated = "verified", "", a.now().UTC()
	if err := db.PutArchiveJob(ctx, job); err != nil {
		return v, fault.Wrap(fault.Storage, err)
	}
	// The native copies now outlive their sources.
	var kept []store.Preserved
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, "native/") && len(f.DerivedFrom) > 0 {
			kept = append(kept, store.Preserved{Path: f.DerivedFrom[0], SHA256: f.SHA256, Case: ref.Case, ExportID: ref.ExportID, Archived: a.now().UTC()})
		}
	}
	if err := db.AddPreserved(ctx, kept); err != nil {
		return v, fault.Wrap(fault.Storage, err)
	}
	_, msum, _ := bundle.HashFile(filepath.Join(dir, bundle.ManifestName))
	if err := a.record(audit.Entry{Action: "archive.push", Case: ref.Case, Hashes: map[string]string{ref.Key(a.archivePrefix(), bundle.ManifestName): msum},
		Detail: map[string]string{"export": ref.ExportID, "store": st.Describe(), "objects": strconv.Itoa(res.Objects), "uploaded": strconv.Itoa(res.Uploaded),
			"retain_until": until.Format(time.RFC3339), "lock_mode": a.lockMode(), "files": strconv.Itoa(len(m.Files))}}); err != nil {
		return v, err
	}
	if deleteLocal {
		if err := os.RemoveAll(dir); err != nil {
			return v, fault.Wrap(fault.Storage, fmt.Errorf("archived, but deleting %s failed: %w", dir, err))
		}
		job.LocalDeleted, v.LocalDeleted = true, true
		db.PutArchiveJob(ctx, job)
		if err := a.record(audit.Entry{Action: "archive.delete-local", Case: ref.Case, Detail: map[string]string{"export": ref.ExportID, "dir": dir}}); err != nil {
			return v, err
		}
	}
	return v, nil
}

func (a *cli) archiveRetry() *cobra.Command {
	return &cobra.Command{
		Use:   "retry",
		Short: "Push every queued or failed bundle again",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			jobs, err := db.ArchiveJobs(cmd.Context(), "", "queued", "failed", "uploading")
			if err != nil {
				return fault.Wrap(fault.Storage, err)
			}
			var done []pushView
			var firstErr error
			for _, j := range jobs {
				a.say("archive retry: %s/%s (attempt %d)", j.Case, j.ExportID, j.Attempts+1)
				v, err := a.pushBundle(cmd.Context(), j.Dir, 4, 0, false)
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				done = append(done, v)
			}
			if firstErr != nil {
				return firstErr
			}
			return a.emit(map[string]any{"archived": done}, func(w io.Writer) {
				if len(jobs) == 0 {
					fmt.Fprintln(w, "nothing is queued")
				}
				for _, v := range done {
					fmt.Fprintf(w, "archived %s in %s: %d objects verified\n", v.Ref, v.Store, v.Verified)
				}
			})
		},
	}
}

type archiveRow struct {
	Ref         archive.Ref `json:"ref"`
	State       string      `json:"state"` // archived | incomplete | queued | uploading | failed
	Objects     int         `json:"objects"`
	Bytes       int64       `json:"bytes"`
	RetainUntil *time.Time  `json:"retain_until,omitempty"`
	Hold        bool        `json:"legal_hold"`
	Error       string      `json:"error,omitempty"`
	Dir         string      `json:"local_dir,omitempty"`
}

func (a *cli) archiveLs() *cobra.Command {
	return &cobra.Command{
		Use:   "ls [CASE]",
		Short: "Bundles in the archive and in the queue, with their state",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			number := ""
			if len(args) == 1 {
				if err := casefile.ValidNumber(args[0]); err != nil {
					return err
				}
				number = args[0]
			}
			db, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			jobs, err := db.ArchiveJobs(ctx, number)
			if err != nil {
				return fault.Wrap(fault.Storage, err)
			}
			byRef := map[archive.Ref]*archiveRow{}
			var rows []*archiveRow
			for _, j := range jobs {
				r := &archiveRow{Ref: archive.Ref{Case: j.Case, ExportID: j.ExportID}, State: j.State, RetainUntil: j.RetainUntil, Hold: j.Hold, Error: j.Error}
				if !j.LocalDeleted {
					r.Dir = j.Dir
				}
				if r.State == "verified" {
					r.State = "archived"
				}
				byRef[r.Ref] = r
				rows = append(rows, r)
			}
			// The queue is local: it is shown even when the archive cannot
			// be reached, and the command then fails with the reason.
			var list []archive.Bundle
			st, storeErr := a.archiveStore(ctx)
			if storeErr == nil {
				list, storeErr = archive.List(ctx, st, a.archivePrefix(), number)
				storeErr = archiveFault(storeErr)
			}
			if storeErr != nil {
				for _, r := range rows {
					if r.State == "archived" {
						r.State = "archived?"
						r.Error = "archive not reachable to check"
					}
				}
			}
			for _, b := range list {
				r := byRef[b.Ref]
				if r == nil {
					r = &archiveRow{Ref: b.Ref, State: "archived"}
					rows = append(rows, r)
				}
				r.Objects, r.Bytes = b.Objects, b.Bytes
				if !b.Complete {
					// Without manifest.json the push has not finished,
					// whatever the queue says.
					if r.State == "archived" {
						r.State = "incomplete"
					}
				}
			}
			out := make([]archiveRow, 0, len(rows))
			for _, r := range rows {
				out = append(out, *r)
			}
			if err := a.emit(out, func(w io.Writer) {
				t := [][]string{{"bundle", "state", "objects", "size", "locked until", "hold", "note"}}
				for _, r := range out {
					until := ""
					if r.RetainUntil != nil {
						until = r.RetainUntil.In(a.cfg.Timezone).Format("2006-01-02")
					}
					hold := ""
					if r.Hold {
						hold = "yes"
					}
					t = append(t, []string{r.Ref.String(), r.State, strconv.Itoa(r.Objects), fmt.Sprintf("%.1f MB", float64(r.Bytes)/1e6), until, hold, r.Error})
				}
				table(w, t)
			}); err != nil {
				return err
			}
			return storeErr
		},
	}
}

// archiveRef reads CASE/EXPORT-ID, or CASE for its newest archived bundle.
func (a *cli) archiveRef(ctx context.Context, st archive.Store, arg string) (archive.Ref, error) {
	if strings.Contains(arg, "/") {
		ref, err := archive.ParseRef(arg)
		if err != nil {
			return ref, fault.Wrap(fault.Usage, err)
		}
		if err := casefile.ValidNumber(ref.Case); err != nil {
			return ref, err
		}
		return ref, nil
	}
	if err := casefile.ValidNumber(arg); err != nil {
		return archive.Ref{}, err
	}
	list, err := archive.List(ctx, st, a.archivePrefix(), arg)
	if err != nil {
		return archive.Ref{}, archiveFault(err)
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Complete {
			return list[i].Ref, nil
		}
	}
	return archive.Ref{}, fault.NotFoundf("no archived bundle of case %s in %s (klipp archive ls)", arg, st.Describe())
}

func (a *cli) archiveVerify() *cobra.Command {
	return &cobra.Command{
		Use:   "verify CASE[/EXPORT-ID]",
		Short: "Re-read and re-hash every object of an archived bundle and check its retention and legal hold",
		Args:  exactArgs(1, "an archive reference CASE/EXPORT-ID or a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.verifyArchived(cmd.Context(), args[0])
		},
	}
}

func (a *cli) verifyArchived(ctx context.Context, arg string) error {
	st, err := a.archiveStore(ctx)
	if err != nil {
		return err
	}
	ref, err := a.archiveRef(ctx, st, arg)
	if err != nil {
		return err
	}
	opts := archive.VerifyOptions{Prefix: a.archivePrefix(), Mode: a.lockMode(), Until: a.now()}
	if db, err := a.openStore(ctx); err == nil {
		if j, err := db.ArchiveJob(ctx, ref.Case, ref.ExportID); err == nil {
			opts.Hold = j.Hold
			if j.RetainUntil != nil {
				opts.Until = *j.RetainUntil
			}
		}
	}
	update, finish := a.progress("verify " + ref.String())
	update(0, 1)
	rep, err := archive.Verify(ctx, st, ref, opts)
	finish()
	if err != nil {
		return archiveFault(err)
	}
	detail := map[string]string{"store": st.Describe(), "objects": strconv.Itoa(rep.Checked), "ok": strconv.FormatBool(rep.OK())}
	if !rep.OK() {
		detail["problems"] = strings.Join(rep.Problems(), "; ")
	}
	if err := a.record(audit.Entry{Action: "archive.verify", Case: ref.Case, Detail: detail}); err != nil {
		return err
	}
	if !rep.OK() {
		if a.jsonOut {
			a.emit(rep, nil)
		}
		return fault.Storagef("archived bundle %s in %s fails verification: %s", ref, st.Describe(), strings.Join(rep.Problems(), "; "))
	}
	return a.emit(rep, func(w io.Writer) {
		fmt.Fprintf(w, "archived bundle %s in %s: %d objects (%.1f MB) re-read, every hash matches, retention in place%s\n", ref, st.Describe(),
			rep.Checked, float64(rep.Bytes)/1e6, map[bool]string{true: ", legal hold on", false: ""}[opts.Hold])
	})
}

func (a *cli) archiveHold(on bool) *cobra.Command {
	use, short, action := "hold", "Place a legal hold on every object of an archived bundle", "archive.hold"
	if !on {
		use, short, action = "release", "Lift the legal hold from an archived bundle", "archive.release"
	}
	return &cobra.Command{
		Use:   use + " CASE[/EXPORT-ID]",
		Short: short,
		Args:  exactArgs(1, "an archive reference CASE/EXPORT-ID or a case number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.archiveStore(ctx)
			if err != nil {
				return err
			}
			ref, err := a.archiveRef(ctx, st, args[0])
			if err != nil {
				return err
			}
			n, err := archive.SetHold(ctx, st, a.archivePrefix(), ref, on)
			if err != nil {
				return archiveFault(err)
			}
			if db, err := a.openStore(ctx); err == nil {
				j, err := db.ArchiveJob(ctx, ref.Case, ref.ExportID)
				if errors.Is(err, store.ErrNotFound) {
					j = store.ArchiveJob{Case: ref.Case, ExportID: ref.ExportID, Backend: st.Describe(), State: "verified", Created: a.now().UTC()}
				}
				j.Hold, j.Updated = on, a.now().UTC()
				db.PutArchiveJob(ctx, j)
			}
			if err := a.record(audit.Entry{Action: action, Case: ref.Case, Detail: map[string]string{"export": ref.ExportID, "objects": strconv.Itoa(n), "store": st.Describe()}}); err != nil {
				return err
			}
			return a.emit(map[string]any{"ref": ref, "objects": n, "legal_hold": on}, func(w io.Writer) {
				state := "placed on"
				if !on {
					state = "lifted from"
				}
				fmt.Fprintf(w, "legal hold %s %d objects of %s\n", state, n, ref)
			})
		},
	}
}
