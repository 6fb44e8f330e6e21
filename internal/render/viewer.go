package render

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/clock"
)

// The bundle's viewer page, index.html: one self-contained file (no
// external script, style, font or image) that opens from file:// on a USB
// stick. The page itself shows the case, the timeline with each clip
// beside its stills, the presentation, the map and a link to the report;
// its script checks every file against SHA256SUMS (SHA-256 in the
// browser, in chunks) once the reader points it at the bundle's folder,
// and seeks the presentation.

//go:embed viewer/viewer.html
var viewerHTML string

//go:embed viewer/viewer.css
var viewerCSS string

//go:embed viewer/sha256.js
var viewerSHA256 string

//go:embed viewer/viewer.js
var viewerJS string

var viewerTemplate = template.Must(template.New("viewer").Funcs(template.FuncMap{
	"join": strings.Join,
}).Parse(viewerHTML))

// Viewer is everything index.html shows. Paths are bundle paths.
type Viewer struct {
	Language  string // sv | en
	Zone      *time.Location
	Case      Case
	Analyst   string
	Created   time.Time
	ExportID  string
	Software  string
	Signature *Signature // nil: unsigned
	Entries   []ViewerEntry
	// Presentation is presentation.mp4 and where each part starts; nil
	// when the bundle has none.
	Presentation *ViewerPresentation
	Map          string // the map image, or ""
	Report       string // report.pdf, or ""
	// Sums is SHA256SUMS as the bundle has it, and SumsSHA256 its own
	// hash: the page checks every file against it.
	Sums       string
	SumsSHA256 string
	Files      []FileHash // every listed file, for the table
}

// ViewerEntry is one timeline entry.
type ViewerEntry struct {
	Number        int
	At            time.Time
	Uncertainty   time.Duration // ± of the true time; 0: no bound (clock not verified)
	OrderWith     []int         // entries on other cameras whose order against this one is not certain
	CameraClock   time.Time
	ClockVerified bool
	Camera        string
	CameraName    string
	Address       string
	Text          string
	Tags          []string
	From, To      time.Time // the clip's range
	Clip          string
	ClipFrom      time.Time // true time of the clip's first frame
	Mode          string
	Reencoded     string
	Note          string
	Stills        []Still
}

// ViewerPresentation is the court presentation and its parts.
type ViewerPresentation struct {
	File     string
	Chapters []Chapter
}

// Chapter is one part of the presentation: a title card or an entry's
// clip, from Start for Seconds.
type Chapter struct {
	Label    string  `json:"label"`
	Entry    int     `json:"entry"` // 0: the opening card
	Clip     bool    `json:"clip"`
	Start    float64 `json:"start"`
	Seconds  float64 `json:"seconds"`
	ClipFrom string  `json:"clip_from,omitempty"` // RFC 3339: true time of the clip's first frame
	Camera   string  `json:"camera,omitempty"`
}

// viewerPage is what the template gets.
type viewerPage struct {
	Lang       string
	W          map[string]string
	V          Viewer
	Title      string
	Window     string
	Created    string
	Signature  string
	Entries    []viewerRow
	Files      []viewerFile
	Data       template.JS
	CSS        template.CSS
	Script     template.JS
	Chapters   []Chapter
	Unverified string
}

type viewerRow struct {
	ViewerEntry
	Time, Uncertainty, CameraClock, ClipRange string
	OrderWith                                 string
	Stills                                    []viewerStill
}

type viewerStill struct {
	File, Frame string
}

type viewerFile struct {
	Path string
	Size int64
}

