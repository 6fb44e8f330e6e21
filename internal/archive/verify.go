package archive

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/digest"
)

// VerifyOptions say what an archived bundle must have.
type VerifyOptions struct {
	Prefix string
	Mode   string    // the lock mode every object must carry; "" checks none
	Until  time.Time // every object must be retained at least until then; zero checks none
	Hold   bool      // every object must be under legal hold
	// Stored trusts a checksum the store itself verified on receipt (an S3
	// PUT with x-amz-checksum-sha256) instead of reading the object back;
	// push uses it right after uploading. archive verify reads everything.
	Stored bool
}

// VerifyReport is what Verify found. A bundle passes when every list is
// empty.
type VerifyReport struct {
	Ref     Ref      `json:"ref"`
	Store   string   `json:"store"`
	Checked int      `json:"checked"`
	Bytes   int64    `json:"bytes"`
	Missing []string `json:"missing"`
	Changed []string `json:"changed"` // content or stored checksum differs from the manifest
	Extra   []string `json:"extra"`   // objects under the bundle's prefix the manifest does not list
	// Unprotected lists objects whose retention or legal hold is not what
	// was asked, with the reason.
	Unprotected []string `json:"unprotected"`
}

// OK reports whether the archived bundle is complete, unchanged and
// protected.
func (r *VerifyReport) OK() bool {
	return len(r.Missing)+len(r.Changed)+len(r.Extra)+len(r.Unprotected) == 0
}

// Problems lists every finding as one line each.
func (r *VerifyReport) Problems() []string {
	var out []string
	for _, p := range r.Missing {
		out = append(out, "missing: "+p)
	}
	for _, p := range r.Changed {
		out = append(out, "changed: "+p)
	}
	for _, p := range r.Extra {
		out = append(out, "not in the manifest: "+p)
	}
	for _, p := range r.Unprotected {
		out = append(out, "not protected: "+p)
	}
	return out
}

// ErrIncomplete is returned for a bundle whose manifest.json is not in
// the archive: its push has not finished.
var ErrIncomplete = errors.New("not completely archived (no manifest.json): its push has not finished")

// noBundle is a bundle with no object at all in the store: not found, and
// so not completely archived either.
type noBundle struct {
	ref   Ref
	store string
}

func (e *noBundle) Error() string {
	return fmt.Sprintf("no bundle %s in %s (klipp archive ls)", e.ref, e.store)
}

func (e *noBundle) Is(target error) bool { return target == ErrNotFound || target == ErrIncomplete }

// Verify re-reads and re-hashes every object of an archived bundle against
// its manifest and SHA256SUMS, and checks each object's retention and legal
// hold.
func Verify(ctx context.Context, st Store, ref Ref, opts VerifyOptions) (*VerifyReport, error) {
	r := &VerifyReport{Ref: ref, Store: st.Describe(), Missing: []string{}, Changed: []string{}, Extra: []string{}, Unprotected: []string{}}
	manifestData, err := readAll(ctx, st, ref.Key(opts.Prefix, bundle.ManifestName))
	if errors.Is(err, ErrNotFound) {
		objs, lerr := st.List(ctx, ref.Prefix(opts.Prefix))
		if lerr == nil && len(objs) == 0 {
			return nil, &noBundle{ref: ref, store: st.Describe()}
		}
		return nil, fmt.Errorf("%s in %s: %w", ref, st.Describe(), ErrIncomplete)
	}
	if err != nil {
		return nil, err
	}
	var m bundle.Manifest
	if err := json.Unmarshal(manifestData, &m); err != nil {
		r.Changed = append(r.Changed, bundle.ManifestName)
		return r, nil
	}
	want := map[string]string{}
	for _, f := range m.Files {
		want[f.Path] = f.SHA256
	}
	// SHA256SUMS must list the manifest with its hash and agree with it.
	sums, err := readAll(ctx, st, ref.Key(opts.Prefix, bundle.SumsName))
	switch {
	case errors.Is(err, ErrNotFound):
		r.Missing = append(r.Missing, bundle.SumsName)
	case err != nil:
		return nil, err
	default:
		listed := parseSums(sums)
		msum := digest.Bytes(manifestData)
		if listed[bundle.ManifestName] != msum {
			r.Changed = append(r.Changed, bundle.ManifestName)
		}
		for p, s := range want {
			if listed[p] != s {
				r.Changed = append(r.Changed, bundle.SumsName+" ("+p+")")
			}
		}
		want[bundle.SumsName] = "" // checked for protection, its content above
	}
	// The signature and the viewer page, when archived, are checked for
	// protection (SHA256SUMS.sig's content by klipp verify of the bundle).
	for _, name := range bundle.Unlisted {
		if _, err := st.Stat(ctx, ref.Key(opts.Prefix, name)); err == nil {
			want[name] = ""
		}
	}
	paths := make([]string, 0, len(want))
	for p := range want {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	paths = append(paths, bundle.ManifestName)
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		key := ref.Key(opts.Prefix, p)
		o, err := st.Stat(ctx, key)
		if errors.Is(err, ErrNotFound) {
			r.Missing = append(r.Missing, p)
			continue
		}
		if err != nil {
			return nil, err
		}
		r.Checked++
		r.Bytes += o.Size
		if s := want[p]; s != "" {
			if o.SHA256 != s {
				r.Changed = append(r.Changed, p)
				continue
			}
			if !opts.Stored || !o.ChecksumVerified {
				got, err := hashObject(ctx, st, key)
				if err != nil {
					return nil, err
				}
				if got != s {
					r.Changed = append(r.Changed, p)
					continue
				}
			}
		}
		switch {
		case opts.Mode != "" && o.Mode != opts.Mode:
			r.Unprotected = append(r.Unprotected, fmt.Sprintf("%s (lock mode %q, want %s)", p, o.Mode, opts.Mode))
		case !opts.Until.IsZero() && !retainedUntil(o, opts.Until):
			r.Unprotected = append(r.Unprotected, fmt.Sprintf("%s (retained until %s, want at least %s)", p, o.RetainUntil.Format(time.RFC3339), opts.Until.Format(time.RFC3339)))
		case opts.Hold && !o.LegalHold:
			r.Unprotected = append(r.Unprotected, p+" (no legal hold)")
		}
	}
	objs, err := st.List(ctx, ref.Prefix(opts.Prefix))
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		rel := strings.TrimPrefix(o.Key, ref.Prefix(opts.Prefix))
		if _, ok := want[rel]; !ok && rel != bundle.ManifestName {
			r.Extra = append(r.Extra, rel)
		}
	}
	return r, nil
}

