package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Case is a case as front ends show it (and the CLI prints with --json).
type Case struct {
	Number      string          `json:"number"`
	Title       string          `json:"title"`
	Crime       string          `json:"crime,omitempty"`
	Place       string          `json:"place,omitempty"`
	Position    *catalog.LatLon `json:"position,omitempty"`
	From        time.Time       `json:"from"`
	To          time.Time       `json:"to"`
	RequestedBy string          `json:"requested_by,omitempty"`
	Request     string          `json:"request,omitempty"`
	Suspect     string          `json:"suspect,omitempty"`
	Status      casefile.Status `json:"status"`
	Deadline    *time.Time      `json:"deadline,omitempty"`
	Retention   string          `json:"retention_class"`
	Received    time.Time       `json:"received"`
	Delivered   *time.Time      `json:"delivered,omitempty"`
	Created     time.Time       `json:"created"`
	CreatedBy   string          `json:"created_by"`
	Updated     time.Time       `json:"updated"`
	UpdatedBy   string          `json:"updated_by,omitempty"`
	Version     int64           `json:"version"`             // an edit based on another version is refused
	Exports     []CaseExport    `json:"exports,omitempty"`   // CaseShow only
	Bulletins   []CaseBulletin  `json:"bulletins,omitempty"` // CaseShow only
}

// CaseExport is one of a case's bundles and where it stands in the archive.
type CaseExport struct {
	ExportID string `json:"export_id"`
	Dir      string `json:"dir"`
	Files    int    `json:"files"`
	Archive  string `json:"archive"` // not pushed | queued | uploading | verified | failed
}

// ArchiveNotPushed is the archive state of a bundle never pushed.
const ArchiveNotPushed = "not pushed"

func caseOf(c store.Case) Case {
	v := Case{Number: c.Number, Title: c.Title, Crime: c.Crime, Place: c.Place, From: c.From, To: c.To, RequestedBy: c.RequestedBy,
		Request: c.Request, Suspect: c.Suspect, Status: casefile.Status(c.Status), Deadline: c.Deadline, Retention: c.RetentionClass,
		Received: c.Received, Delivered: c.Delivered, Created: c.Created, CreatedBy: c.CreatedBy, Updated: c.Updated,
		UpdatedBy: c.UpdatedBy, Version: c.Version}
	if c.Lat != nil {
		v.Position = &catalog.LatLon{Lat: *c.Lat, Lon: *c.Lon}
	}
	return v
}

// CreateCaseRequest opens a case. Zero values are unset: Received
// defaults to now, Retention to "default"; a Delivered time enters a case
// delivered after the fact.
type CreateCaseRequest struct {
	Number      string
	Title       string
	Crime       string
	Place       string
	Position    *catalog.LatLon
	From, To    time.Time
	RequestedBy string
	Request     string
	Suspect     string
	Deadline    *time.Time
	Received    time.Time
	Delivered   *time.Time
	Retention   string
}

