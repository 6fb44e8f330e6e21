package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ArchiveJob is a bundle klipp was asked to archive.
type ArchiveJob struct {
	Case, ExportID string
	// Archive names the archive (backend and location): a bundle has one
	// job per archive it was pushed to.
	Archive      string
	Dir          string
	Backend      string
	State        string // queued | uploading | verified | deleting | failed
	Error        string
	Attempts     int
	RetainUntil  *time.Time
	Hold         bool
	LocalDeleted bool
	Created      time.Time
	Updated      time.Time
}

const jobColumns = `case_number, export_id, archive, dir, backend, state, error, attempts, retain_until_ns, hold, local_deleted, created_ns, updated_ns`

// PutArchiveJob inserts or replaces a job (keyed by case, export id and
// archive).
func (s *Store) PutArchiveJob(ctx context.Context, j ArchiveJob) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO archive_jobs (`+jobColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (case_number, export_id, archive) DO UPDATE SET dir = excluded.dir, backend = excluded.backend, state = excluded.state,
		error = excluded.error, attempts = excluded.attempts, retain_until_ns = excluded.retain_until_ns, hold = excluded.hold,
		local_deleted = excluded.local_deleted, updated_ns = excluded.updated_ns`,
		j.Case, j.ExportID, j.Archive, j.Dir, j.Backend, j.State, j.Error, j.Attempts, nsOrNil(j.RetainUntil), j.Hold, j.LocalDeleted,
		j.Created.UnixNano(), j.Updated.UnixNano())
	return err
}

func scanJob(row interface{ Scan(...any) error }) (ArchiveJob, error) {
	var j ArchiveJob
	var until sql.NullInt64
	var created, updated int64
	err := row.Scan(&j.Case, &j.ExportID, &j.Archive, &j.Dir, &j.Backend, &j.State, &j.Error, &j.Attempts, &until, &j.Hold, &j.LocalDeleted, &created, &updated)
	if err != nil {
		return j, err
	}
	if until.Valid {
		t := time.Unix(0, until.Int64).UTC()
		j.RetainUntil = &t
	}
	j.Created, j.Updated = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return j, nil
}

// ArchiveJob returns a bundle's job in one archive; ErrNotFound when there
// is none.
func (s *Store) ArchiveJob(ctx context.Context, archive, number, exportID string) (ArchiveJob, error) {
	j, err := scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM archive_jobs WHERE case_number = ? AND export_id = ? AND archive = ?`,
		number, exportID, archive))
	if errors.Is(err, sql.ErrNoRows) {
		return j, fmt.Errorf("archive job %s/%s in %s: %w", number, exportID, archive, ErrNotFound)
	}
	return j, err
}

// ArchiveJobs lists jobs in every archive, of one case if number is given
// and in the given states if any, oldest first.
func (s *Store) ArchiveJobs(ctx context.Context, number string, states ...string) ([]ArchiveJob, error) {
	return s.ArchiveJobsIn(ctx, "", number, states...)
}

// ArchiveJobsIn lists the jobs of one archive (every archive when archive
// is empty), of one case if number is given and in the given states if
// any, oldest first.
func (s *Store) ArchiveJobsIn(ctx context.Context, archive, number string, states ...string) ([]ArchiveJob, error) {
	q, args := `SELECT `+jobColumns+` FROM archive_jobs WHERE (? = '' OR case_number = ?) AND (? = '' OR archive = ?)`, []any{number, number, archive, archive}
	if len(states) > 0 {
		q += ` AND state IN (?` + strings.Repeat(", ?", len(states)-1) + `)`
		for _, st := range states {
			args = append(args, st)
		}
	}
	return queryAll(ctx, s.db, scanJob, q+` ORDER BY created_ns, case_number, export_id, archive`, args...)
}
