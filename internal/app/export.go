package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/export"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// ExportRequest builds a case's bundle.
type ExportRequest struct {
	Case    string
	OutDir  string // "" = <data_dir>/exports; the bundle is OutDir/<case>/<export-id>
	Restart bool   // discard an unfinished export of the case instead of resuming it
	// Wait for another export of the case to finish instead of refusing
	// (exit 2) while it runs.
	Wait bool
	// ContactSheets: a contact sheet of each entry's clip range in the
	// bundle and the report; nil: report.contact_sheets.
	ContactSheets *bool `json:",omitempty"`
}

// ExportResult is a finished bundle.
type ExportResult struct {
	Dir            string                   `json:"dir"`
	Signer         *bundle.SignerInfo       `json:"signer"` // nil: unsigned
	Case           string                   `json:"case"`
	ExportID       string                   `json:"export_id"`
	Files          int                      `json:"files"`
	ManifestSHA256 string                   `json:"manifest_sha256"`
	StagesSeconds  map[string]float64       `json:"stages_s"`
	Reused         []string                 `json:"reused"` // journal steps reused from an interrupted run
	Entries        int                      `json:"-"`
	Stages         map[string]time.Duration `json:"-"` // in export.StageOrder
}

// Export builds the case's bundle (design.md §7) under a hidden name,
// resuming an interrupted export of the case; records it and its audit
// entry together; and only then gives it its name.
func (s *Service) Export(ctx context.Context, req ExportRequest, ev Events) (ExportResult, error) {
	if err := s.Need(ctx, "export", req.Case, RoleAnalyst); err != nil {
		return ExportResult{}, err
	}
	ev = events(ev)
	cs, err := casefile.Get(ctx, s.store, req.Case)
	if err != nil {
		return ExportResult{}, err
	}
	entries, err := s.store.Entries(ctx, cs.Number)
	if err != nil {
		return ExportResult{}, fault.Wrap(fault.Storage, err)
	}
	if len(entries) == 0 {
		return ExportResult{}, fault.Usagef("case %s has no timeline entries to export (klipp timeline add %s …)", cs.Number, cs.Number)
	}
	out := req.OutDir
	if out == "" {
		out = s.cfg.Roots["exports"]
	}
	cat, err := s.Catalog()
	if err != nil {
		return ExportResult{}, err
	}
	// One export of a case at a time, across processes: a second one would
	// take over the first's work directory.
	holder := export.Holder{What: "export of case " + cs.Number, Output: out, By: s.Who()}
	lk, err := export.LockWait(ctx, s.exportLocker(), "export-"+cs.Number, holder, req.Wait, func(h *export.ErrHeld) {
		ev.Warn(fmt.Sprintf("case %s: waiting for the running %s", cs.Number, h.Holder))
	})
	if err != nil {
		var held *export.ErrHeld
		if errors.As(err, &held) {
			return ExportResult{}, fault.Wrap(fault.Usage, &ExportRunning{Case: cs.Number, Holder: held.Holder.String()})
		}
		return ExportResult{}, err
	}
	defer lk.Unlock()
	in := s.exportInputs(ev)
	in.Catalog = cat
	if sheets := s.cfg.Report.ContactSheets; req.ContactSheets != nil && *req.ContactSheets || req.ContactSheets == nil && sheets {
		in.Sheets = sheetWriter{s: s, ev: ev}
	}
	if in.Signer, err = s.signer(); err != nil {
		return ExportResult{}, err
	}
	started := func(id string) {
		holder.ExportID = id
		lk.SetHolder(holder) // only what others are told
	}
	b, err := export.Build(ctx, in, export.Request{Case: cs, Entries: entries, OutDir: out, Restart: req.Restart, Started: started}, ev)
	if err != nil {
		// Finished steps stay for the next run; Ctrl-C or an error leaves
		// only the hidden work directory.
		return ExportResult{}, err
	}
	abs, err := filepath.Abs(b.Dir)
	if err != nil {
		return ExportResult{}, err
	}
	if _, err := s.change(ctx, audit.Entry{Action: "export", Case: cs.Number, Hashes: map[string]string{filepath.Join(b.Dir, bundle.ManifestName): b.ManifestSHA256},
		Detail: map[string]string{"dir": b.Dir, "files": strconv.Itoa(len(b.Manifest.Files)), "entries": strconv.Itoa(len(entries)),
			"reused": strings.Join(b.Reused, ",")}}, func(tx *store.Store) error {
		return fault.Wrap(fault.Storage, tx.AddExport(ctx, store.Export{Case: cs.Number, ExportID: b.ID, Dir: abs, ManifestSHA256: b.ManifestSHA256,
			Files: len(b.Manifest.Files), Created: s.now().UTC()}))
	}); err != nil {
		return ExportResult{}, err
	}
	if err := b.Commit(); err != nil {
		return ExportResult{}, err
	}
	res := ExportResult{Dir: b.Dir, Case: cs.Number, ExportID: b.ID, Files: len(b.Manifest.Files), ManifestSHA256: b.ManifestSHA256,
		StagesSeconds: map[string]float64{}, Reused: b.Reused, Signer: b.Manifest.Signer, Entries: len(entries), Stages: b.Stages}
	for k, v := range b.Stages {
		res.StagesSeconds[k] = v.Seconds()
	}
	return res, nil
}

// signer is the configured signing key, or nil when bundles go unsigned.
// The key was checked when the configuration loaded; a key changed since
// is refused here rather than making an unsigned bundle.
func (s *Service) signer() (*bundle.Signer, error) {
	if s.cfg.Signing.Key == "" {
		return nil, nil
	}
	sg, err := bundle.LoadSigner(s.cfg.Signing.Key, s.cfg.Signing.Identity)
	if err != nil {
		return nil, fault.Usagef("signing.key: %v", err)
	}
	return sg, nil
}

// exportLocker takes the per-case export locks: flocks in <data_dir>/locks
// (a shared store may later use its advisory locks).
func (s *Service) exportLocker() export.Locker {
	return export.FileLocker{Dir: filepath.Join(s.cfg.DataDir, "locks")}
}

// exportInputs are what an export needs from the service, but the
// catalog.
func (s *Service) exportInputs(ev Events) export.Inputs {
	return export.Inputs{Zone: s.cfg.Timezone, ClipMode: CutMode(s.cfg.Clip.Mode), Presentation: s.cfg.Presentation, DriftBound: s.cfg.DriftBound,
		Language: s.cfg.Report.Language, Page: s.cfg.Report.Page, Analyst: s.cfg.Analyst, Software: s.software(), Now: s.now,
		Store: s.store, Clips: clipCutter{s: s, ev: ev}, Stills: stillWriter{s: s}}
}
