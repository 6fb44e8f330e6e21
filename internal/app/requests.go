package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Request is an investigator's request for footage as front ends show it.
// Status is "filed" until an analyst accepts it, then its case's status.
type Request struct {
	ID         int64           `json:"id"`
	Title      string          `json:"title"`
	Crime      string          `json:"crime,omitempty"`
	Place      string          `json:"place,omitempty"`
	Position   *catalog.LatLon `json:"position,omitempty"`
	From       time.Time       `json:"from"`
	To         time.Time       `json:"to"`
	Suspect    string          `json:"suspect,omitempty"`
	Need       string          `json:"need,omitempty"`
	FiledBy    string          `json:"filed_by"`
	Filed      time.Time       `json:"filed"`
	Status     string          `json:"status"`
	Case       string          `json:"case,omitempty"`
	AcceptedBy string          `json:"accepted_by,omitempty"`
	Accepted   *time.Time      `json:"accepted,omitempty"`
	Deliveries []Delivery      `json:"deliveries,omitempty"` // RequestShow only
}

// RequestFiled is the status of a request no analyst has accepted yet.
const RequestFiled = "filed"

// Delivery is a bundle made for a request: its archive reference, where it
// stands, and how to check a copy of it.
type Delivery struct {
	Ref            string `json:"ref"` // CASE/EXPORT-ID
	ManifestSHA256 string `json:"manifest_sha256"`
	Files          int    `json:"files"`
	Archive        string `json:"archive"` // not pushed | queued | uploading | verified | failed
	// Verify is how to check it: the bundle's own hashes on a copy, and the
	// archived original.
	Verify []string `json:"verify"`
}

func requestOf(r store.Request) Request {
	v := Request{ID: r.ID, Title: r.Title, Crime: r.Crime, Place: r.Place, From: r.From, To: r.To, Suspect: r.Suspect, Need: r.Need,
		FiledBy: r.FiledBy, Filed: r.Filed, Status: RequestFiled, Case: r.Case, AcceptedBy: r.AcceptedBy, Accepted: r.Accepted}
	if r.Lat != nil {
		v.Position = &catalog.LatLon{Lat: *r.Lat, Lon: *r.Lon}
	}
	return v
}

// NewRequestRequest files a request.
type NewRequestRequest struct {
	Title, Crime, Place string
	Position            *catalog.LatLon
	From, To            time.Time
	Suspect, Need       string
}

// NewRequest files a request and audits it (request.new), together.
// Investigators file requests.
func (s *Service) NewRequest(ctx context.Context, req NewRequestRequest) (Request, error) {
	if _, err := s.need(ctx, "request new", "", RoleInvestigator); err != nil {
		return Request{}, err
	}
	switch {
	case req.Title == "":
		return Request{}, fault.Fieldf("title", "required")
	case req.From.IsZero():
		return Request{}, fault.Fieldf("from", "required")
	case req.To.IsZero():
		return Request{}, fault.Fieldf("to", "required")
	case !req.To.After(req.From):
		return Request{}, fault.Fieldf("to", "must be after --from")
	case req.Position != nil && (req.Position.Lat < -90 || req.Position.Lat > 90 || req.Position.Lon < -180 || req.Position.Lon > 180):
		return Request{}, fault.Fieldf("position", "must be LAT,LON in degrees")
	}
	r := store.Request{Title: req.Title, Crime: req.Crime, Place: req.Place, From: req.From.UTC(), To: req.To.UTC(), Suspect: req.Suspect,
		Need: req.Need, FiledBy: s.login, Filed: s.now().UTC()}
	if req.Position != nil {
		lat, lon := req.Position.Lat, req.Position.Lon
		r.Lat, r.Lon = &lat, &lon
	}
	detail := map[string]string{"title": r.Title, "from": r.From.Format(time.RFC3339Nano), "to": r.To.Format(time.RFC3339Nano)}
	_, err := s.change(ctx, audit.Entry{Action: "request.new", Detail: detail}, func(tx *store.Store) error {
		var err error
		r.ID, err = tx.CreateRequest(ctx, r)
		detail["request"] = strconv.FormatInt(r.ID, 10)
		return fault.Wrap(fault.Storage, err)
	})
	if err != nil {
		return Request{}, err
	}
	return requestOf(r), nil
}

