package render

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/klipp-forensics/klipp/internal/clock"
)

// Report is everything the written report says. Times are true time unless
// a field says camera clock.
type Report struct {
	Language string // sv | en
	Page     string // A4 | Letter
	Zone     *time.Location
	Case     Case
	Analyst  string
	Created  time.Time
	ExportID string
	Software string
	Entries  []Entry
	Map      *MapInput // nil: no positions to draw
	Clocks   []ClockRow
	Gaps     []GapRow
	Notes    []string   // derivation notes, one paragraph each
	Files    []FileHash // the bundle's files other than the report and its indexes
	// Signature names who signs SHA256SUMS; nil: the bundle is unsigned.
	Signature *Signature
}

// Signature is the signer of a bundle's SHA256SUMS.
type Signature struct {
	Identity    string
	Fingerprint string // SHA256:… of the ed25519 key
}

// SignatureText says in a language who signed, or that the bundle is
// unsigned.
func SignatureText(language string, s *Signature) string {
	t := Words(language)
	if s == nil {
		return t["unsigned"]
	}
	return fmt.Sprintf(t["signed_by"], s.Identity, s.Fingerprint)
}

// Case is the request the report answers.
type Case struct {
	Number, Title, Crime, Place string
	From, To                    time.Time
	RequestedBy, Request        string
	Suspect, Status             string
}

// Entry is one timeline entry and what the export made of it.
type Entry struct {
	Number        int
	At            time.Time
	CameraClock   time.Time
	ClockVerified bool
	Bound         clock.Bound // the true time's ± (Known false: no bound)
	OrderWith     []int       // entries on other cameras whose order against this one is not certain
	Camera        string      // id
	CameraName    string
	Address       string
	From, To      time.Time // clip range
	Text          string
	Tags          []string
	Author        string
	Clip          string // bundle path; "" when there was no footage
	Mode          string
	Reencoded     string // which frames of the clip were re-encoded
	Gaps          int
	Note          string
	Stills        []Still
	Sheet         *Sheet // contact sheet of the clip range; nil: none
}

// Sheet is an entry's contact sheet: thumbnails of its clip range.
type Sheet struct {
	File  string        // bundle path
	Path  string        // where the PNG is now
	Every time.Duration // one thumbnail every
}

// Still is one still of an entry.
type Still struct {
	File      string    // bundle path
	Path      string    // where the PNG is now
	FrameTime time.Time // true time of the frame shown
}

// ClockRow is one camera's clock: offset = camera clock − true time.
type ClockRow struct {
	Camera, Name string
	Offset       time.Duration // at the case's incident
	Verified     bool
	Measurements []clock.Measurement
}

// GapRow is a stretch without usable footage within a clip or the case's
// window on a camera of the timeline.
type GapRow struct {
	Camera   string
	From, To time.Time
	Reason   string
}

// FileHash is one bundle file.
type FileHash struct {
	Path   string
	Size   int64
	SHA256 string
}

