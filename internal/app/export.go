package app

import (
	"context"
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
}

// ExportResult is a finished bundle.
type ExportResult struct {
	Dir            string                   `json:"dir"`
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
		out = filepath.Join(s.cfg.DataDir, "exports")
	}
	cat, err := s.Catalog()
	if err != nil {
		return ExportResult{}, err
	}
	in := s.exportInputs(ev)
	in.Catalog = cat
	b, err := export.Build(ctx, in, export.Request{Case: cs, Entries: entries, OutDir: out, Restart: req.Restart}, ev)
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
		StagesSeconds: map[string]float64{}, Reused: b.Reused, Entries: len(entries), Stages: b.Stages}
	for k, v := range b.Stages {
		res.StagesSeconds[k] = v.Seconds()
	}
	return res, nil
}

// exportInputs are what an export needs from the service, but the
// catalog.
func (s *Service) exportInputs(ev Events) export.Inputs {
	return export.Inputs{Zone: s.cfg.Timezone, ClipMode: CutMode(s.cfg.Clip.Mode), Presentation: s.cfg.Presentation,
		Language: s.cfg.Report.Language, Page: s.cfg.Report.Page, Analyst: s.cfg.Analyst, Software: s.software(), Now: s.now,
		Store: s.store, Clips: clipCutter{s: s, ev: ev}, Stills: stillWriter{s: s}}
}
