// Package archivetest is for testing archive stores and what uses them: a
// conformance suite every archive.Store backend must pass, a
// fault-injecting wrapper around a real backend, and a bundle maker.
package archivetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/archive"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/digest"
)

// MakeBundle writes a bundle of n random files (clips/NN.mp4) of size,
// size+1, … bytes under dir/number/id and returns its directory.
func MakeBundle(t testing.TB, dir, number, id string, n, size int) string {
	t.Helper()
	b := filepath.Join(dir, number, id)
	if err := os.MkdirAll(filepath.Join(b, "clips"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := bundle.Manifest{Case: number, ExportID: id, Created: time.Now().UTC(), Software: "test"}
	for i := range n {
		data := make([]byte, size+i)
		rand.Read(data)
		rel := fmt.Sprintf("clips/%02d.mp4", i+1)
		if err := os.WriteFile(filepath.Join(b, filepath.FromSlash(rel)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		m.Files = append(m.Files, bundle.File{Path: rel, Size: int64(len(data)), SHA256: digest.Bytes(data)})
	}
	if err := bundle.Finish(b, m); err != nil {
		t.Fatal(err)
	}
	return b
}

// Faulty wraps a real store and injects faults: a put that fails after a
// number of bytes (as a dropped connection does), a list call that fails,
// a legal hold the store refuses. Its zero faults pass everything through.
type Faulty struct {
	archive.Store

	mu sync.Mutex
	// failAfter: puts fail once this many bytes have been sent in all
	// (negative: never).
	failAfter int64
	sent      int64
	// failList: the list call with this number fails (0: none).
	failList int
	lists    int
	// refuseHold: SetLegalHold fails.
	refuseHold bool
}

// Wrap returns st with no faults set.
func Wrap(st archive.Store) *Faulty { return &Faulty{Store: st, failAfter: -1} }

// ErrInjected is wrapped by every injected fault.
var ErrInjected = errors.New("injected fault")

// FailAfter makes puts fail, as unreachable, once n more bytes have been
// sent; a negative n ends the fault.
func (f *Faulty) FailAfter(n int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAfter, f.sent = n, 0
}

// FailList makes the n-th list call from now fail, as unreachable (n = 1:
// the next one); 0 ends the fault.
func (f *Faulty) FailList(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failList = 0
	if n > 0 {
		f.failList = f.lists + n
	}
}

// RefuseHold makes the store refuse legal hold changes.
func (f *Faulty) RefuseHold(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refuseHold = on
}

// Lists is how many list calls there have been.
func (f *Faulty) Lists() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lists
}

func (f *Faulty) Put(ctx context.Context, key string, r io.Reader, opts archive.PutOptions) (archive.Object, error) {
	return f.Store.Put(ctx, key, &faultyReader{f: f, r: r}, opts)
}

type faultyReader struct {
	f *Faulty
	r io.Reader
}

func (fr *faultyReader) Read(p []byte) (int, error) {
	f := fr.f
	f.mu.Lock()
	limit, sent := f.failAfter, f.sent
	f.mu.Unlock()
	if limit >= 0 {
		if sent >= limit {
			return 0, &archive.Unreachable{Err: fmt.Errorf("connection reset after %d bytes: %w", sent, ErrInjected)}
		}
		if int64(len(p)) > limit-sent {
			p = p[:limit-sent]
		}
	}
	n, err := fr.r.Read(p)
	f.mu.Lock()
	f.sent += int64(n)
	f.mu.Unlock()
	return n, err
}

func (f *Faulty) List(ctx context.Context, prefix string) ([]archive.Object, error) {
	f.mu.Lock()
	f.lists++
	fail := f.failList != 0 && f.lists == f.failList
	f.mu.Unlock()
	if fail {
		return nil, &archive.Unreachable{Err: fmt.Errorf("list %s: connection refused: %w", prefix, ErrInjected)}
	}
	return f.Store.List(ctx, prefix)
}

func (f *Faulty) SetLegalHold(ctx context.Context, key string, on bool) error {
	f.mu.Lock()
	refuse := f.refuseHold
	f.mu.Unlock()
	if refuse {
		return fmt.Errorf("%s: legal hold refused: access denied: %w", key, ErrInjected)
	}
	return f.Store.SetLegalHold(ctx, key, on)
}

// Conformance runs the checks every archive.Store must pass, each as a
// named subtest, on one store opened by open: objects (put, stat, get,
// list, legal hold, refused checksums) and bundles (push, verify, list,
// hold, incomplete and changed bundles).
func Conformance(t *testing.T, open func(t *testing.T) archive.Store) {
	ctx := context.Background()
	st := open(t)
	until := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	data := []byte("evidence åäö")
	sum := digest.Bytes(data)
	opts := archive.PutOptions{Size: int64(len(data)), SHA256: sum, Mode: archive.Governance, RetainUntil: until}

	t.Run("put returns the verified checksum", func(t *testing.T) {
		o, err := st.Put(ctx, "p/one.txt", bytes.NewReader(data), opts)
		if err != nil {
			t.Fatal(err)
		}
		if o.SHA256 != sum || !o.ChecksumVerified || o.Size != int64(len(data)) {
			t.Errorf("put returned %+v", o)
		}
	})
	t.Run("stat reports checksum, retention and no hold", func(t *testing.T) {
		o, err := st.Stat(ctx, "p/one.txt")
		if err != nil || o.SHA256 != sum || o.Mode != archive.Governance || !o.RetainUntil.Equal(until.UTC()) || o.LegalHold {
			t.Errorf("stat: %+v %v (want retained until %s)", o, err, until.UTC())
		}
	})
	t.Run("get returns the content", func(t *testing.T) {
		rc, err := st.Get(ctx, "p/one.txt")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if _, got, err := digest.Reader(rc); err != nil || got != sum {
			t.Errorf("get hashed %s (%v)", got, err)
		}
	})
	t.Run("same put again is idempotent", func(t *testing.T) {
		if o, err := st.Put(ctx, "p/one.txt", bytes.NewReader(data), opts); err != nil || o.SHA256 != sum {
			t.Errorf("second put of the same object: %+v %v", o, err)
		}
	})
	t.Run("mismatched checksum refused and not stored", func(t *testing.T) {
		bad := strings.Repeat("0", 64)
		if _, err := st.Put(ctx, "p/bad.txt", bytes.NewReader(data), archive.PutOptions{Size: int64(len(data)), SHA256: bad}); !errors.Is(err, archive.ErrChecksum) {
			t.Errorf("mismatched put: %v", err)
		}
		if _, err := st.Stat(ctx, "p/bad.txt"); !errors.Is(err, archive.ErrNotFound) {
			t.Errorf("mismatched put left an object: %v", err)
		}
	})
	t.Run("missing object is not found", func(t *testing.T) {
		if _, err := st.Get(ctx, "p/none"); !errors.Is(err, archive.ErrNotFound) {
			t.Errorf("get of nothing: %v", err)
		}
		if _, err := st.Stat(ctx, "p/none"); !errors.Is(err, archive.ErrNotFound) {
			t.Errorf("stat of nothing: %v", err)
		}
	})
	t.Run("list by prefix sorted by key", func(t *testing.T) {
		other := []byte("another")
		if _, err := st.Put(ctx, "p/a/two.txt", bytes.NewReader(other), archive.PutOptions{Size: int64(len(other)), SHA256: digest.Bytes(other)}); err != nil {
			t.Fatal(err)
		}
		objs, err := st.List(ctx, "p/")
		if err != nil || len(objs) != 2 || objs[0].Key != "p/a/two.txt" || objs[1].Key != "p/one.txt" || objs[1].Size != int64(len(data)) {
			t.Errorf("list: %+v %v", objs, err)
		}
		if objs, err := st.List(ctx, "nothing/"); err != nil || len(objs) != 0 {
			t.Errorf("list of an empty prefix: %+v %v", objs, err)
		}
	})
	t.Run("legal hold placed and lifted", func(t *testing.T) {
		if err := st.SetLegalHold(ctx, "p/one.txt", true); err != nil {
			t.Fatal(err)
		}
		if o, _ := st.Stat(ctx, "p/one.txt"); !o.LegalHold {
			t.Error("hold not set")
		}
		if err := st.SetLegalHold(ctx, "p/one.txt", false); err != nil {
			t.Fatal(err)
		}
		if o, _ := st.Stat(ctx, "p/one.txt"); o.LegalHold {
			t.Error("hold not released")
		}
	})
	t.Run("describe names the store", func(t *testing.T) {
		if st.Describe() == "" {
			t.Error("no description")
		}
	})
	bundleChecks(t, st, until)
}

// bundleChecks push, verify, list and hold a bundle: pushed with
// manifest.json last, verified, pushed again without uploading anything,
// listed as complete.
func bundleChecks(t *testing.T, st archive.Store, until time.Time) {
	ctx := context.Background()
	dir := MakeBundle(t, t.TempDir(), "K-1", "20261124T100000Z", 5, 300<<10)
	// Over the S3 single-PUT limit of the tests (1 MiB): multipart and
	// read back.
	big := filepath.Join(dir, "clips", "big.mp4")
	bigData := make([]byte, 3<<20)
	rand.Read(bigData)
	if err := os.WriteFile(big, bigData, 0o644); err != nil {
		t.Fatal(err)
	}
	m, _, _ := archive.ReadBundle(dir)
	bigSum := digest.Bytes(bigData)
	m.Files = append(m.Files, bundle.File{Path: "clips/big.mp4", Size: int64(len(bigData)), SHA256: bigSum})
	if err := bundle.Finish(dir, m); err != nil {
		t.Fatal(err)
	}
	ref := archive.Ref{Case: "K-1", ExportID: "20261124T100000Z"}

	t.Run("push uploads every object and reports progress", func(t *testing.T) {
		var last int64
		res, err := archive.Push(ctx, st, dir, archive.PushOptions{Prefix: "site", Mode: archive.Governance, RetainUntil: until, Progress: func(d, total int64) { last = total - d }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Objects != 8 || res.Uploaded != 8 || last != 0 {
			t.Errorf("push: %+v, %d bytes unreported", res, last)
		}
		if o, err := st.Stat(ctx, "site/K-1/20261124T100000Z/clips/big.mp4"); err != nil || o.SHA256 != bigSum {
			t.Errorf("multipart object: %+v %v", o, err)
		}
	})
	t.Run("pushed bundle verifies", func(t *testing.T) {
		rep, err := archive.Verify(ctx, st, ref, archive.VerifyOptions{Prefix: "site", Mode: archive.Governance, Until: until})
		if err != nil || !rep.OK() || rep.Checked != 8 {
			t.Errorf("verify: %+v %v", rep, err)
		}
	})
	t.Run("second push uploads nothing", func(t *testing.T) {
		res, err := archive.Push(ctx, st, dir, archive.PushOptions{Prefix: "site", Mode: archive.Governance, RetainUntil: until})
		if err != nil || res.Uploaded != 0 || res.Skipped != 8 {
			t.Errorf("second push: %+v %v", res, err)
		}
	})
	t.Run("list shows the bundle complete", func(t *testing.T) {
		list, err := archive.List(ctx, st, "site", "")
		if err != nil || len(list) != 1 || !list[0].Complete || list[0].Objects != 8 {
			t.Errorf("list: %+v %v", list, err)
		}
	})
	t.Run("too short a retention and a missing hold fail verify", func(t *testing.T) {
		rep, _ := archive.Verify(ctx, st, ref, archive.VerifyOptions{Prefix: "site", Mode: archive.Governance, Until: until.Add(time.Hour), Hold: true})
		if rep.OK() || len(rep.Unprotected) != 8 {
			t.Errorf("verify of too short a retention: %+v", rep)
		}
	})
	t.Run("hold on every object verifies", func(t *testing.T) {
		if n, err := archive.SetHold(ctx, st, "site", ref, true); err != nil || n != 8 {
			t.Fatalf("hold: %d %v", n, err)
		}
		if rep, _ := archive.Verify(ctx, st, ref, archive.VerifyOptions{Prefix: "site", Hold: true}); !rep.OK() {
			t.Errorf("verify after hold: %+v", rep)
		}
	})
	t.Run("bundle without manifest is incomplete", func(t *testing.T) {
		if _, err := archive.Verify(ctx, st, archive.Ref{Case: "K-1", ExportID: "nothing"}, archive.VerifyOptions{Prefix: "site"}); !errors.Is(err, archive.ErrIncomplete) {
			t.Errorf("verify of a missing bundle: %v", err)
		}
	})
	t.Run("changed local bundle is not pushed", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, "clips", "01.mp4"), []byte("changed"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := archive.Push(ctx, st, dir, archive.PushOptions{Prefix: "other"}); !errors.Is(err, archive.ErrChecksum) {
			t.Errorf("push of a changed bundle: %v", err)
		}
	})
}