// WriteViewer writes index.html.
func WriteViewer(w io.Writer, v Viewer) error {
	zone := v.Zone
	if zone == nil {
		zone = time.UTC
	}
	t := ViewerWords(v.Language)
	at := func(x time.Time) string { return clock.FormatDisplay(x, zone) }
	p := viewerPage{Lang: v.Language, W: t, V: v, Title: t["title"] + " " + v.Case.Number, Created: at(v.Created),
		Signature: SignatureText(v.Language, v.Signature), Unverified: Words(v.Language)["unverified"],
		CSS: template.CSS(viewerCSS), Script: template.JS(viewerSHA256 + "\n" + viewerJS)}
	if p.Lang != "sv" {
		p.Lang = "en"
	}
	if !v.Case.From.IsZero() {
		p.Window = at(v.Case.From) + " – " + at(v.Case.To)
	}
	for _, e := range v.Entries {
		r := viewerRow{ViewerEntry: e, Time: at(e.At), CameraClock: e.CameraClock.In(zone).Format("2006-01-02 15:04:05.000")}
		r.Reencoded = reencoded(Words(v.Language), e.Reencoded)
		if e.Uncertainty > 0 {
			r.Uncertainty = fmt.Sprintf("± %.3f s", e.Uncertainty.Seconds())
		} else if !e.ClockVerified {
			r.Uncertainty = Words(v.Language)["no_bound"]
		}
		var order []string
		for _, n := range e.OrderWith {
			order = append(order, fmt.Sprint(n))
		}
		r.OrderWith = strings.Join(order, ", ")
		if !e.From.IsZero() {
			r.ClipRange = e.From.In(zone).Format("15:04:05.000") + " – " + e.To.In(zone).Format("15:04:05.000")
		}
		for _, s := range e.Stills {
			r.Stills = append(r.Stills, viewerStill{File: s.File, Frame: at(s.FrameTime)})
		}
		p.Entries = append(p.Entries, r)
	}
	for _, f := range v.Files {
		p.Files = append(p.Files, viewerFile{Path: f.Path, Size: f.Size})
	}
	if v.Presentation != nil {
		p.Chapters = v.Presentation.Chapters
	}
	data, err := json.Marshal(map[string]any{"words": t, "sums": v.Sums, "sums_sha256": v.SumsSHA256, "chapters": p.Chapters,
		"zone": zone.String(), "language": p.Lang})
	if err != nil {
		return err
	}
	p.Data = template.JS(data) // json.Marshal escapes <, > and &: nothing closes the script
	return viewerTemplate.Execute(w, p)
}

// ViewerWords returns the viewer page's words in a language (sv or en).
func ViewerWords(language string) map[string]string {
	if w, ok := viewerWords[language]; ok {
		return w
	}
	return viewerWords["en"]
}

