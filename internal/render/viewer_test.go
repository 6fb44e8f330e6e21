package render

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// The page is self-contained: no address outside the bundle, the case's
// text escaped, the report's language, and an unsigned bundle marked.
func TestViewerPage(t *testing.T) {
	zone, _ := time.LoadLocation("Europe/Stockholm")
	at := time.Date(2026, 11, 20, 21, 10, 12, 0, time.UTC)
	v := Viewer{Language: "en", Zone: zone, Case: Case{Number: "5000-K1", Title: `Robbery </script><script>alert(1)</script>`},
		ExportID: "20261121T080000Z", Created: at, Software: "klipp test",
		Entries: []ViewerEntry{{Number: 1, At: at, Uncertainty: 1500 * time.Millisecond, CameraClock: at.Add(35 * time.Second), Camera: "sodergatan-2",
			CameraName: "Södergatan 2", Text: "Suspect walks south", Tags: []string{"suspect"}, Clip: "clips/01-sodergatan-2-221012.mp4",
			Stills: []Still{{File: "stills/01-sodergatan-2-221012.000.png", FrameTime: at}}}},
		Presentation: &ViewerPresentation{File: "presentation.mp4", Chapters: []Chapter{{Label: "Opening", Seconds: 4}}},
		Map:          "map.png", Report: "report.pdf", Sums: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  report.pdf\n"}
	var b strings.Builder
	if err := WriteViewer(&b, v); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{`<html lang="en">`, "2026-11-20 22:10:12.000 CET", "± 1.500 s", "UNSIGNED", "Unsigned: no signing key",
		`src="clips/01-sodergatan-2-221012.mp4"`, `src="stills/01-sodergatan-2-221012.000.png"`, `src="map.png"`, `href="report.pdf"`,
		"camera clock", "connect-src 'none'"} {
		if !strings.Contains(strings.ToLower(page), strings.ToLower(want)) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>alert(1)") || strings.Contains(page, "</script><script>alert") {
		t.Error("the case title is not escaped")
	}
	if urls := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).FindAllString(page, -1); len(urls) > 0 {
		t.Errorf("external addresses: %v", urls)
	}
	v.Language, v.Signature = "sv", &Signature{Identity: "a@polisen.se", Fingerprint: "SHA256:abc"}
	b.Reset()
	WriteViewer(&b, v)
	page = b.String()
	sig := regexp.MustCompile(`<dd id="signature"[^>]*>([^<]*)</dd>`).FindStringSubmatch(page)
	if !strings.Contains(page, `lang="sv"`) || !strings.Contains(page, "Kamerans klocka") || sig == nil ||
		sig[1] != "SHA256SUMS är signerad i SHA256SUMS.sig av a@polisen.se, nyckel SHA256:abc (OpenSSH ed25519, namnrymd klipp-bundle)." {
		t.Errorf("the Swedish, signed page: %q", sig)
	}
}
