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

// Activity scans are kept per segment, replaced by a new scan, found by
// the segments' time, and go with their segment.
func TestActivityScans(t *testing.T) {
	dialects(t, func(t *testing.T, where string) {
		ctx := context.Background()
		st := open(t, where)
		t0 := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
		var segs []Segment
		for i := 0; i < 3; i++ {
			at := t0.Add(time.Duration(i) * time.Minute)
			segs = append(segs, Segment{Path: fmt.Sprintf("/r/%d.mp4", i), Size: int64(100 + i), MTime: int64(i), Duration: time.Minute, Status: StatusOK,
				TrueStart: at, TrueEnd: at.Add(time.Minute)})
		}
		if err := st.SaveSegments(ctx, "cam", segs, nil, time.Minute, t0); err != nil {
			t.Fatal(err)
		}
		segs, _ = st.Segments(ctx, "cam")
		blob := []byte{0, 1, 2, 0xff, 0}
		var scans []ActivityScan
		for _, g := range segs {
			scans = append(scans, ActivityScan{Segment: g.ID, Camera: "cam", Version: 1, Size: g.Size, MTime: g.MTime, Scanned: t0, Samples: 30, Data: blob})
		}
		scans[1].Note = "damaged at 40 s"
		if err := st.SaveActivityScans(ctx, scans); err != nil {
			t.Fatal(err)
		}
		// Replaced, not added.
		scans[0].Samples, scans[0].Version = 31, 2
		if err := st.SaveActivityScans(ctx, scans[:1]); err != nil {
			t.Fatal(err)
		}
		got, err := st.ActivityScansBetween(ctx, "cam", t0.Add(30*time.Second), t0.Add(90*time.Second), true)
		if err != nil || len(got) != 2 {
			t.Fatalf("scans between = %+v, %v", got, err)
		}
		a := got[segs[0].ID]
		if a.Samples != 31 || a.Version != 2 || string(a.Data) != string(blob) || !a.Scanned.Equal(t0) || !a.Current(segs[0], 2) || a.Current(segs[0], 1) {
			t.Errorf("scan 0 = %+v", a)
		}
		if got[segs[1].ID].Note != "damaged at 40 s" {
			t.Errorf("scan 1 = %+v", got[segs[1].ID])
		}
		if keys, err := st.ActivityScansBetween(ctx, "cam", t0, t0.Add(time.Hour), false); err != nil || len(keys) != 3 || keys[segs[2].ID].Data != nil {
			t.Errorf("keys = %+v, %v", keys, err)
		}
		// A changed file's scan is no longer current; a removed segment's scan goes with it.
		changed := segs[1]
		changed.Size++
		if got[segs[1].ID].Current(changed, 1) {
			t.Error("a scan of a changed file is current")
		}
		if err := st.SaveSegments(ctx, "cam", nil, []int64{segs[2].ID}, time.Minute, t0); err != nil {
			t.Fatal(err)
		}
		if keys, _ := st.ActivityScansBetween(ctx, "cam", t0, t0.Add(time.Hour), false); len(keys) != 2 {
			t.Errorf("after removing a segment: %d scans", len(keys))
		}
		var n int
		st.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_scans`).Scan(&n)
		if n != 2 {
			t.Errorf("%d rows left in activity_scans, want 2", n)
		}

		// The model state: one per camera, the latest kept.
		if got, err := st.ActivityState(ctx, "cam"); got != nil || err != nil {
			t.Errorf("no state yet: %+v %v", got, err)
		}
		late := ActivityState{Camera: "cam", Version: 1, End: t0.Add(2 * time.Minute), Data: []byte("late")}
		if err := st.SaveActivityState(ctx, late); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveActivityState(ctx, ActivityState{Camera: "cam", Version: 1, End: t0, Data: []byte("early")}); err != nil {
			t.Fatal(err)
		}
		if got, err := st.ActivityState(ctx, "cam"); err != nil || string(got.Data) != "late" || !got.End.Equal(late.End) {
			t.Errorf("an earlier state replaced a later one: %+v %v", got, err)
		}
		if err := st.SaveActivityState(ctx, ActivityState{Camera: "cam", Version: 2, End: t0, Data: []byte("v2")}); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.ActivityState(ctx, "cam"); string(got.Data) != "v2" {
			t.Errorf("a new version's state did not replace the old: %+v", got)
		}
	})
}