// CreateCase opens a case and audits it (case.create), together.
func (s *Service) CreateCase(ctx context.Context, req CreateCaseRequest) (Case, error) {
	if _, err := s.need(ctx, "case new", req.Number, RoleAnalyst); err != nil {
		return Case{}, err
	}
	c := store.Case{Number: req.Number, Title: req.Title, Crime: req.Crime, Place: req.Place, From: req.From, To: req.To,
		RequestedBy: req.RequestedBy, Request: req.Request, Suspect: req.Suspect, Deadline: utcPtr(req.Deadline), Received: req.Received.UTC(),
		Delivered: utcPtr(req.Delivered), RetentionClass: req.Retention}
	if req.Position != nil {
		lat, lon := req.Position.Lat, req.Position.Lon
		c.Lat, c.Lon = &lat, &lon
	}
	if req.Retention != "" {
		if err := s.checkRetention(req.Retention); err != nil {
			return Case{}, err
		}
	}
	var created store.Case
	_, err := s.change(ctx, audit.Entry{Action: "case.create", Case: req.Number, Detail: map[string]string{"title": req.Title,
		"from": req.From.Format(time.RFC3339Nano), "to": req.To.Format(time.RFC3339Nano), "requested_by": req.RequestedBy}},
		func(tx *store.Store) error {
			var err error
			created, err = casefile.Create(ctx, tx, c, s.Who(), s.now())
			created.Version, created.UpdatedBy = 1, created.CreatedBy
			return err
		})
	if err != nil {
		return Case{}, err
	}
	return caseOf(created), nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// checkRetention checks a retention class against klipp.yaml's.
func (s *Service) checkRetention(class string) error {
	if _, ok := s.cfg.RetentionClasses[class]; ok {
		return nil
	}
	var names []string
	for k := range s.cfg.RetentionClasses {
		names = append(names, k)
	}
	sort.Strings(names)
	return fault.Fieldf("retention", "%q is not a retention class; klipp.yaml has: %s", class, strings.Join(names, ", "))
}

// CaseListRequest filters the case list; a zero Status lists all.
type CaseListRequest struct {
	Status casefile.Status
}

// CaseList lists cases, newest first.
func (s *Service) CaseList(ctx context.Context, req CaseListRequest) ([]Case, error) {
	if _, err := s.need(ctx, "case list", "", RoleAnalyst, RoleArchivist); err != nil {
		return nil, err
	}
	cases, err := s.store.ListCases(ctx, string(req.Status))
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	out := []Case{}
	for _, c := range cases {
		out = append(out, caseOf(c))
	}
	return out, nil
}

// CaseShow returns a case with its bundles and their archive state.
func (s *Service) CaseShow(ctx context.Context, number string) (Case, error) {
	if _, err := s.need(ctx, "case show", number, RoleAnalyst, RoleArchivist); err != nil {
		return Case{}, err
	}
	c, err := casefile.Get(ctx, s.store, number)
	if err != nil {
		return Case{}, err
	}
	v := caseOf(c)
	exports, err := s.store.Exports(ctx, c.Number)
	if err != nil {
		return Case{}, fault.Wrap(fault.Storage, err)
	}
	jobs, err := s.store.ArchiveJobsIn(ctx, s.archiveID(), c.Number)
	if err != nil {
		return Case{}, fault.Wrap(fault.Storage, err)
	}
	state := map[string]string{}
	for _, j := range jobs {
		state[j.ExportID] = j.State
	}
	for _, e := range exports {
		st := state[e.ExportID]
		if st == "" {
			st = ArchiveNotPushed
		}
		v.Exports = append(v.Exports, CaseExport{ExportID: e.ExportID, Dir: e.Dir, Files: e.Files, Archive: st})
	}
	bulletins, err := s.store.Bulletins(ctx, c.Number)
	if err != nil {
		return Case{}, fault.Wrap(fault.Storage, err)
	}
	for _, b := range bulletins {
		v.Bulletins = append(v.Bulletins, CaseBulletin{File: b.File, SHA256: b.SHA256, Entries: b.Entries, By: b.MadeBy, Created: b.Created})
	}
	return v, nil
}

// CaseBulletin is an identification bulletin made from the case.
type CaseBulletin struct {
	File    string    `json:"file"`
	SHA256  string    `json:"sha256"`
	Entries string    `json:"entries"`
	By      string    `json:"by"`
	Created time.Time `json:"created"`
}

// EditCaseRequest changes the fields that are set (non-nil) of a case.
// Setting Delivered implies status delivered unless the case is further.
// A status may only move back with Reopen.
type EditCaseRequest struct {
	Number                        string
	Title, Crime, Place           *string
	RequestedBy, Request, Suspect *string
	Position                      *catalog.LatLon
	From, To                      *time.Time
	Deadline, Received, Delivered *time.Time
	Retention                     *string
	Status                        *casefile.Status
	Reopen                        bool
	// Version is the version the edit is based on (the one a front end
	// showed); 0 edits whatever version the case has now.
	Version int64
}

// EditCase changes a case and audits it (case.edit), together.
func (s *Service) EditCase(ctx context.Context, req EditCaseRequest) (Case, error) {
	return s.editCase(ctx, req, "case.edit")
}

// CloseCaseRequest marks a case delivered, at Delivered (now when nil).
// Version is as in EditCaseRequest.
type CloseCaseRequest struct {
	Number    string
	Delivered *time.Time
	Version   int64
}

// CloseCase marks a case delivered and audits it (case.close), together.
func (s *Service) CloseCase(ctx context.Context, req CloseCaseRequest) (Case, error) {
	st := casefile.StatusDelivered
	return s.editCase(ctx, EditCaseRequest{Number: req.Number, Delivered: req.Delivered, Status: &st, Version: req.Version}, "case.close")
}

func (s *Service) editCase(ctx context.Context, req EditCaseRequest, action string) (Case, error) {
	if _, err := s.need(ctx, action, req.Number, RoleAnalyst); err != nil {
		return Case{}, err
	}
	if req.Retention != nil {
		if err := s.checkRetention(*req.Retention); err != nil {
			return Case{}, err
		}
	}
	if req.Status != nil {
		if _, err := casefile.ParseStatus(string(*req.Status)); err != nil {
			return Case{}, err
		}
	}
	detail := map[string]string{"changed": strings.Join(req.changed(), "; ")}
	var updated store.Case
	_, err := s.change(ctx, audit.Entry{Action: action, Case: req.Number, Detail: detail}, func(tx *store.Store) error {
		if req.Version != 0 {
			if cur, err := tx.GetCase(ctx, req.Number); err == nil && cur.Version != req.Version {
				return &store.ConflictError{What: "case " + req.Number, Based: req.Version, Version: cur.Version, By: cur.UpdatedBy, At: cur.Updated}
			}
		}
		var err error
		updated, err = casefile.Update(ctx, tx, req.Number, s.now(), req.Reopen, func(c *store.Case) {
			req.apply(c)
			c.UpdatedBy = s.Who()
		})
		detail["status"] = updated.Status
		detail["version"] = strconv.FormatInt(updated.Version+1, 10)
		return err
	})
	if err != nil {
		return Case{}, s.conflict(err)
	}
	updated.Version++
	return caseOf(updated), nil
}

// apply sets the request's fields on c.
func (req EditCaseRequest) apply(c *store.Case) {
	for _, f := range []struct {
		v   *string
		dst *string
	}{{req.Title, &c.Title}, {req.Crime, &c.Crime}, {req.Place, &c.Place}, {req.RequestedBy, &c.RequestedBy},
		{req.Request, &c.Request}, {req.Suspect, &c.Suspect}, {req.Retention, &c.RetentionClass}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if req.Position != nil {
		lat, lon := req.Position.Lat, req.Position.Lon
		c.Lat, c.Lon = &lat, &lon
	}
	if req.From != nil {
		c.From = req.From.UTC()
	}
	if req.To != nil {
		c.To = req.To.UTC()
	}
	if req.Received != nil {
		c.Received = req.Received.UTC()
	}
	if req.Deadline != nil {
		c.Deadline = utcPtr(req.Deadline)
	}
	if req.Delivered != nil {
		c.Delivered = utcPtr(req.Delivered)
		if rs := casefile.Status(c.Status); rs == casefile.StatusRequested || rs == casefile.StatusInProgress || rs == "" {
			c.Status = string(casefile.StatusDelivered)
		}
	}
	if req.Status != nil {
		c.Status = string(*req.Status)
	}
}

// changed lists the fields set, as name=value, for the audit entry.
func (req EditCaseRequest) changed() []string {
	var out []string
	str := func(name string, v *string) {
		if v != nil {
			out = append(out, name+"="+*v)
		}
	}
	tm := func(name string, v *time.Time) {
		if v != nil {
			out = append(out, name+"="+v.Format(time.RFC3339Nano))
		}
	}
	str("crime", req.Crime)
	tm("deadline", req.Deadline)
	tm("delivered", req.Delivered)
	tm("from", req.From)
	str("place", req.Place)
	if req.Position != nil {
		out = append(out, fmt.Sprintf("position=%.6f,%.6f", req.Position.Lat, req.Position.Lon))
	}
	tm("received", req.Received)
	str("request", req.Request)
	str("requested-by", req.RequestedBy)
	str("retention", req.Retention)
	if req.Status != nil {
		out = append(out, "status="+string(*req.Status))
	}
	str("suspect", req.Suspect)
	str("title", req.Title)
	tm("to", req.To)
	return out
}

// conflict turns an edit refused because the record changed since the
// version it was based on into one line naming who changed it and when
// (a usage error, exit 2: nothing is lost; show it again and redo).
func (s *Service) conflict(err error) error {
	var ce *store.ConflictError
	if !errors.As(err, &ce) {
		return err
	}
	return staleEdit(fmt.Sprintf("%s was changed by %s at %s (now version %d; the edit was based on version %d): show it again and redo the edit",
		ce.What, ce.By, s.show(ce.At), ce.Version, ce.Based), ce)
}
