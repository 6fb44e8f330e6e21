package app

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/digest"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/render"
	"github.com/klipp-forensics/klipp/internal/store"
)

// BulletinRequest makes an identification bulletin from a case's entries.
type BulletinRequest struct {
	Case    string
	Entries []int  // the entries' numbers as timeline list shows them (time order)
	Text    string // the description of the person; "" = the case's suspect description
	Contact string // whom to contact; "" = the case's requester
	Out     string // .pdf
	Force   bool   // replace an existing file
	// Crops are enhanced crops to add, by entry number: a rectangle in the
	// still's pixels, enlarged and contrast-stretched, and said so.
	Crops map[int]image.Rectangle
}

// BulletinResult is the bulletin written.
type BulletinResult struct {
	File    string    `json:"file"`
	SHA256  string    `json:"sha256"`
	Case    string    `json:"case"`
	Entries []int     `json:"entries"`
	Stills  []string  `json:"stills"` // the frames shown, kept beside the PDF
	Times   []string  `json:"times"`  // true time of each frame shown
	Created time.Time `json:"created"`
}

// maxBulletinImages is what one A4 page shows legibly.
const maxBulletinImages = 6

// Bulletin writes a one-page A4 PDF to publish on the police intranet: the
// chosen entries' stills (each the frame on screen at the entry's first
// still time or its time), enhanced crops where asked, date and place,
// the description, the case number and whom to contact. The stills are
// written beside the PDF (audited as stills of the case); the bulletin is
// recorded with the case and audited before it takes its name.
func (s *Service) Bulletin(ctx context.Context, req BulletinRequest) (BulletinResult, error) {
	if err := s.Need(ctx, "bulletin", req.Case, RoleAnalyst); err != nil {
		return BulletinResult{}, err
	}
	if req.Out == "" {
		return BulletinResult{}, fault.Fieldf("output", "required")
	}
	if !strings.EqualFold(filepath.Ext(req.Out), ".pdf") {
		return BulletinResult{}, fault.Fieldf("output", "%s: the bulletin is a PDF; name it .pdf", req.Out)
	}
	if _, err := os.Stat(req.Out); err == nil && !req.Force {
		return BulletinResult{}, fault.Wrap(fault.Usage, &ExistsError{Path: req.Out})
	}
	if len(req.Entries) == 0 {
		return BulletinResult{}, fault.Fieldf("entries", "required: the numbers of the entries whose stills to show (klipp timeline list %s)", req.Case)
	}
	if len(req.Entries) > maxBulletinImages {
		return BulletinResult{}, fault.Fieldf("entries", "%d entries: one page shows at most %d", len(req.Entries), maxBulletinImages)
	}
	cs, err := casefile.Get(ctx, s.store, req.Case)
	if err != nil {
		return BulletinResult{}, err
	}
	all, err := s.store.Entries(ctx, cs.Number)
	if err != nil {
		return BulletinResult{}, fault.Wrap(fault.Storage, err)
	}
	numbers := append([]int(nil), req.Entries...)
	sort.Ints(numbers)
	for i, n := range numbers {
		if n < 1 || n > len(all) {
			return BulletinResult{}, fault.Fieldf("entries", "case %s has entries 1 to %d; there is no entry %d", cs.Number, len(all), n)
		}
		if i > 0 && numbers[i-1] == n {
			return BulletinResult{}, fault.Fieldf("entries", "entry %d is given twice", n)
		}
	}
	for n, r := range req.Crops {
		if !containsInt(numbers, n) {
			return BulletinResult{}, fault.Fieldf("crop", "entry %d is not among --entries", n)
		}
		if r.Dx() < 8 || r.Dy() < 8 {
			return BulletinResult{}, fault.Fieldf("crop", "entry %d: a crop of %dx%d pixels is too small", n, r.Dx(), r.Dy())
		}
	}
	text := strings.TrimSpace(req.Text)
	if text == "" {
		text = cs.Suspect
	}
	if text == "" {
		return BulletinResult{}, fault.Fieldf("text", "required: the case has no suspect description to show")
	}
	contact := strings.TrimSpace(req.Contact)
	if contact == "" {
		contact = cs.RequestedBy
	}
	if contact == "" {
		return BulletinResult{}, fault.Fieldf("contact", "required: whom to contact (name and telephone); the case names no requester")
	}
	if err := os.MkdirAll(filepath.Dir(req.Out), 0o755); err != nil {
		return BulletinResult{}, fault.Fieldf("output", "%v", err)
	}
	b := render.Bulletin{Language: s.cfg.Report.Language, Zone: s.cfg.Timezone, Text: text, Contact: contact, Created: s.now(), Software: s.software(),
		Case: render.Case{Number: cs.Number, Title: cs.Title, Crime: cs.Crime, Place: cs.Place}}
	res := BulletinResult{Case: cs.Number, Entries: numbers, Created: b.Created.UTC()}
	base := strings.TrimSuffix(req.Out, filepath.Ext(req.Out))
	for _, n := range numbers {
		e := all[n-1]
		cam, err := s.Camera(e.Camera)
		if err != nil {
			return BulletinResult{}, err
		}
		at := e.At
		if len(e.Stills) > 0 {
			at = e.Stills[0]
		}
		name := base + "-" + strconv.Itoa(n) + ".png"
		if _, err := os.Stat(name); err == nil && !req.Force {
			return BulletinResult{}, fault.Wrap(fault.Usage, &ExistsError{Path: name})
		}
		recs, err := s.writeStills(ctx, cam, cs.Number, []time.Time{at}, []string{name})
		if err != nil {
			return BulletinResult{}, err
		}
		img, err := readPNG(name)
		if err != nil {
			return BulletinResult{}, err
		}
		crop := req.Crops[n]
		if !crop.Empty() && !crop.In(img.Bounds()) {
			return BulletinResult{}, fault.Fieldf("crop", "entry %d: %v is outside the still's %dx%d pixels", n, crop, img.Bounds().Dx(), img.Bounds().Dy())
		}
		b.Items = append(b.Items, render.BulletinItem{Entry: n, At: recs[0].FrameTime, CameraName: cam.Name, Address: cam.Address, Image: img, Crop: crop})
		res.Stills = append(res.Stills, name)
		res.Times = append(res.Times, recs[0].FrameTime.Format(time.RFC3339Nano))
	}
	var buf bytes.Buffer
	if err := render.WriteBulletin(&buf, b); err != nil {
		return BulletinResult{}, err
	}
	tmp := tempName(req.Out)
	defer os.Remove(tmp)
	if err := atomicfile.Write(tmp, buf.Bytes()); err != nil {
		return BulletinResult{}, fault.Wrap(fault.Storage, err)
	}
	abs, err := filepath.Abs(req.Out)
	if err != nil {
		return BulletinResult{}, err
	}
	res.File, res.SHA256 = req.Out, digest.Bytes(buf.Bytes())
	var list []string
	for _, n := range numbers {
		list = append(list, strconv.Itoa(n))
	}
	hashes := map[string]string{abs: res.SHA256}
	detail := map[string]string{"file": abs, "entries": strings.Join(list, ","), "contact": contact, "stills": strings.Join(res.Stills, ",")}
	if len(req.Crops) > 0 {
		detail["enhanced_crops"] = strconv.Itoa(len(req.Crops))
	}
	if _, err := s.change(ctx, audit.Entry{Action: "bulletin", Case: cs.Number, Hashes: hashes, Detail: detail}, func(tx *store.Store) error {
		return fault.Wrap(fault.Storage, tx.AddBulletin(ctx, store.Bulletin{Case: cs.Number, File: abs, SHA256: res.SHA256,
			Entries: strings.Join(list, ","), MadeBy: s.Who(), Created: res.Created}))
	}); err != nil {
		return BulletinResult{}, err
	}
	if err := os.Rename(tmp, req.Out); err != nil {
		return BulletinResult{}, fault.Wrap(fault.Storage, err)
	}
	return res, nil
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fault.Mediaf("%s: %v", path, err)
	}
	return img, nil
}
