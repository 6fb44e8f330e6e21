package pattern

import (
	"strings"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	sthlm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 21, 14, 5, 120000000, time.UTC)
	cases := []struct {
		pattern, star, name string
		loc                 *time.Location
	}{
		{"%Y-%m-%d/%H-%M-%S.mp4", "", "2026-11-20/22-14-05.mp4", sthlm},
		{"%Y-%m-%d_%H-%M-%S-%f.mp4", "", "2026-11-20_22-14-05-120000.mp4", sthlm},                       // MediaMTX
		{"%Y-%m-%d/%H/*/%M.%S.mp4", "sodergatan-14", "2026-11-20/21/sodergatan-14/14.05.mp4", time.UTC}, // Frigate
		{"%Y%m%dT%H%M%S%z.mp4", "", "20261120T221405+0100.mp4", sthlm},
		{"cam-%s.ts", "", "cam-1795209245.ts", sthlm},
		{"100%%/%Y%m%d%H%M%S.mkv", "", "100%/20261120221405.mkv", sthlm},
	}
	for _, c := range cases {
		p, err := Compile(c.pattern)
		if err != nil {
			t.Fatalf("Compile(%q): %v", c.pattern, err)
		}
		got := p.Format(at, c.loc, c.star)
		if got != c.name {
			t.Errorf("Format(%q) = %q, want %q", c.pattern, got, c.name)
		}
		n, ok, err := p.Match(c.name)
		if !ok || err != nil {
			t.Fatalf("Match(%q, %q) = %v, %v", c.pattern, c.name, ok, err)
		}
		cands := n.Candidates(c.loc)
		want := at
		if !strings.Contains(c.pattern, "%f") {
			want = at.Truncate(time.Second)
		}
		if len(cands) != 1 || !cands[0].Equal(want) {
			t.Errorf("Match(%q) candidates %v, want %v", c.name, cands, want)
		}
	}
}

func TestMatchRejects(t *testing.T) {
	p, err := Compile("%Y-%m-%d/%H-%M-%S.mp4")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"2026-11-20/22-14-05.mkv", "notes.txt", "2026-11-20/x/22-14-05.mp4"} {
		if _, ok, _ := p.Match(name); ok {
			t.Errorf("Match(%q) matched", name)
		}
	}
	rep, err := Compile("%Y%m%d/%Y%m%d%H%M%S.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if n, ok, err := rep.Match("20261120/20261120221405.mp4"); !ok || err != nil || len(n.Candidates(time.UTC)) != 1 {
		t.Errorf("repeated tokens that agree: %v %v", ok, err)
	}
	if _, ok, err := rep.Match("20261120/20261121221405.mp4"); !ok || err == nil || !strings.Contains(err.Error(), "%d is 20 in one place and 21") {
		t.Errorf("repeated tokens that disagree: %v %v", ok, err)
	}
	for _, name := range []string{"2026-13-20/22-14-05.mp4", "2026-02-30/22-14-05.mp4", "2026-11-20/25-14-05.mp4"} {
		if _, ok, err := p.Match(name); !ok || err == nil {
			t.Errorf("Match(%q) = %v, %v; want an error", name, ok, err)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for src, want := range map[string]string{
		"":                   "empty pattern",
		"%Y-%m-%d.mp4":       "has no time",
		"clip.mp4":           "has no time",
		"%Y%m%d%H%M%S%q.mp4": "unknown token %q",
		"%Y%m%d%H%M%S%":      "lone %",
	} {
		if _, err := Compile(src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile(%q) = %v, want %q", src, err, want)
		}
	}
}

func TestAmbiguousLocalName(t *testing.T) {
	sthlm, _ := time.LoadLocation("Europe/Stockholm")
	p, _ := Compile("%Y-%m-%d/%H-%M-%S.mp4")
	n, _, _ := p.Match("2026-10-25/02-30-00.mp4")
	if c := n.Candidates(sthlm); len(c) != 2 {
		t.Errorf("repeated hour: %v", c)
	}
	pz, _ := Compile("%Y-%m-%d/%H-%M-%S%z.mp4")
	n, _, _ = pz.Match("2026-10-25/02-30-00+0100.mp4")
	if c := n.Candidates(sthlm); len(c) != 1 || !c[0].Equal(time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)) {
		t.Errorf("%%z name: %v", c)
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("%Y-%m-%d/%H-%M-%S.mp4", "2026-11-20/22-14-05.mp4")
	f.Add("%Y%m%dT%H%M%S%z-%f*.ts", "20261120T221405+0100-12x.ts")
	f.Fuzz(func(t *testing.T, pat, name string) {
		p, err := Compile(pat)
		if err != nil {
			return
		}
		n, ok, err := p.Match(name)
		if ok && err == nil {
			_ = n.Candidates(time.UTC)
		}
	})
}
