package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/digest"
)

// SealDir is the folder, under the archive's prefix, that holds the audit
// seals: <prefix>/_seals/<time>-<seq>.json. A case number cannot start
// with '_', so no bundle's key collides with it.
const SealDir = "_seals"

// Seal anchors the audit chain outside the data directory: the chain's head
// (seq and hash) as it was at Time, written write-once to the archive. A
// chain that later ends before Seq, or has another hash at Seq, was cut or
// rewritten.
type Seal struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	Time time.Time `json:"time"`
	Who  string    `json:"who"`
	// Chain is where the chain lived (the store), Reason why the seal was
	// written (archive.push of a bundle, or audit seal).
	Chain  string `json:"chain"`
	Reason string `json:"reason"`
	// Key is the object's key (not part of its content).
	Key string `json:"-"`
}

// SealKey is the key a seal is stored under.
func SealKey(prefix string, s Seal) string {
	return path.Join(prefix, SealDir, fmt.Sprintf("%s-%012d.json", s.Time.UTC().Format("20060102T150405.000000000Z"), s.Seq))
}

// PutSeal writes s under object lock (mode, until), and returns it with
// its key.
func PutSeal(ctx context.Context, st Store, prefix string, s Seal, mode string, until time.Time) (Seal, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return s, err
	}
	data = append(data, '\n')
	s.Key = SealKey(prefix, s)
	sum := digest.Bytes(data)
	if _, err := st.Put(ctx, s.Key, bytes.NewReader(data), PutOptions{Size: int64(len(data)), SHA256: sum, Mode: mode, RetainUntil: until,
		ContentType: "application/json"}); err != nil {
		return s, err
	}
	return s, nil
}

// Seals reads every seal under prefix, oldest first. An object there that
// is not a seal is an error: seals are write-once, so one that does not
// read was put there by something else.
func Seals(ctx context.Context, st Store, prefix string) ([]Seal, error) {
	objs, err := st.List(ctx, path.Join(prefix, SealDir)+"/")
	if err != nil {
		return nil, err
	}
	var out []Seal
	for _, o := range objs {
		if !strings.HasSuffix(o.Key, ".json") {
			continue
		}
		data, err := readAll(ctx, st, o.Key)
		if err != nil {
			return out, err
		}
		var s Seal
		if err := json.Unmarshal(data, &s); err != nil || s.Seq <= 0 || s.Hash == "" {
			return out, fmt.Errorf("seal %s in %s does not read as a seal (%v)", o.Key, st.Describe(), err)
		}
		s.Key = o.Key
		out = append(out, s)
	}
	return out, nil
}
