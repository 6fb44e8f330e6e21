package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/export"
	"github.com/klipp-forensics/klipp/internal/media"
)

func TestExport(t *testing.T) {
	_, conf, gt := indexedSite(t)
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	number := "K-EXPORT-1"
	if code, _, errs := k("case", "new", "--number", number, "--title", "Export", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:17"); code != 0 {
		t.Fatal(errs)
	}
	at := gt.Suspect.Visits[3].Enter.Add(5 * time.Second) // Södergatan 2, the drifting camera
	if code, _, errs := k("timeline", "add", number, "--camera", "sodergatan-2", "--at", at.Format(time.RFC3339Nano), "--text", "Misstänkt"); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := k("timeline", "add", number, "--camera", "lilla-torg", "--at", "2026-11-20 22:15", "--text", "Ingen inspelning"); code != 0 {
		t.Fatal(errs)
	}
	out := t.TempDir()
	code, stdout, errs := k("--json", "export", number, "-o", out)
	if code != 0 {
		t.Fatalf("export: %s", errs)
	}
	var res struct{ Dir string }
	json.Unmarshal([]byte(stdout), &res)
	if code, _, errs := k("verify", res.Dir); code != 0 {
		t.Fatalf("verify: %s", errs)
	}
	// Nothing half-built is left beside the bundle.
	if entries, _ := os.ReadDir(filepath.Join(out, number)); len(entries) != 1 {
		t.Errorf("bundle directory holds %v", entries)
	}
	var tl []exportEntry
	data, _ := os.ReadFile(filepath.Join(res.Dir, "timeline.json"))
	if err := json.Unmarshal(data, &tl); err != nil || len(tl) != 2 || tl[0].Clip == "" || tl[1].Clip != "" || tl[1].Note == "" {
		t.Fatalf("timeline.json: %v %s", err, data)
	}
	// Times carry the clock model's ±: the drifting camera's a bound, the
	// unverified Lilla Torg's none, so their order is flagged.
	if u := tl[0].Uncertainty; u == nil || *u <= 0.5 || tl[1].Uncertainty != nil || len(tl[0].OrderUncertain) != 1 || tl[0].OrderUncertain[0] != 2 {
		t.Errorf("timeline.json uncertainty: %s", data)
	}
	// The entry's still is the frame on screen at its time.
	seg := gt.Cameras["sodergatan-2"].Segments[int(at.Sub(gt.Cameras["sodergatan-2"].Segments[0].TrueStart)/time.Minute)]
	k200 := at.Sub(seg.TrueStart) / (200 * time.Millisecond)
	if got, want := codeInPNG(t, filepath.Join(res.Dir, tl[0].Stills[0])), seg.CameraClock.Add(k200*200*time.Millisecond).UnixMilli(); got != want {
		t.Errorf("still shows %d, want %d", got, want)
	}
	// Native copies are the sources, bit for bit.
	var m bundle.Manifest
	data, _ = os.ReadFile(filepath.Join(res.Dir, "manifest.json"))
	json.Unmarshal(data, &m)
	natives := 0
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, "native/") {
			natives++
			if _, sum, _ := bundle.HashFile(f.DerivedFrom[0]); sum != f.SHA256 {
				t.Errorf("%s differs from %s", f.Path, f.DerivedFrom[0])
			}
		}
	}
	if natives == 0 {
		t.Error("no native copies")
	}
	if a, _ := os.ReadFile(filepath.Join(res.Dir, "audit.jsonl")); !strings.Contains(string(a), `"action":"timeline.add"`) || !strings.Contains(string(a), number) {
		t.Errorf("bundle audit.jsonl:\n%s", a)
	}
	// The presentation: opening card, the entry's card, its clip; the middle
	// of the entry's card shows that card.
	pres := filepath.Join(res.Dir, "presentation.mp4")
	info, err := media.Probe(context.Background(), pres)
	if err != nil {
		t.Fatal(err)
	}
	// Two 4-second cards and the entry's 15-second clip (clip.before 5 s, after 10 s),
	// every frame of the clip shown for its duration (within one 5 fps frame).
	// At the clips' own size (640x360) with the caption bar below: nothing
	// scaled up to the 1920x1080 bound.
	if want := 8 + tl[0].To.Sub(tl[0].From).Seconds(); math.Abs(float64(info.Duration)-want) > 0.2 || info.Video().Width != 640 || info.Video().Height != 390 {
		t.Errorf("presentation %.3f s %dx%d, want %.3f s 640x390", float64(info.Duration), info.Video().Width, info.Video().Height, want)
	}
	// The middle of each card shows that card, and not the other one: the
	// opening card at 2 s, the entry's card at 6 s.
	var res2 struct {
		ExportID string `json:"export_id"`
	}
	json.Unmarshal([]byte(stdout), &res2)
	created, _ := time.Parse("20060102T150405Z", res2.ExportID)
	cet := time.FixedZone("CET", 3600)
	cards := [][]string{
		{"Ärende " + number, "Export", "Analytiker: Demo Analytiker", "Datum: " + created.In(cet).Format("2006-01-02")},
		{"Post 1", "Misstänkt", "Södergatan 2, Södergatan / Stortorget, Malmö", clock.FormatDisplay(at, cet)},
	}
	for i, at := range []time.Duration{2 * time.Second, 6 * time.Second} {
		stills, err := media.StillsAt(context.Background(), pres, []time.Duration{at})
		if err != nil {
			t.Fatal(err)
		}
		var diffs []float64
		for _, lines := range cards {
			want, _ := media.CardPicture(media.Card{Width: 640, Height: 390, Lines: lines})
			var diff float64
			for y := 0; y < 390; y++ {
				for x := 0; x < 640; x++ {
					diff += math.Abs(float64(stills[0].Image.Y[stills[0].Image.YOffset(x, y)]) - float64(want.Y[want.YOffset(x, y)]))
				}
			}
			diffs = append(diffs, diff/(640*390))
		}
		if other := diffs[1-i]; diffs[i] > 3 || diffs[i] > other/2 {
			t.Errorf("frame at %s: %.2f levels from the card %q, %.2f from the other", at, diffs[i], cards[i][0], other)
		}
	}

	// The report: every entry text, the case number, camera names with
	// å/ä/ö, the clock table with the drifting camera, the entry without
	// footage and its gap; the map is an image in it.
	report := filepath.Join(res.Dir, "report.pdf")
	text, err := exec.Command("pdftotext", "-layout", report, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, want := range []string{number, "Misstänkt", "Ingen inspelning", "Södergatan 2", "Lilla Torg", "Kamerornas klockor",
		"Södergatan 2 (sodergatan-2)", "inget filmmaterial för klippets tid", "lilla-torg", "no recording", tl[0].Clip, m.Files[0].SHA256,
		"± " + strings.Replace(strconv.FormatFloat(math.Ceil(*tl[0].Uncertainty*10)/10, 'f', 1, 64), ".", ",", 1) + " s", "ingen gräns", "ordningen osäker mot post 2"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("report.pdf text lacks %q", want)
		}
	}
	if imgs, _ := exec.Command("pdfimages", "-list", report).Output(); !strings.Contains(string(imgs), "1600  1100") {
		t.Errorf("no map image in the report:\n%s", imgs)
	}

	// The contact sheet of the entry's clip range (report.contact_sheets,
	// on by default): in the bundle with its record, in SHA256SUMS, one
	// thumbnail every SheetEvery of the clip, each the frame at its time;
	// in the report's entry section as that picture; none for the entry
	// without footage.
	if tl[0].Sheet == "" || tl[1].Sheet != "" || tl[0].SheetEvery != export.SheetEvery(tl[0].ClipFrom, tl[0].To).Seconds() {
		t.Fatalf("contact sheets in timeline.json: %q %q every %v", tl[0].Sheet, tl[1].Sheet, tl[0].SheetEvery)
	}
	sums, _ := os.ReadFile(filepath.Join(res.Dir, "SHA256SUMS"))
	sheetRec := strings.TrimSuffix(tl[0].Sheet, ".png") + ".json"
	for _, f := range []string{tl[0].Sheet, sheetRec} {
		_, sum, err := bundle.HashFile(filepath.Join(res.Dir, f))
		if err != nil || !strings.Contains(string(sums), sum+"  "+f+"\n") {
			t.Errorf("SHA256SUMS lacks %s (%s): %v", f, sum, err)
		}
	}
	var sr app.SheetRecord
	data, _ = os.ReadFile(filepath.Join(res.Dir, sheetRec))
	if err := json.Unmarshal(data, &sr); err != nil || len(sr.Thumbnails) < 2 || len(sr.Thumbnails) > export.SheetThumbs || sr.Mode != "every" {
		t.Fatalf("sheet record: %v %s", err, data)
	}
	for i, th := range sr.Thumbnails {
		want := sr.From.Add(time.Duration(i) * time.Duration(sr.Every*float64(time.Second)))
		if th.FrameTime == nil || th.At.Sub(want).Abs() > time.Millisecond || th.FrameTime.Sub(th.At).Abs() > 200*time.Millisecond {
			t.Errorf("thumbnail %d: at %v, frame %v; want %v", i, th.At, th.FrameTime, want)
		}
	}
	if !strings.Contains(string(text), tl[0].Sheet) || !strings.Contains(string(text), "kontaktkarta över klippets tid") {
		t.Errorf("report.pdf text lacks the contact sheet %s", tl[0].Sheet)
	}
	sheetPNG := decodeFile(t, filepath.Join(res.Dir, tl[0].Sheet))
	list, _ := exec.Command("pdfimages", "-list", report).Output()
	if want := fmt.Sprintf(`image +%d +%d `, sheetPNG.Bounds().Dx(), sheetPNG.Bounds().Dy()); !regexp.MustCompile(want).Match(list) {
		t.Errorf("no %s image (the contact sheet) in the report:\n%s", want, list)
	}
	// The picture in the report is the sheet's (as a JPEG): each image of
	// that size extracted is compared with it.
	imgDir := t.TempDir()
	if out, err := exec.Command("pdfimages", "-j", report, filepath.Join(imgDir, "img")).CombinedOutput(); err != nil {
		t.Fatalf("pdfimages: %v %s", err, out)
	}
	jpgs, _ := filepath.Glob(filepath.Join(imgDir, "img-*.jpg"))
	best := math.Inf(1)
	for _, j := range jpgs {
		if img := decodeFile(t, j); img.Bounds() == sheetPNG.Bounds() {
			best = math.Min(best, meanGreyDiff(img, sheetPNG))
		}
	}
	if best > 4 {
		t.Errorf("the report's contact sheet differs from %s by %.1f grey levels on average", tl[0].Sheet, best)
	}
	// --contact-sheets=false leaves them out.
	out2 := t.TempDir()
	code, stdout, errs = k("--json", "export", number, "-o", out2, "--contact-sheets=false")
	if code != 0 {
		t.Fatalf("export --contact-sheets=false: %s", errs)
	}
	var res3 struct{ Dir string }
	json.Unmarshal([]byte(stdout), &res3)
	if sheets, _ := filepath.Glob(filepath.Join(res3.Dir, "sheets", "*")); len(sheets) != 0 {
		t.Errorf("--contact-sheets=false: %v", sheets)
	}
	if text, _ := exec.Command("pdftotext", filepath.Join(res3.Dir, "report.pdf"), "-").Output(); strings.Contains(string(text), "kontaktkarta") {
		t.Error("--contact-sheets=false: the report names a contact sheet")
	}

	// One changed byte in a clip: verify names it.
	clip := filepath.Join(res.Dir, filepath.FromSlash(tl[0].Clip))
	b, _ := os.ReadFile(clip)
	b[len(b)/2] ^= 1
	os.WriteFile(clip, b, 0o644)
	if code, _, errs := k("verify", res.Dir); code != 5 || !strings.Contains(errs, "changed: "+tl[0].Clip) {
		t.Errorf("tampered clip: %d %q", code, errs)
	}
	if code, _, errs := k("export", "K404", "-o", out); code != 3 || !strings.Contains(errs, "no case K404") {
		t.Errorf("unknown case: %d %q", code, errs)
	}
	if code, _, errs := k("export", "../x", "-o", out); code != 2 {
		t.Errorf("case number with ..: %d %q", code, errs)
	}
	// A directory klipp did not make, with something in it, is refused.
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o644)
	if code, _, errs := k("export", number, "-o", foreign); code != 2 || !strings.Contains(errs, "not empty") {
		t.Errorf("foreign directory: %d %q", code, errs)
	}
}

