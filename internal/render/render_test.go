package render

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/clock"
)

func testReport(t *testing.T, language string) Report {
	t.Helper()
	still := filepath.Join(t.TempDir(), "still.png")
	img := image.NewRGBA(image.Rect(0, 0, 320, 180))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	os.WriteFile(still, b.Bytes(), 0o644)
	zone, _ := time.LoadLocation("Europe/Stockholm")
	t0 := time.Date(2026, 11, 20, 21, 14, 5, 0, time.UTC)
	cams := []MapPoint{{"Södergatan 2", 55.6050, 13.0015}, {"Gustav Adolfs torg", 55.6030, 13.0010}, {"Möllevångstorget", 55.5910, 13.0100}}
	return Report{
		Language: language, Zone: zone, Analyst: "Åsa Öberg", Created: t0.Add(48 * time.Hour), ExportID: "20261122T211405Z", Software: "klipp test",
		Case: Case{Number: "5000-K123456-26", Title: "Rån på Södergatan", Crime: "rån", Place: "Södergatan 2, Malmö", From: t0.Add(-time.Hour), To: t0,
			RequestedBy: "Utredare Lind", Request: "Följ den misstänkte", Suspect: "Mörk jacka", Status: "in-progress"},
		Entries: []Entry{
			{Number: 1, At: t0, CameraClock: t0.Add(35 * time.Second), ClockVerified: true, Camera: "sodergatan-2", CameraName: "Södergatan 2",
				Address: "Södergatan / Stortorget", From: t0.Add(-5 * time.Second), To: t0.Add(10 * time.Second), Text: "Den misstänkte går österut",
				Tags: []string{"suspect"}, Clip: "clips/01-sodergatan-2-221405.mp4", Mode: "copy", Reencoded: "none",
				Stills: []Still{{File: "stills/01-sodergatan-2-221405.000.png", Path: still, FrameTime: t0}}},
			{Number: 2, At: t0.Add(time.Minute), CameraClock: t0.Add(time.Minute), Camera: "gustav-adolfs-torg", CameraName: "Gustav Adolfs torg",
				From: t0, To: t0.Add(70 * time.Second), Text: "Ingen inspelning här", Note: "no footage for the clip range"},
		},
		Map: &MapInput{Cameras: cams, OnPath: map[string]bool{"Södergatan 2": true, "Gustav Adolfs torg": true},
			Path: []MapPoint{cams[0], cams[1]}},
		Clocks: []ClockRow{{Camera: "sodergatan-2", Name: "Södergatan 2", Offset: 35 * time.Second, Verified: true,
			Measurements: []clock.Measurement{{At: t0.Add(-time.Hour), Offset: 35 * time.Second, Note: "GPS-klocka"}}}},
		Gaps:  []GapRow{{Camera: "gustav-adolfs-torg", From: t0, To: t0.Add(2 * time.Minute), Reason: "no recording"}},
		Notes: []string{"Klippen är kopierade utan omkodning."},
		Files: []FileHash{{Path: "clips/01-sodergatan-2-221405.mp4", Size: 1234, SHA256: strings.Repeat("ab", 32)}},
	}
}

func pdfText(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils, installed by scripts/setup.sh): %v", err)
	}
	return string(out)
}

func TestReportPDF(t *testing.T) {
	for _, lang := range []string{"sv", "en"} {
		t.Run(lang, func(t *testing.T) {
			r := testReport(t, lang)
			path := filepath.Join(t.TempDir(), "report.pdf")
			var b bytes.Buffer
			if err := WritePDF(&b, r); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(path, b.Bytes(), 0o644)
			text := pdfText(t, path)
			w := Words(lang)
			for _, want := range []string{"5000-K123456-26", "Rån på Södergatan", "Den misstänkte går österut", "Ingen inspelning här",
				"Södergatan 2", "Gustav Adolfs torg", "Åsa Öberg", w["clocks"], "+35.000 s", "GPS-klocka", strings.Repeat("ab", 32),
				w["map"], "22:14:05", "22:14:40.000", w["page"] + " 1 / ", w["reencoded_none"]} {
				if !strings.Contains(text, want) {
					t.Errorf("report text lacks %q", want)
				}
			}
			if strings.Contains(text, "{nb}") {
				t.Error("page count alias left in the text")
			}
			// The map and the still are images in the PDF.
			out, err := exec.Command("pdfimages", "-list", path).Output()
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) < 4 || !strings.Contains(string(out), "1600  1100") || !strings.Contains(string(out), "320   180") {
				t.Errorf("pdfimages -list:\n%s", out)
			}
		})
	}
}

func TestMapDrawsPathAndCameras(t *testing.T) {
	r := testReport(t, "sv")
	img, err := DrawMap(*r.Map)
	if err != nil {
		t.Fatal(err)
	}
	// The path runs from camera 1 south to camera 2: the middle of it is
	// red, and there are blue camera markers.
	count := func(c color.RGBA) int {
		n := 0
		for i := 0; i < len(img.Pix); i += 4 {
			if img.Pix[i] == c.R && img.Pix[i+1] == c.G && img.Pix[i+2] == c.B {
				n++
			}
		}
		return n
	}
	if n := count(mapCamera); n < 300 {
		t.Errorf("%d camera-marker pixels", n)
	}
	// Both cameras lie on one vertical-ish line; its midpoint is on the path.
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	found := false
	for dx := -6; dx <= 6 && !found; dx++ {
		p := img.RGBAAt(w/2+dx, h/2-30)
		found = p == mapPath
	}
	if !found {
		t.Errorf("no path at the centre of the diagram")
	}
	if _, err := DrawMap(MapInput{}); err == nil {
		t.Error("an empty map drew")
	}
}

func TestNiceLength(t *testing.T) {
	for in, want := range map[float64]float64{0.5: 1, 7: 5, 130: 100, 260: 200, 999: 500, 1200: 1000} {
		if got := niceLength(in); got != want {
			t.Errorf("niceLength(%g) = %g, want %g", in, got, want)
		}
	}
}

// TestWordsComplete: both languages say everything.
func TestWordsComplete(t *testing.T) {
	for a, b := range map[string]string{"sv": "en", "en": "sv"} {
		for k := range words[a] {
			if words[b][k] == "" {
				t.Errorf("%q has no %s word", k, b)
			}
		}
	}
}

// TestNotesComplete: both languages explain every kind of file.
func TestNotesComplete(t *testing.T) {
	if len(Notes("sv")) != len(Notes("en")) || len(Notes("en")) == 0 || len(Notes("xx")) != len(Notes("en")) {
		t.Errorf("notes: sv %d, en %d", len(Notes("sv")), len(Notes("en")))
	}
}
