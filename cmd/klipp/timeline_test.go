package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestTimeline(t *testing.T) {
	_, conf, _ := indexedSite(t)
	k := func(args ...string) (int, string, string) {
		return klipp(t, append([]string{"--config", conf}, args...)...)
	}
	number := "K-TIMELINE-1"
	if code, _, errs := k("case", "new", "--number", number, "--title", "Rån", "--from", "2026-11-20 22:00", "--to", "2026-11-20 22:30"); code != 0 {
		t.Fatal(errs)
	}
	code, _, errs := k("timeline", "add", number, "--camera", "sodergatan-2", "--at", "2026-11-20 22:10:12", "--text", "Misstänkt går söderut", "--tag", "suspect")
	if code != 0 || errs != "" {
		t.Fatalf("add: %d %q", code, errs)
	}
	// In the Lilla Torg gap: added, with a warning that names the footage around it.
	code, _, errs = k("timeline", "add", number, "--camera", "lilla-torg", "--at", "2026-11-20 22:15", "--text", "Ingen inspelning")
	if code != 0 || !strings.Contains(errs, "warning: camera lilla-torg has no footage") || !strings.Contains(errs, "starts again 2026-11-20 22:16:00.480 CET") {
		t.Errorf("add in gap: %d %q", code, errs)
	}
	if code, _, errs := k("timeline", "add", number, "--camera", "stortorget", "--at", "2026-11-20 22:08:20", "--from", "2026-11-20 22:08:18", "--to", "2026-11-20 22:08:40", "--text", "Passerar Stortorget", "--tag", "suspect,witness"); code != 0 {
		t.Fatal(errs)
	}
	code, out, _ := k("--json", "timeline", "list", number)
	var entries []entryView
	if err := json.Unmarshal([]byte(out), &entries); err != nil || code != 0 || len(entries) != 3 {
		t.Fatalf("list: %v %s", err, out)
	}
	if entries[0].Camera != "stortorget" || entries[1].Camera != "sodergatan-2" || entries[2].Camera != "lilla-torg" {
		t.Errorf("not in time order: %+v", entries)
	}
	drift := entries[1]
	if d := drift.CameraClock.Sub(drift.At); !drift.ClockVerified || d < 38880*time.Millisecond || d > 38920*time.Millisecond {
		t.Errorf("Södergatan 2 camera clock %v ahead, verified %v", d, drift.ClockVerified)
	}
	if entries[2].ClockVerified || !entries[0].From.Equal(entries[0].At.Add(-2*time.Second)) || len(entries[0].Tags) != 2 {
		t.Errorf("entries %+v", entries)
	}
	// The default clip comes from clip.before/after (5 s, 10 s).
	if got := drift.To.Sub(drift.From); got != 15*time.Second {
		t.Errorf("default clip %v", got)
	}
	id := func(e entryView) string { return strconv.FormatInt(e.ID, 10) }
	if code, _, errs := k("timeline", "edit", number, id(drift), "--text", "Misstänkt går söderut, springer"); code != 0 {
		t.Fatal(errs)
	}
	if code, _, errs := k("timeline", "rm", number, id(entries[2])); code != 0 {
		t.Fatal(errs)
	}
	_, out, _ = k("--json", "timeline", "list", number)
	json.Unmarshal([]byte(out), &entries)
	if len(entries) != 2 || entries[1].Text != "Misstänkt går söderut, springer" {
		t.Errorf("after edit and rm: %+v", entries)
	}
	bad := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"timeline", "add", number, "--camera", "nowhere", "--at", "2026-11-20 22:10", "--text", "x"}, 3, `unknown camera "nowhere"`},
		{[]string{"timeline", "add", number, "--camera", "stortorget", "--at", "2026-11-20 22:10", "--text", "x", "--tag", "thief"}, 2, `klipp: --tag: "thief" is not one of suspect, victim, vehicle, witness`},
		{[]string{"timeline", "add", number, "--camera", "stortorget", "--at", "2026-11-20 22:10"}, 2, "klipp: --text: required"},
		{[]string{"timeline", "add", number, "--camera", "stortorget", "--at", "2026-11-20 22:10", "--from", "2026-11-20 22:11", "--text", "x"}, 2, "must be after"},
		{[]string{"timeline", "add", "K404", "--camera", "stortorget", "--at", "2026-11-20 22:10", "--text", "x"}, 3, "no case K404"},
		{[]string{"timeline", "edit", number, "999", "--text", "x"}, 3, "has no entry 999"},
		{[]string{"timeline", "rm", number, "abc"}, 2, "is not a number"},
	}
	for _, c := range bad {
		code, _, errs := k(c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d %q, want %d %q", c.args, code, errs, c.code, c.msg)
		}
	}
	// An archived case's timeline no longer changes.
	k("case", "edit", number, "--status", "archived")
	if code, _, errs := k("timeline", "add", number, "--camera", "stortorget", "--at", "2026-11-20 22:08:20", "--text", "sent"); code != 2 || !strings.Contains(errs, "is archived") {
		t.Errorf("archived: %d %q", code, errs)
	}
}
