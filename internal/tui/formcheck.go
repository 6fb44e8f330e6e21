package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/casefile"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
)

// tagsHint names the tags an entry can have.
var tagsHint = strings.Join(casefile.Tags, ", ") + " (comma-separated)"

// timeFieldError is a time field's error in a few words: the form beside
// it has no room for the parser's whole sentence.
func timeFieldError(value string, err error, dayAlone bool) string {
	switch {
	case strings.TrimSpace(value) == "":
		return "required"
	case strings.Contains(err.Error(), "ambiguous") || strings.Contains(err.Error(), "does not exist"):
		return "not one time here (clock change): give the offset, e.g. +01:00"
	case strings.Contains(err.Error(), "out of range"):
		_, why, _ := strings.Cut(err.Error(), ": ")
		return "no such date or time: " + why // "month out of range"
	case dayAlone:
		return "not a time: HH:MM:SS[.mmm], or YYYY-MM-DD HH:MM:SS"
	}
	return "not a time: YYYY-MM-DD HH:MM[:SS]"
}

// checkFields are a form's errors found before the service is asked, one
// a field ("" for none), with times in the display zone. The service
// checks again; its refusal goes beside its field too.
func (m Model) checkFields(f fieldForm) []string {
	errs := make([]string, len(f.fields))
	set := func(name, msg string) {
		for i, fl := range f.fields {
			if fl.name == name && errs[i] == "" {
				errs[i] = msg
			}
		}
	}
	// readTime reads a time field; a time of day alone is on date's day.
	readTime := func(name string, date time.Time, required bool) (time.Time, bool) {
		v := f.value(name)
		if v == "" && !required {
			return time.Time{}, false
		}
		t, err := clock.ParseTime(onDate(v, date, m.zone), m.zone)
		if err != nil {
			set(name, timeFieldError(v, err, !date.IsZero()))
			return time.Time{}, false
		}
		return t, true
	}
	ms := func(t time.Time) string { return t.In(m.zone).Format("15:04:05.000") }
	switch f.kind {
	case formEditCase:
		if f.value("title") == "" {
			set("title", "required")
		}
		if p := f.value("position"); p != "" {
			if _, ok := catalog.ParseLatLon(p); !ok {
				set("position", "LAT,LON in degrees, e.g. 55.6036,13.0021")
			}
		}
		from, okFrom := readTime("from", time.Time{}, true)
		date := f.date
		if okFrom {
			date = from
		}
		to, okTo := readTime("to", date, true)
		if okFrom && okTo && !to.After(from) {
			set("to", "must be after the start")
		}
		if dl, ok := readTime("deadline", time.Time{}, false); ok && okFrom && !dl.After(from) {
			set("deadline", "must be after the incident's start")
		}
	case formEntry:
		at, okAt := readTime("at", f.date, true)
		from, okFrom := readTime("from", f.date, true)
		to, okTo := readTime("to", f.date, true)
		if okFrom && okTo && !to.After(from) {
			set("to", "must be after the clip's start")
		}
		if okAt && okFrom && okTo && to.After(from) && (at.Before(from) || at.After(to)) {
			set("at", fmt.Sprintf("outside the clip %s–%s", ms(from), ms(to)))
		}
		if okFrom && okTo {
			for _, s := range f.stills {
				switch {
				case s.Before(from):
					set("from", fmt.Sprintf("the still at %s would be outside the clip", ms(s)))
				case s.After(to):
					set("to", fmt.Sprintf("the still at %s would be outside the clip", ms(s)))
				}
			}
		}
		var bad []string
		for _, t := range strings.Split(f.value("tags"), ",") {
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(casefile.Tags, t) {
				bad = append(bad, fmt.Sprintf("%q", t))
			}
		}
		if len(bad) > 0 {
			set("tags", fmt.Sprintf("%s: use %s", strings.Join(bad, ", "), strings.Join(casefile.Tags, ", ")))
		}
	case formClock:
		if v := f.value("shows"); v == "" {
			set("shows", "required")
		} else if _, err := clock.ParseTime(v, m.cameraZone()); err != nil {
			set("shows", timeFieldError(v, err, false))
		}
	case formAccept:
		if v := f.value("case"); v != "" && casefile.ValidNumber(v) != nil {
			set("case", "letters, digits, . _ - only")
		}
	}
	return errs
}

// cameraZone is the zone of the camera whose frame is shown, in which its
// on-screen clock reads (the display zone when it is not known).
func (m Model) cameraZone() *time.Location {
	if f := m.frames.frame; f != nil && f.CameraZone != nil {
		return f.CameraZone
	}
	return m.zone
}
