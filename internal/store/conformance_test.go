package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/pgtest"
)

// The store's contract, checked on both dialects: every test below runs on
// a new SQLite file and on a new database of one real PostgreSQL server.

var pg *pgtest.Server

func TestMain(m *testing.M) {
	code := func() int {
		s, err := pgtest.Run()
		if err != nil {
			fmt.Fprintln(os.Stderr, "store tests need PostgreSQL:", err)
			return 1
		}
		defer s.Stop()
		pg = s
		return m.Run()
	}()
	os.Exit(code)
}

var databases atomic.Int64

// dialects runs fn on a fresh SQLite file and a fresh PostgreSQL database.
func dialects(t *testing.T, fn func(t *testing.T, where string)) {
	t.Run(SQLite, func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "sub", "klipp.db")) })
	t.Run(Postgres, func(t *testing.T) {
		name := fmt.Sprintf("t%d", databases.Add(1))
		if out, err := pg.Psql("-d", "postgres", "-c", "CREATE DATABASE "+name).CombinedOutput(); err != nil {
			t.Fatalf("create database: %v %s", err, out)
		}
		fn(t, pg.URL(name))
	})
}

func open(t *testing.T, where string) *Store {
	t.Helper()
	st, err := Open(context.Background(), where)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestMigrationsAndSegments(t *testing.T) { dialects(t, testMigrationsAndSegments) }

func TestCases(t *testing.T) {
	dialects(t, func(t *testing.T, where string) {
		ctx := context.Background()
		st := open(t, where)
		t0 := time.Date(2026, 11, 20, 21, 0, 0, 123456789, time.UTC)
		lat, lon := 55.6036, 13.0021
		c := Case{Number: "5000-K1-26", Title: "Rån, Södergatan", Lat: &lat, Lon: &lon, From: t0, To: t0.Add(time.Hour), Status: "requested",
			Created: t0, Updated: t0, Received: t0, RetentionClass: "default"}
		if err := st.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateCase(ctx, c); !errors.Is(err, ErrExists) {
			t.Errorf("duplicate: %v, want ErrExists", err)
		}
		got, err := st.GetCase(ctx, c.Number)
		if err != nil || got.Title != c.Title || !got.From.Equal(t0) || *got.Lat != lat || got.Deadline != nil {
			t.Errorf("get: %+v %v", got, err)
		}
		d := t0.Add(48 * time.Hour)
		got.Status, got.Deadline = "in-progress", &d
		if err := st.UpdateCase(ctx, got); err != nil {
			t.Fatal(err)
		}
		if list, err := st.ListCases(ctx, "in-progress"); err != nil || len(list) != 1 || !list[0].Deadline.Equal(d) {
			t.Errorf("list: %+v %v", list, err)
		}
		if _, err := st.GetCase(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing case: %v", err)
		}
		if err := st.UpdateCase(ctx, Case{Number: "nope"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("update of a missing case: %v", err)
		}
	})
}

func TestEntries(t *testing.T) {
	dialects(t, func(t *testing.T, where string) {
		ctx := context.Background()
		st := open(t, where)
		t0 := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
		st.CreateCase(ctx, Case{Number: "K", Title: "t", From: t0, To: t0.Add(time.Hour), Status: "requested", Created: t0, Updated: t0, Received: t0})
		var ids []int64
		for i, at := range []time.Duration{30 * time.Minute, 10 * time.Minute} {
			id, err := st.CreateEntry(ctx, Entry{Case: "K", At: t0.Add(at), Camera: "cam", From: t0, To: t0.Add(time.Minute), Text: fmt.Sprintf("e%d", i),
				Tags: []string{"suspect", "vehicle"}, Stills: []time.Time{t0.Add(at)}, Created: t0, Updated: t0})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if ids[0] == ids[1] || ids[0] == 0 {
			t.Fatalf("ids %v", ids)
		}
		list, err := st.Entries(ctx, "K")
		if err != nil || len(list) != 2 || list[0].Text != "e1" || len(list[1].Tags) != 2 || !list[1].Stills[0].Equal(t0.Add(30*time.Minute)) {
			t.Fatalf("entries in time order: %+v %v", list, err)
		}
		e := list[0]
		e.Text = "ändrad"
		if err := st.UpdateEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
		if got, err := st.GetEntry(ctx, "K", e.ID); err != nil || got.Text != "ändrad" {
			t.Errorf("after update: %+v %v", got, err)
		}
		if err := st.DeleteEntry(ctx, "K", e.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteEntry(ctx, "K", e.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		if _, err := st.CreateEntry(ctx, Entry{Case: "no-such-case", At: t0, Camera: "c", From: t0, To: t0, Text: "x", Created: t0, Updated: t0}); err == nil {
			t.Error("an entry of a missing case was stored")
		}
	})
}

func TestExportsArchiveJobsAndPreserved(t *testing.T) {
	dialects(t, func(t *testing.T, where string) {
		ctx := context.Background()
		st := open(t, where)
		t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
		for _, files := range []int{3, 5} { // the second replaces the first
			if err := st.AddExport(ctx, Export{Case: "K", ExportID: "x1", Dir: "/e/K/x1", ManifestSHA256: "ab", Files: files, Created: t0}); err != nil {
				t.Fatal(err)
			}
		}
		if ex, err := st.Exports(ctx, "K"); err != nil || len(ex) != 1 || ex[0].Files != 5 {
			t.Errorf("exports: %+v %v", ex, err)
		}
		until := t0.AddDate(10, 0, 0)
		j := ArchiveJob{Case: "K", ExportID: "x1", Archive: "directory /a", Dir: "/e/K/x1", Backend: "local", State: "queued", RetainUntil: &until, Created: t0, Updated: t0}
		if err := st.PutArchiveJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		j.State, j.Hold, j.Attempts = "verified", true, 2
		if err := st.PutArchiveJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		got, err := st.ArchiveJob(ctx, "directory /a", "K", "x1")
		if err != nil || got.State != "verified" || !got.Hold || got.Attempts != 2 || !got.RetainUntil.Equal(until) {
			t.Errorf("archive job: %+v %v", got, err)
		}
		// The same bundle in another archive is another job.
		other := ArchiveJob{Case: "K", ExportID: "x1", Archive: "s3://b at http://h", Dir: "/e/K/x1", Backend: "s3", State: "queued", Created: t0, Updated: t0}
		if err := st.PutArchiveJob(ctx, other); err != nil {
			t.Fatal(err)
		}
		if got, err := st.ArchiveJob(ctx, "directory /a", "K", "x1"); err != nil || got.State != "verified" {
			t.Errorf("the first archive's job after the second's: %+v %v", got, err)
		}
		if jobs, err := st.ArchiveJobsIn(ctx, "s3://b at http://h", "", "queued"); err != nil || len(jobs) != 1 || jobs[0].Archive != other.Archive {
			t.Errorf("queued in the second archive: %+v %v", jobs, err)
		}
		if jobs, err := st.ArchiveJobs(ctx, "K"); err != nil || len(jobs) != 2 {
			t.Errorf("jobs in every archive: %+v %v", jobs, err)
		}
		if _, err := st.ArchiveJob(ctx, "directory /b", "K", "x1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a third archive: %v", err)
		}
		if jobs, err := st.ArchiveJobsIn(ctx, "directory /a", "", "queued"); err != nil || len(jobs) != 0 {
			t.Errorf("queued jobs: %+v %v", jobs, err)
		}
		if err := st.AddPreserved(ctx, []Preserved{{Path: "/r/a.mp4", SHA256: "aa", Case: "K", ExportID: "x1", Archived: t0}}); err != nil {
			t.Fatal(err)
		}
		if err := st.AddPreserved(ctx, []Preserved{{Path: "/r/a.mp4", SHA256: "aa", Case: "K", ExportID: "x1", Archived: t0}}); err != nil {
			t.Errorf("preserving twice: %v", err)
		}
		if p, err := st.PreservedPaths(ctx); err != nil || p["/r/a.mp4"] != "aa" {
			t.Errorf("preserved: %v %v", p, err)
		}
	})
}

func TestAuditChainRowsAndTransactions(t *testing.T) {
	dialects(t, func(t *testing.T, where string) {
		ctx := context.Background()
		st := open(t, where)
		if seq, hash, err := st.AuditHead(ctx); err != nil || seq != 0 || hash != "" {
			t.Fatalf("empty head: %d %q %v", seq, hash, err)
		}
		for i := int64(1); i <= 3; i++ {
			if err := st.AppendAudit(ctx, AuditRow{Seq: i, Hash: fmt.Sprintf("h%d", i), Case: map[bool]string{true: "K"}[i%2 == 1], Line: fmt.Sprintf(`{"seq":%d}`, i)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.AppendAudit(ctx, AuditRow{Seq: 3, Hash: "fork", Line: "{}"}); err == nil {
			t.Error("a second entry 3 was stored: the chain forked")
		}
		// A transaction that fails leaves neither its change nor its entry.
		t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
		err := st.InTx(ctx, func(tx *Store) error {
			if err := tx.CreateCase(ctx, Case{Number: "R", Title: "t", From: t0, To: t0.Add(time.Hour), Status: "requested", Created: t0, Updated: t0, Received: t0}); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, AuditRow{Seq: 4, Hash: "h4", Case: "R", Line: "{}"}); err != nil {
				return err
			}
			return errors.New("the audit mirror could not be written")
		})
		if err == nil || !strings.Contains(err.Error(), "mirror") {
			t.Fatalf("InTx: %v", err)
		}
		if _, err := st.GetCase(ctx, "R"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a rolled-back case exists: %v", err)
		}
		if seq, hash, _ := st.AuditHead(ctx); seq != 3 || hash != "h3" {
			t.Errorf("head after rollback: %d %s", seq, hash)
		}
		var cased []int64
		st.AuditRows(ctx, "K", func(r AuditRow) error { cased = append(cased, r.Seq); return nil })
		if fmt.Sprint(cased) != "[1 3]" {
			t.Errorf("case K's rows: %v", cased)
		}
	})
}

func TestPostgresPasswordNeverShown(t *testing.T) {
	url := strings.Replace(pg.URL("postgres"), pg.Password, "s3cret-wrong", 1)
	_, err := Open(context.Background(), url)
	if err == nil || strings.Contains(err.Error(), "s3cret-wrong") || !strings.Contains(err.Error(), "password authentication failed") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestBulletins(t *testing.T) {
	dialects(t, func(t *testing.T, where string) {
		ctx := context.Background()
		st := open(t, where)
		t0 := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
		b := Bulletin{Case: "K1", File: "/srv/bulletins/k1.pdf", SHA256: strings.Repeat("a", 64), Entries: "3,5", MadeBy: "anna", Created: t0}
		if err := st.AddBulletin(ctx, b); err != nil {
			t.Fatal(err)
		}
		again := b
		again.Created, again.Entries = t0.Add(time.Hour), "3,5,6"
		if err := st.AddBulletin(ctx, again); err != nil {
			t.Fatal(err)
		}
		other := b
		other.SHA256, other.Created = strings.Repeat("b", 64), t0.Add(2*time.Hour)
		st.AddBulletin(ctx, other)
		st.AddBulletin(ctx, Bulletin{Case: "K2", File: "/x.pdf", SHA256: "c", Entries: "1", MadeBy: "bo", Created: t0})
		got, err := st.Bulletins(ctx, "K1")
		if err != nil || len(got) != 2 || got[0] != again || got[1] != other {
			t.Fatalf("bulletins: %+v %v", got, err)
		}
	})
}

// Paths below a named root are stored relative to it: a machine that maps
// the root elsewhere reads them below its own mount point.
func TestPathsRelativeToRoots(t *testing.T) {
	dialects(t, func(t *testing.T, where string) {
		ctx := context.Background()
		st := open(t, where)
		st.UseRoots(map[string]string{"exports": "/srv/a/exports", "evidence": "/srv/a/evidence"})
		t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
		if err := st.AddExport(ctx, Export{Case: "K", ExportID: "x1", Dir: "/srv/a/exports/K/x1", ManifestSHA256: "ab", Files: 3, Created: t0}); err != nil {
			t.Fatal(err)
		}
		if err := st.AddExport(ctx, Export{Case: "K", ExportID: "x2", Dir: "/elsewhere/K/x2", ManifestSHA256: "cd", Files: 3, Created: t0}); err != nil {
			t.Fatal(err)
		}
		seg := Segment{Camera: "cam", Path: "/srv/a/evidence/cam/EXPORT_0001.mp4", Size: 1, Status: StatusOK, Duration: time.Minute, TrueStart: t0, TrueEnd: t0.Add(time.Minute)}
		if err := st.AddSegment(ctx, seg, t0); err != nil {
			t.Fatal(err)
		}
		// Another machine mounts the shares under /mnt.
		st.UseRoots(map[string]string{"exports": "/mnt/exports", "evidence": "/mnt/evidence"})
		ex, err := st.Exports(ctx, "K")
		if err != nil || len(ex) != 2 || ex[0].Dir != "/mnt/exports/K/x1" || ex[1].Dir != "/elsewhere/K/x2" {
			t.Errorf("exports: %+v %v", ex, err)
		}
		segs, err := st.Segments(ctx, "cam")
		if err != nil || len(segs) != 1 || segs[0].Path != "/mnt/evidence/cam/EXPORT_0001.mp4" || segs[0].Root != "evidence" {
			t.Errorf("segments: %+v %v", segs, err)
		}
	})
}