// Requests lists requests, newest first: an investigator's own, or every
// request for analysts and archivists.
func (s *Service) Requests(ctx context.Context) ([]Request, error) {
	me, err := s.need(ctx, "request list", "", RoleInvestigator, RoleAnalyst, RoleArchivist)
	if err != nil {
		return nil, err
	}
	filer := ""
	if me.OnlyInvestigator() {
		filer = me.Login
	}
	rs, err := s.store.Requests(ctx, filer)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	out := []Request{}
	for _, r := range rs {
		v := requestOf(r)
		if err := s.requestStatus(ctx, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) requestStatus(ctx context.Context, v *Request) error {
	if v.Case == "" {
		return nil
	}
	c, err := s.store.GetCase(ctx, v.Case)
	if err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	v.Status = c.Status
	return nil
}

// RequestShow returns a request with its deliveries, and audits the view
// (request.show). An investigator sees only their own requests.
func (s *Service) RequestShow(ctx context.Context, id int64) (Request, error) {
	me, err := s.need(ctx, "request show", "", RoleInvestigator, RoleAnalyst, RoleArchivist)
	if err != nil {
		return Request{}, err
	}
	r, err := s.store.GetRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && me.OnlyInvestigator() && r.FiledBy != me.Login) {
		return Request{}, fault.NotFoundf("no request %d of yours (klipp request list)", id)
	} else if err != nil {
		return Request{}, fault.Wrap(fault.Storage, err)
	}
	v := requestOf(r)
	if err := s.requestStatus(ctx, &v); err != nil {
		return Request{}, err
	}
	if v.Case != "" {
		if v.Deliveries, err = s.deliveries(ctx, v.Case); err != nil {
			return Request{}, err
		}
	}
	if _, err := s.record(ctx, audit.Entry{Action: "request.show", Case: v.Case, Detail: map[string]string{"request": strconv.FormatInt(id, 10),
		"deliveries": strconv.Itoa(len(v.Deliveries))}}); err != nil {
		return Request{}, err
	}
	return v, nil
}

func (s *Service) deliveries(ctx context.Context, number string) ([]Delivery, error) {
	exports, err := s.store.Exports(ctx, number)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	jobs, err := s.store.ArchiveJobs(ctx, number)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	state := map[string]string{}
	for _, j := range jobs {
		state[j.ExportID] = j.State
	}
	out := []Delivery{}
	for _, e := range exports {
		ref := e.Case + "/" + e.ExportID
		st := state[e.ExportID]
		if st == "" {
			st = ArchiveNotPushed
		}
		out = append(out, Delivery{Ref: ref, ManifestSHA256: e.ManifestSHA256, Files: e.Files, Archive: st, Verify: []string{
			fmt.Sprintf("klipp verify DIR on your copy checks every file against the bundle's manifest.json and SHA256SUMS; that manifest.json's SHA-256 must be %s (sha256sum manifest.json)", e.ManifestSHA256),
			fmt.Sprintf("klipp archive verify %s (an archivist) checks the archived original", ref)}})
	}
	return out, nil
}

// AcceptRequestRequest opens a case from a request; Case is its number
// (request-ID when empty).
type AcceptRequestRequest struct {
	ID   int64
	Case string
}

// AcceptRequest opens a case from a request and audits it
// (request.accept), together. Analysts accept requests.
func (s *Service) AcceptRequest(ctx context.Context, req AcceptRequestRequest) (Case, error) {
	if _, err := s.need(ctx, "request accept", req.Case, RoleAnalyst); err != nil {
		return Case{}, err
	}
	number := req.Case
	if number == "" {
		number = "request-" + strconv.FormatInt(req.ID, 10)
	}
	if err := casefile.ValidNumber(number); err != nil {
		return Case{}, fault.Fieldf("case", "%v", err)
	}
	detail := map[string]string{"request": strconv.FormatInt(req.ID, 10)}
	var created store.Case
	_, err := s.change(ctx, audit.Entry{Action: "request.accept", Case: number, Detail: detail}, func(tx *store.Store) error {
		r, err := tx.GetRequest(ctx, req.ID)
		if errors.Is(err, store.ErrNotFound) {
			return fault.NotFoundf("no request %d (klipp request list)", req.ID)
		} else if err != nil {
			return fault.Wrap(fault.Storage, err)
		}
		if r.Case != "" {
			return fault.Usagef("request %d was accepted already, as case %s, by %s", r.ID, r.Case, r.AcceptedBy)
		}
		requester := r.FiledBy
		if u, err := tx.GetUser(ctx, r.FiledBy); err == nil && u.Name != "" {
			requester = u.Name + " (" + u.Login + ")"
		}
		c := store.Case{Number: number, Title: r.Title, Crime: r.Crime, Place: r.Place, Lat: r.Lat, Lon: r.Lon, From: r.From, To: r.To,
			RequestedBy: requester, Request: r.Need, Suspect: r.Suspect, Received: r.Filed}
		if created, err = casefile.Create(ctx, tx, c, s.Who(), s.now()); err != nil {
			return err
		}
		created.Version, created.UpdatedBy = 1, created.CreatedBy
		detail["title"], detail["requested_by"] = r.Title, requester
		return fault.Wrap(fault.Storage, tx.AcceptRequest(ctx, r.ID, number, s.Who(), s.now().UTC()))
	})
	if err != nil {
		return Case{}, err
	}
	return caseOf(created), nil
}

// ViewedSpanRequest is a span of a camera's footage a person looked at
// (the UI's frame browser), for a case or none.
type ViewedSpanRequest struct {
	Case     string
	Camera   string
	From, To time.Time
}

// RecordView audits a span of footage viewed (view): one entry per camera
// and span. Front ends that show footage call it when the person moves to
// another camera or leaves the footage.
func (s *Service) RecordView(ctx context.Context, req ViewedSpanRequest) error {
	if _, err := s.need(ctx, "view footage", req.Case, RoleAnalyst, RoleArchivist); err != nil {
		return err
	}
	if req.Camera == "" {
		return fault.Fieldf("camera", "required")
	}
	from, to := req.From.UTC(), req.To.UTC()
	if to.Before(from) {
		from, to = to, from
	}
	_, err := s.record(ctx, audit.Entry{Action: "view", Case: req.Case, Camera: req.Camera, Detail: map[string]string{
		"from": from.Format(time.RFC3339Nano), "to": to.Format(time.RFC3339Nano)}})
	return err
}