// WritePDF writes the report to w.
func WritePDF(w io.Writer, r Report) error {
	t := Words(r.Language)
	zone := r.Zone
	if zone == nil {
		zone = time.UTC
	}
	at := func(x time.Time) string { return clock.FormatDisplay(x, zone) }
	page := r.Page
	if page == "" {
		page = "A4"
	}
	pdf := fpdf.New("P", "mm", page, "")
	pdf.SetCreationDate(r.Created)
	pdf.SetModificationDate(r.Created)
	pdf.SetCatalogSort(true)
	pdf.SetTitle(t["report"]+" "+r.Case.Number, true)
	pdf.SetAuthor(r.Analyst, true)
	pdf.SetCreator(r.Software, true)
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.AddUTF8FontFromBytes("gomono", "", gomono.TTF)
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 18)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-13)
		pdf.SetFont("go", "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 5, t["case"]+" "+r.Case.Number+" · "+r.ExportID, "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, fmt.Sprintf("%s %d / {nb}", t["page"], pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pageW, pageH := pdf.GetPageSize()
	left, _, right, _ := pdf.GetMargins()
	width := pageW - left - right

	heading := func(s string) {
		pdf.Ln(3)
		pdf.SetFont("go", "B", 14)
		pdf.MultiCell(0, 7, s, "", "L", false)
		pdf.Ln(1)
		pdf.SetFont("go", "", 10)
	}
	field := func(label, value string) {
		if strings.TrimSpace(value) == "" {
			return
		}
		pdf.SetFont("go", "B", 10)
		pdf.CellFormat(48, 5.5, label, "", 0, "L", false, 0, "")
		pdf.SetFont("go", "", 10)
		pdf.MultiCell(width-48, 5.5, value, "", "L", false)
	}
	// table draws rows with column widths in mm; long cells wrap.
	table := func(widths []float64, head []string, rows [][]string, size float64) {
		line := size * 0.5
		row := func(cells []string, bold bool) {
			style := ""
			if bold {
				style = "B"
			}
			pdf.SetFont("go", style, size)
			lines := 1
			for i, c := range cells {
				if n := len(pdf.SplitText(c, widths[i]-2)); n > lines {
					lines = n
				}
			}
			h := float64(lines) * line
			if pdf.GetY()+h > pageH-20 {
				pdf.AddPage()
			}
			x, y := pdf.GetX(), pdf.GetY()
			for i, c := range cells {
				pdf.Rect(x, y, widths[i], h+1, "D")
				pdf.SetXY(x+1, y+0.5)
				pdf.MultiCell(widths[i]-2, line, c, "", "L", false)
				x += widths[i]
			}
			pdf.SetXY(left, y+h+1)
		}
		pdf.SetDrawColor(180, 180, 180)
		row(head, true)
		for _, c := range rows {
			row(c, false)
		}
		pdf.SetDrawColor(0, 0, 0)
		pdf.SetFont("go", "", 10)
	}

	// Cover.
	pdf.AddPage()
	pdf.SetFont("go", "B", 22)
	pdf.MultiCell(0, 11, t["report"], "", "L", false)
	pdf.SetFont("go", "B", 16)
	pdf.MultiCell(0, 9, t["case"]+" "+r.Case.Number, "", "L", false)
	pdf.SetFont("go", "", 13)
	pdf.MultiCell(0, 7, r.Case.Title, "", "L", false)
	pdf.Ln(6)
	field(t["crime"], r.Case.Crime)
	field(t["place"], r.Case.Place)
	field(t["window"], at(r.Case.From)+" – "+at(r.Case.To))
	field(t["requested_by"], r.Case.RequestedBy)
	field(t["request"], r.Case.Request)
	field(t["suspect"], r.Case.Suspect)
	field(t["status"], r.Case.Status)
	pdf.Ln(4)
	field(t["analyst"], r.Analyst)
	field(t["date"], at(r.Created))
	field(t["export"], r.ExportID)
	field(t["software"], r.Software)
	field(t["signature"], SignatureText(r.Language, r.Signature))

	// Summary of the timeline.
	heading(t["summary"])
	var rows [][]string
	for _, e := range r.Entries {
		rows = append(rows, []string{fmt.Sprint(e.Number), at(e.At), plusMinus(t, e, r.Language), e.CameraName, e.Text, strings.Join(e.Tags, ", ")})
	}
	table([]float64{10, 42, 24, 34, width - 10 - 42 - 24 - 34 - 22, 22}, []string{t["nr"], t["time"], t["plusminus"], t["camera"], t["text"], t["tags"]}, rows, 9)

	// Map.
	if r.Map != nil {
		img, err := DrawMap(*r.Map)
		if err != nil {
			return err
		}
		pdf.AddPage()
		heading(t["map"])
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			return err
		}
		pdf.RegisterImageOptionsReader("map", fpdf.ImageOptions{ImageType: "PNG"}, &b)
		h := width * float64(img.Bounds().Dy()) / float64(img.Bounds().Dx())
		pdf.ImageOptions("map", left, pdf.GetY(), width, h, true, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		pdf.Ln(2)
		pdf.SetFont("go", "", 9)
		pdf.MultiCell(0, 4.5, t["map_note"], "", "L", false)
	}

	// One section per entry.
	for _, e := range r.Entries {
		pdf.AddPage()
		heading(fmt.Sprintf("%s %d · %s · %s", t["entry"], e.Number, e.At.In(zone).Format("15:04:05"), e.CameraName))
		pdf.SetFont("go", "", 11)
		pdf.MultiCell(0, 6, e.Text, "", "L", false)
		pdf.Ln(2)
		camClock := e.CameraClock.In(zone).Format("2006-01-02 15:04:05.000")
		if !e.ClockVerified {
			camClock += " (" + t["unverified"] + ")"
		}
		field(t["true_time"], at(e.At)+" "+plusMinus(t, e, r.Language))
		field(t["camera_clock"], camClock)
		field(t["camera"], e.CameraName+" ("+e.Camera+")")
		field(t["address"], e.Address)
		field(t["tags"], strings.Join(e.Tags, ", "))
		field(t["author"], e.Author)
		field(t["clip_range"], e.From.In(zone).Format("15:04:05.000")+" – "+e.To.In(zone).Format("15:04:05.000"))
		if e.Clip != "" {
			field(t["clip"], e.Clip)
			field(t["mode"], e.Mode)
			field(t["reencoded"], reencoded(t, e.Reencoded))
			if e.Gaps > 0 {
				field(t["gaps"], fmt.Sprint(e.Gaps))
			}
		}
		note := e.Note
		if e.Clip == "" {
			note = t["no_footage"]
		}
		field(t["note"], note)
		for i, s := range e.Stills {
			if err := stillImage(pdf, fmt.Sprintf("still-%d-%d", e.Number, i), s.Path, width, left); err != nil {
				return fmt.Errorf("report: still %s: %w", s.File, err)
			}
			pdf.SetFont("go", "", 8.5)
			pdf.MultiCell(0, 4.5, s.File+" · "+t["frame"]+" "+at(s.FrameTime), "", "L", false)
			pdf.Ln(2)
		}
		if sh := e.Sheet; sh != nil {
			if err := stillImage(pdf, fmt.Sprintf("sheet-%d", e.Number), sh.Path, width, left); err != nil {
				return fmt.Errorf("report: contact sheet %s: %w", sh.File, err)
			}
			pdf.SetFont("go", "", 8.5)
			pdf.MultiCell(0, 4.5, sh.File+" · "+fmt.Sprintf(t["sheet"], sh.Every.Seconds()), "", "L", false)
			pdf.Ln(2)
		}
	}

	// Clocks.
	pdf.AddPage()
	heading(t["clocks"])
	rows = nil
	for _, c := range r.Clocks {
		v := t["no"]
		if c.Verified {
			v = t["yes"]
		}
		var ms []string
		for _, m := range c.Measurements {
			s := m.At.In(zone).Format("2006-01-02 15:04") + ": " + formatOffset(m.Offset)
			if m.Note != "" {
				s += " (" + m.Note + ")"
			}
			ms = append(ms, s)
		}
		rows = append(rows, []string{c.Name + " (" + c.Camera + ")", formatOffset(c.Offset), v, strings.Join(ms, "\n")})
	}
	table([]float64{50, 34, 27, width - 111}, []string{t["camera"], t["offset"], t["verified"], t["measured"]}, rows, 9)

	// Gaps and re-encoded frames.
	heading(t["gap_title"])
	if len(r.Gaps) == 0 {
		pdf.MultiCell(0, 5, t["none"], "", "L", false)
	} else {
		rows = nil
		for _, g := range r.Gaps {
			rows = append(rows, []string{g.Camera, at(g.From), at(g.To), g.Reason})
		}
		table([]float64{38, 42, 42, width - 122}, []string{t["camera"], t["from"], t["to"], t["reason"]}, rows, 9)
	}
	pdf.Ln(3)
	pdf.SetFont("go", "B", 10)
	pdf.MultiCell(0, 5.5, t["reencoded_list"], "", "L", false)
	rows = nil
	for _, e := range r.Entries {
		if e.Clip != "" {
			rows = append(rows, []string{fmt.Sprint(e.Number), e.Clip, e.Mode, reencoded(t, e.Reencoded)})
		}
	}
	table([]float64{10, 74, 22, width - 106}, []string{t["nr"], t["clip"], t["mode"], t["reencoded"]}, rows, 9)

	// Derivation notes.
	heading(t["derivation"])
	for _, n := range r.Notes {
		pdf.MultiCell(0, 5, n, "", "L", false)
		pdf.Ln(1.5)
	}

	// Hashes.
	pdf.AddPage()
	heading(t["hashes"])
	pdf.SetFont("go", "", 9)
	pdf.MultiCell(0, 4.5, t["hash_note"], "", "L", false)
	pdf.Ln(1)
	pdf.MultiCell(0, 4.5, SignatureText(r.Language, r.Signature), "", "L", false)
	if r.Signature != nil {
		pdf.SetFont("gomono", "", 7.5)
		pdf.MultiCell(0, 4, "ssh-keygen -Y verify -f allowed_signers -I "+r.Signature.Identity+" -n klipp-bundle -s SHA256SUMS.sig < SHA256SUMS", "", "L", false)
	}
	pdf.Ln(2)
	for _, f := range r.Files {
		pdf.SetFont("go", "", 8)
		pdf.MultiCell(0, 4, fmt.Sprintf("%s (%d %s)", f.Path, f.Size, t["size"]), "", "L", false)
		pdf.SetFont("gomono", "", 7.5)
		pdf.MultiCell(0, 4, f.SHA256, "", "L", false)
		pdf.Ln(0.8)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return pdf.Output(w)
}

// stillImage puts a PNG still into the report as a JPEG at the text width
// (at most 95 mm high). The PNG in the bundle stays the evidence; the report
// shows it for reading.
func stillImage(pdf *fpdf.Fpdf, name, path string, width, left float64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		return err
	}
	pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "JPG"}, &b)
	w := width
	h := w * float64(img.Bounds().Dy()) / float64(img.Bounds().Dx())
	if h > 95 {
		h = 95
		w = h * float64(img.Bounds().Dx()) / float64(img.Bounds().Dy())
	}
	_, pageH := pdf.GetPageSize()
	if pdf.GetY()+h > pageH-22 {
		pdf.AddPage()
	}
	pdf.ImageOptions(name, left, pdf.GetY(), w, h, true, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
	return nil
}

// reencoded says "none" and "all" in the report's language; a detailed
// account ("first N (…)") stays as the cut recorded it.
func reencoded(t map[string]string, s string) string {
	switch s {
	case "none":
		return t["reencoded_none"]
	case "all":
		return t["reencoded_all"]
	}
	return s
}

func formatOffset(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "−", -d
	}
	return fmt.Sprintf("%s%.3f s", sign, d.Seconds())
}

// plusMinus is an entry's bound as the report shows it ("± 0,6 s"; "no
// bound …" for an unverified clock), with the entries whose order against
// it is not certain.
func plusMinus(t map[string]string, e Entry, lang string) string {
	sep := "."
	if lang == "sv" {
		sep = ","
	}
	s := t["no_bound"]
	if e.Bound.Known {
		s = "± " + clock.FormatPlus(e.Bound, sep) + " s"
	}
	if len(e.OrderWith) > 0 {
		n := make([]string, len(e.OrderWith))
		for i, x := range e.OrderWith {
			n[i] = fmt.Sprint(x)
		}
		s += "; " + t["order_uncertain"] + " " + strings.Join(n, ", ")
	}
	return s
}