// decodeFile reads a PNG or JPEG picture.
func decodeFile(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// meanGreyDiff is the mean absolute difference of two same-size pictures'
// grey levels.
func meanGreyDiff(a, b image.Image) float64 {
	var sum float64
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ga := color.GrayModel.Convert(a.At(x, y)).(color.Gray).Y
			gb := color.GrayModel.Convert(b.At(x, y)).(color.Gray).Y
			sum += math.Abs(float64(ga) - float64(gb))
		}
	}
	return sum / float64(r.Dx()*r.Dy())
}

// TestExportResumesAfterKill kills klipp export with SIGKILL once its first
// entry is finished, then runs it again: the bundle completes, the finished
// entry is reused, and nothing half-built ever sits under the final name.
func TestExportResumesAfterKill(t *testing.T) {
	_, conf, gt := indexedSite(t)
	t.Setenv("KLIPP_PRESENTATION_WIDTH", "640")
	t.Setenv("KLIPP_PRESENTATION_HEIGHT", "360")
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	number := "K-RESUME-1"
	if code, _, errs := k("case", "new", "--number", number, "--title", "Återupptagen", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:17"); code != 0 {
		t.Fatal(errs)
	}
	for i, cam := range []string{"stortorget", "sodergatan-2", "sodergatan-14"} {
		at := gt.Suspect.Visits[2+i].Enter.Add(3 * time.Second)
		args := []string{"timeline", "add", number, "--camera", cam, "--at", at.Format(time.RFC3339Nano), "--text", "Post " + cam}
		if cam == "sodergatan-14" {
			args = append(args, "--mode", "exact") // this entry's clip is frame-exact
		}
		if code, _, errs := k(args...); code != 0 {
			t.Fatal(errs)
		}
	}
	if code, _, errs := k("timeline", "add", number, "--camera", "stortorget", "--at", "2026-11-20 22:10", "--text", "x", "--mode", "fast"); code != 2 {
		t.Errorf("--mode fast: %d %s", code, errs)
	}
	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "--config", conf, "export", number, "-o", out)
	cmd.Env = append(os.Environ(), "KLIPP_TEST_AS_KLIPP=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	caseDir := filepath.Join(out, number)
	killed := false
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline) && !killed; time.Sleep(10 * time.Millisecond) {
		select {
		case err := <-exited:
			t.Fatalf("export ended before it could be killed: %v\n%s", err, stderr.String())
		default:
		}
		parts, _ := filepath.Glob(filepath.Join(caseDir, ".*.part", bundle.JournalName))
		if len(parts) == 1 && journalHas(parts[0], "entry-2") {
			cmd.Process.Signal(syscall.SIGKILL)
			<-exited
			killed = true
		}
	}
	if !killed {
		t.Fatal("the export never finished an entry")
	}
	if list, _ := os.ReadDir(caseDir); len(list) != 1 || !strings.HasPrefix(list[0].Name(), ".") {
		t.Fatalf("after the kill the case directory holds %v; want only the hidden work directory", list)
	}
	// Meanwhile the analyst moves the first entry: its clip is made again
	// under its new name, the old one does not stay in the bundle, and the
	// second entry's finished work is reused.
	_, listed, _ := k("--json", "timeline", "list", number)
	var views []entryView
	json.Unmarshal([]byte(listed), &views)
	moved := views[0].At.Add(2 * time.Second)
	if code, _, errs := k("timeline", "edit", number, strconv.FormatInt(views[0].ID, 10), "--at", moved.Format(time.RFC3339Nano)); code != 0 {
		t.Fatal(errs)
	}
	code, stdout, errs := k("--json", "export", number, "-o", out)
	if code != 0 {
		t.Fatalf("re-run: %s", errs)
	}
	var res struct {
		Dir    string
		Reused []string
	}
	json.Unmarshal([]byte(stdout), &res)
	if !strings.Contains(errs, "resuming the unfinished export") || len(res.Reused) == 0 || res.Reused[0] != "entry-2" {
		t.Errorf("the re-run did not resume: reused %v\n%s", res.Reused, errs)
	}
	if code, _, errs := k("verify", res.Dir); code != 0 {
		t.Fatalf("verify: %s", errs)
	}
	check := exec.Command("sha256sum", "--quiet", "-c", "SHA256SUMS")
	check.Dir = res.Dir
	if sums, err := check.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v %s", err, sums)
	}
	if list, _ := os.ReadDir(caseDir); len(list) != 1 || list[0].Name() != filepath.Base(res.Dir) {
		t.Errorf("case directory holds %v", list)
	}
	var m bundle.Manifest
	data, _ := os.ReadFile(filepath.Join(res.Dir, "manifest.json"))
	json.Unmarshal(data, &m)
	clips := 0
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, "clips/") && strings.HasSuffix(f.Path, ".mp4") {
			clips++
		}
	}
	if clips != 3 {
		t.Errorf("%d clips in the manifest, want 3", clips)
	}
	// Each clip in its entry's mode: the last exact, the others clip.mode.
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, "clips/") && strings.HasSuffix(f.Path, ".mp4") {
			want := "copy"
			if strings.Contains(f.Path, "sodergatan-14") {
				want = "exact"
			}
			if f.Parameters["mode"] != want {
				t.Errorf("%s made in %q mode, want %s", f.Path, f.Parameters["mode"], want)
			}
		}
	}
}

// journalHas reports whether an export's journal records a finished step.
func journalHas(path, step string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var j map[string]json.RawMessage
	if json.Unmarshal(data, &j) != nil {
		return false
	}
	_, ok := j[step]
	return ok
}
