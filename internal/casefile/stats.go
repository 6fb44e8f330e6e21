package casefile

import (
	"fmt"
	"sort"
	"time"

	"github.com/klipp-forensics/klipp/internal/store"
)

// Group is the statistics of a set of requests.
type Group struct {
	Key       string `json:"key"`
	Requests  int    `json:"requests"`
	Delivered int    `json:"delivered"`
	Open      int    `json:"open"`
	// Late counts requests delivered after their deadline or still open
	// past it.
	Late int `json:"late"`
	// Turnaround is from received to delivered, over the delivered ones.
	MedianTurnaround time.Duration `json:"median_turnaround_ns"`
	MeanTurnaround   time.Duration `json:"mean_turnaround_ns"`
	turnarounds      []time.Duration
}

// Stats summarises requests received in [From, To): per ISO week (every
// week in the range, empty ones too), per crime type, and in total. It
// replaces the group's spreadsheet.
type Stats struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Total  Group     `json:"total"`
	Weeks  []Group   `json:"weeks"`
	Crimes []Group   `json:"crimes"`
}

// Summarise computes Stats for the cases received in [from, to); weeks are
// counted in loc. A zero from or to leaves that side open.
func Summarise(cases []store.Case, from, to, now time.Time, loc *time.Location) Stats {
	s := Stats{From: from, To: to, Total: Group{Key: "total"}}
	weeks := map[string]*Group{}
	crimes := map[string]*Group{}
	var first, last time.Time
	for _, c := range cases {
		if (!from.IsZero() && c.Received.Before(from)) || (!to.IsZero() && !c.Received.Before(to)) {
			continue
		}
		if first.IsZero() || c.Received.Before(first) {
			first = c.Received
		}
		if c.Received.After(last) {
			last = c.Received
		}
		wk := weekKey(c.Received.In(loc))
		if weeks[wk] == nil {
			weeks[wk] = &Group{Key: wk}
		}
		crime := c.Crime
		if crime == "" {
			crime = "(none)"
		}
		if crimes[crime] == nil {
			crimes[crime] = &Group{Key: crime}
		}
		for _, g := range []*Group{&s.Total, weeks[wk], crimes[crime]} {
			g.add(c, now)
		}
	}
	if !first.IsZero() {
		// Every week from the first request to the last, so gaps show.
		for t := first.In(loc); ; t = t.AddDate(0, 0, 7) {
			k := weekKey(t)
			if weeks[k] == nil {
				weeks[k] = &Group{Key: k}
			}
			if k == weekKey(last.In(loc)) || t.After(last) {
				break
			}
		}
	}
	for _, g := range weeks {
		g.finish()
		s.Weeks = append(s.Weeks, *g)
	}
	for _, g := range crimes {
		g.finish()
		s.Crimes = append(s.Crimes, *g)
	}
	s.Total.finish()
	sort.Slice(s.Weeks, func(i, j int) bool { return s.Weeks[i].Key < s.Weeks[j].Key })
	sort.Slice(s.Crimes, func(i, j int) bool {
		if s.Crimes[i].Requests != s.Crimes[j].Requests {
			return s.Crimes[i].Requests > s.Crimes[j].Requests
		}
		return s.Crimes[i].Key < s.Crimes[j].Key
	})
	return s
}

func weekKey(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

func (g *Group) add(c store.Case, now time.Time) {
	g.Requests++
	if c.Delivered != nil {
		g.Delivered++
		g.turnarounds = append(g.turnarounds, c.Delivered.Sub(c.Received))
		if c.Deadline != nil && c.Delivered.After(*c.Deadline) {
			g.Late++
		}
		return
	}
	g.Open++
	if c.Deadline != nil && now.After(*c.Deadline) {
		g.Late++
	}
}

func (g *Group) finish() {
	n := len(g.turnarounds)
	if n == 0 {
		return
	}
	sort.Slice(g.turnarounds, func(i, j int) bool { return g.turnarounds[i] < g.turnarounds[j] })
	var sum time.Duration
	for _, d := range g.turnarounds {
		sum += d
	}
	g.MeanTurnaround = sum / time.Duration(n)
	if n%2 == 1 {
		g.MedianTurnaround = g.turnarounds[n/2]
	} else {
		g.MedianTurnaround = (g.turnarounds[n/2-1] + g.turnarounds[n/2]) / 2
	}
}
