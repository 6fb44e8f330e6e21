package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klipp-forensics/klipp/internal/casefile"
)

func TestStats(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "klipp.yaml")
	os.WriteFile(conf, []byte("data_dir: data\nanalyst: Anna\n"), 0o644)
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	// Four requests over three weeks (none in the middle one), two crimes.
	for _, c := range []struct{ number, crime, received, delivered string }{
		{"S-1", "rån", "2026-11-02 09:00", "2026-11-03 09:00"},     // week 45, 24 h
		{"S-2", "rån", "2026-11-04 09:00", "2026-11-07 09:00"},     // week 45, 72 h
		{"S-3", "misshandel", "2026-11-17 09:00", ""},              // week 47, open
		{"S-4", "rån", "2026-11-18 09:00", "2026-11-18 21:00"},     // week 47, 12 h
		{"S-OLD", "stöld", "2026-10-01 09:00", "2026-10-02 09:00"}, // before --from
	} {
		args := []string{"case", "new", "--number", c.number, "--title", "t", "--crime", c.crime, "--from", "2026-11-01 00:00", "--to", "2026-11-01 01:00",
			"--received", c.received, "--deadline", "2026-11-10 00:00"}
		if code, _, errs := k(args...); code != 0 {
			t.Fatal(errs)
		}
		if c.delivered != "" {
			if code, _, errs := k("case", "close", c.number, "--delivered", c.delivered); code != 0 {
				t.Fatal(errs)
			}
		}
	}
	code, out, errs := k("--json", "stats", "--from", "2026-11-01", "--to", "2026-12-01")
	if code != 0 {
		t.Fatal(errs)
	}
	var s casefile.Stats
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Total.Requests != 4 || s.Total.Delivered != 3 || s.Total.Open != 1 || s.Total.MedianTurnaround != 24*time.Hour || s.Total.MeanTurnaround != 36*time.Hour {
		t.Errorf("total %+v", s.Total)
	}
	// S-3 is open past its deadline; S-4 was delivered after it.
	if s.Total.Late != 2 {
		t.Errorf("late %d, want 2", s.Total.Late)
	}
	var weeks []string
	for _, w := range s.Weeks {
		weeks = append(weeks, w.Key+":"+strconv.Itoa(w.Requests))
	}
	if got := strings.Join(weeks, " "); got != "2026-W45:2 2026-W46:0 2026-W47:2" {
		t.Errorf("weeks %s", got)
	}
	if s.Crimes[0].Key != "rån" || s.Crimes[0].Requests != 3 || s.Crimes[0].MedianTurnaround != 24*time.Hour {
		t.Errorf("crimes %+v", s.Crimes)
	}
	code, out, _ = k("stats", "--csv", "--from", "2026-11-01", "--to", "2026-12-01")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) != 1+3+2+1 || strings.Join(rows[len(rows)-1], ",") != "total,total,4,3,1,2,24.0,36.0" {
		t.Errorf("csv %d %v:\n%s", code, err, out)
	}
	code, out, _ = k("stats")
	if code != 0 || !strings.Contains(out, "5 request(s): 4 delivered, 1 open") || !strings.Contains(out, "stöld") {
		t.Errorf("stats without a range: %s", out)
	}
	if code, _, errs := k("stats", "--from", "2026-11-10", "--to", "2026-11-01"); code != 2 {
		t.Errorf("reversed range: %d %s", code, errs)
	}
	if code, _, errs := k("case", "close", "S-3", "--delivered", "2026-11-01 00:00"); code != 2 || !strings.Contains(errs, "before the request was received") {
		t.Errorf("delivered before received: %d %s", code, errs)
	}
}