var viewerWords = map[string]map[string]string{
	"sv": {
		"title": "Bildanalys, ärende", "case": "Ärende", "request": "Beställning", "crime": "Brottstyp", "place": "Plats",
		"window": "Händelsetid", "requested_by": "Beställare", "suspect": "Signalement", "analyst": "Analytiker",
		"created": "Exporterad", "export": "Export-id", "software": "Programvara", "signature": "Signatur", "report": "Rapport (PDF)",
		"timeline": "Tidslinje", "time": "Sann tid", "uncertainty": "Osäkerhet", "camera_clock": "Kamerans klocka", "camera": "Kamera",
		"text": "Iakttagelse", "tags": "Taggar", "clip": "Filmklipp", "stills": "Stillbilder", "frame": "bilden visad vid",
		"no_clip": "Inget filmmaterial för klippets tid.", "mode": "Klippläge", "reencoded": "Omkodade bilder", "clip_range": "Klippets tid",
		"presentation": "Presentation", "chapters": "Delar", "opening": "Inledning", "card": "skylt", "goto": "Gå till tid (sekunder eller m:ss.fff)",
		"show": "Visa bilden", "frame_view": "Bilden vid", "map": "Karta", "files": "Filer och kontrollsummor",
		"check_intro": "Sidan kontrollerar varje fil mot SHA256SUMS (SHA-256 räknas här i webbläsaren; inget skickas någonstans). Webbläsaren låter inte en sida läsa filer på egen hand: välj exportens mapp (den som innehåller index.html) med knappen, eller dra mappen hit. Chrome frågar om filerna ska \"laddas upp\": de lämnar inte datorn.",
		"choose":      "Välj exportens mapp …", "drop": "eller dra mappen hit", "status": "Status", "size": "Storlek", "path": "Fil",
		"not_checked": "ej kontrollerad", "checking": "kontrolleras …", "verified": "kontrollerad", "changed": "ÄNDRAD", "missing": "SAKNAS",
		"extra": "ej listad", "total_ok": "Alla %d filer stämmer med SHA256SUMS.", "total_bad": "%d av %d filer stämmer inte: %d ändrade, %d saknas.",
		"total": "%d kontrollerade, %d ändrade, %d saknas", "sums_changed": "SHA256SUMS i mappen är inte den som sidan gjordes med: den har ändrats.",
		"no_sums": "Mappen har ingen SHA256SUMS: välj exportens mapp.", "extra_files": "Filer som inte finns i SHA256SUMS",
		"verify_cli":       "Utan webbläsare: sha256sum -c SHA256SUMS, och signaturen med ssh-keygen -Y verify (se rapporten).",
		"unverified_clock": "ej kontrollerad", "entry": "Post", "note": "Anmärkning", "nojs": "Skript är avstängt: tidslinjen, klippen och bilderna visas, men filerna kontrolleras inte.",
		"true_time_at": "sann tid", "unsigned_warning": "OSIGNERAD", "order_uncertain": "ordningen osäker mot post",
	},
	"en": {
		"title": "Image analysis, case", "case": "Case", "request": "Request", "crime": "Crime", "place": "Place",
		"window": "Incident window", "requested_by": "Requested by", "suspect": "Suspect description", "analyst": "Analyst",
		"created": "Exported", "export": "Export id", "software": "Software", "signature": "Signature", "report": "Report (PDF)",
		"timeline": "Timeline", "time": "True time", "uncertainty": "Uncertainty", "camera_clock": "Camera clock", "camera": "Camera",
		"text": "Observation", "tags": "Tags", "clip": "Clip", "stills": "Stills", "frame": "frame shown at",
		"no_clip": "No footage for the clip range.", "mode": "Cut mode", "reencoded": "Re-encoded frames", "clip_range": "Clip range",
		"presentation": "Presentation", "chapters": "Parts", "opening": "Opening", "card": "card", "goto": "Go to time (seconds or m:ss.fff)",
		"show": "Show frame", "frame_view": "Frame at", "map": "Map", "files": "Files and checksums",
		"check_intro": "This page checks every file against SHA256SUMS (SHA-256 computed here in the browser; nothing is sent anywhere). A browser does not let a page read files by itself: choose the bundle's folder (the one holding index.html) with the button, or drop the folder here. Chrome asks whether to \"upload\" the files: they do not leave the computer.",
		"choose":      "Choose the bundle folder …", "drop": "or drop the folder here", "status": "Status", "size": "Size", "path": "File",
		"not_checked": "not checked", "checking": "checking …", "verified": "verified", "changed": "CHANGED", "missing": "MISSING",
		"extra": "not listed", "total_ok": "All %d files match SHA256SUMS.", "total_bad": "%d of %d files do not match: %d changed, %d missing.",
		"total": "%d checked, %d changed, %d missing", "sums_changed": "The folder's SHA256SUMS is not the one this page was made with: it was changed.",
		"no_sums": "The folder has no SHA256SUMS: choose the bundle's folder.", "extra_files": "Files not in SHA256SUMS",
		"verify_cli":       "Without a browser: sha256sum -c SHA256SUMS, and the signature with ssh-keygen -Y verify (see the report).",
		"unverified_clock": "not verified", "entry": "Entry", "note": "Note", "nojs": "Scripts are off: the timeline, clips and stills show, but the files are not checked.",
		"true_time_at": "true time", "unsigned_warning": "UNSIGNED", "order_uncertain": "order uncertain against entry",
	},
}