func hashObject(ctx context.Context, st Store, key string) (string, error) {
	rc, err := st.Get(ctx, key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	sum, err := HashReader(rc)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", key, err)
	}
	return sum, nil
}

func readAll(ctx context.Context, st Store, key string) ([]byte, error) {
	rc, err := st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func parseSums(data []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if sum, name, ok := strings.Cut(sc.Text(), "  "); ok {
			out[name] = sum
		}
	}
	return out
}

// SetHold places or lifts a legal hold on every object of a bundle.
func SetHold(ctx context.Context, st Store, prefix string, ref Ref, on bool) (int, error) {
	objs, err := st.List(ctx, ref.Prefix(prefix))
	if err != nil {
		return 0, err
	}
	if len(objs) == 0 {
		return 0, fmt.Errorf("%s in %s: %w", ref, st.Describe(), ErrNotFound)
	}
	for _, o := range objs {
		if err := st.SetLegalHold(ctx, o.Key, on); err != nil {
			return 0, err
		}
	}
	return len(objs), nil
}

// Bundle is an archived bundle as listed.
type Bundle struct {
	Ref      Ref   `json:"ref"`
	Objects  int   `json:"objects"`
	Bytes    int64 `json:"bytes"`
	Complete bool  `json:"complete"` // manifest.json is stored: the push finished
}

// List returns the bundles under prefix (of one case if caseNumber is
// given), in key order.
func List(ctx context.Context, st Store, prefix, caseNumber string) ([]Bundle, error) {
	root := strings.TrimSuffix(prefix, "/")
	if root != "" {
		root += "/"
	}
	if caseNumber != "" {
		root += caseNumber + "/"
	}
	objs, err := st.List(ctx, root)
	if err != nil {
		return nil, err
	}
	byRef := map[Ref]*Bundle{}
	var order []Ref
	base := strings.TrimSuffix(prefix, "/")
	for _, o := range objs {
		rel := o.Key
		if base != "" {
			rel = strings.TrimPrefix(rel, base+"/")
		}
		parts := strings.SplitN(rel, "/", 3)
		if len(parts) < 3 {
			continue
		}
		ref := Ref{Case: parts[0], ExportID: parts[1]}
		b := byRef[ref]
		if b == nil {
			b = &Bundle{Ref: ref}
			byRef[ref] = b
			order = append(order, ref)
		}
		b.Objects++
		b.Bytes += o.Size
		if parts[2] == bundle.ManifestName {
			b.Complete = true
		}
	}
	out := make([]Bundle, 0, len(order))
	for _, r := range order {
		out = append(out, *byRef[r])
	}
	return out, nil
}
