package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// An identification bulletin is one A4 page whose text pdftotext reads:
// case number, the frames' true times, place, description and contact;
// it is audited and listed by case show; bad entries are refused naming
// the flag.
func TestBulletin(t *testing.T) {
	dir, conf, gt := indexedSite(t)
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	number := "K-BULLETIN-1"
	if code, _, errs := k("case", "new", "--number", number, "--title", "Rån", "--crime", "rån", "--place", "Södergatan 2, Malmö",
		"--from", "2026-11-20 22:00", "--to", "2026-11-20 22:17", "--requested-by", "Insp. Berg", "--suspect", "Röd jacka, mörka byxor, ca 180 cm"); code != 0 {
		t.Fatal(errs)
	}
	visits := gt.Suspect.Visits
	for _, v := range visits[1:4] {
		if code, _, errs := k("timeline", "add", number, "--camera", v.Camera, "--at", v.Enter.Add(4*time.Second).Format(time.RFC3339Nano), "--text", "Misstänkt"); code != 0 {
			t.Fatal(errs)
		}
	}
	out := filepath.Join(t.TempDir(), "efterlysning.pdf")
	if code, _, errs := k("bulletin", number, "--entries", "1,9", "-o", out); code != 2 || !strings.Contains(errs, "--entries: case K-BULLETIN-1 has entries 1 to 3; there is no entry 9") {
		t.Errorf("entry 9: %d %s", code, errs)
	}
	if code, _, errs := k("bulletin", number, "--entries", "1,3", "--crop", "2:0,0,50,50", "-o", out); code != 2 || !strings.Contains(errs, "--crop: entry 2 is not among --entries") {
		t.Errorf("crop of another entry: %d %s", code, errs)
	}
	contact := "Insp. Berg, 010-123 45 67"
	code, stdout, errs := k("--json", "bulletin", number, "--entries", "3,1", "--contact", contact, "--crop", "3:200,60,200,240", "-o", out)
	if code != 0 {
		t.Fatalf("bulletin: %s", errs)
	}
	var res struct {
		SHA256 string   `json:"sha256"`
		Times  []string `json:"times"`
		Stills []string `json:"stills"`
	}
	json.Unmarshal([]byte(stdout), &res)
	if len(res.Times) != 2 || len(res.Stills) != 2 {
		t.Fatalf("result: %s", stdout)
	}
	info, _ := exec.Command("pdfinfo", out).Output()
	if !regexp.MustCompile(`(?m)^Pages:\s+1$`).Match(info) || !regexp.MustCompile(`Page size:\s+595.28 x 841.89 pts \(A4\)`).Match(info) {
		t.Errorf("not one A4 page:\n%s", info)
	}
	text, err := exec.Command("pdftotext", "-layout", out, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(text)), " ")
	first, _ := time.Parse(time.RFC3339Nano, res.Times[0])
	for _, want := range []string{"Ärende " + number, clockText(first), contact + " · ange ärende " + number, "Röd jacka, mörka byxor, ca 180 cm",
		"Södergatan 2, Malmö", "Förstorat utsnitt av bild 2", "förbättrad bild", "Vem är personen?"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the bulletin does not read %q:\n%s", want, text)
		}
	}
	for _, s := range res.Stills {
		if _, err := os.Stat(s); err != nil {
			t.Errorf("still %s: %v", s, err)
		}
	}
	if code, show, _ := k("case", "show", number); code != 0 || !strings.Contains(show, "bulletin "+out+": entries 1,3") {
		t.Errorf("case show does not list the bulletin:\n%s", show)
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "data", "audit.jsonl")); !strings.Contains(string(log), `"action":"bulletin"`) || !strings.Contains(string(log), res.SHA256) {
		t.Error("the bulletin is not audited with its hash")
	}
	if os.Getenv("KLIPP_KEEP_BULLETIN") != "" {
		exec.Command("cp", out, os.Getenv("KLIPP_KEEP_BULLETIN")).Run()
	}
	if code, _, errs := k("bulletin", number, "--entries", "1", "-o", out); code != 2 || !strings.Contains(errs, "exists") {
		t.Errorf("existing output: %d %s", code, errs)
	}
}
