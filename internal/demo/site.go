// Package demo writes a self-contained demo site: a klipp.yaml, a camera
// catalog of seven cameras in central Malmö, 20 minutes of synthetic
// recordings per camera in the formats real recorders write, and the ground
// truth of a suspect walking through them. Every frame carries a frame code
// (package framecode) of its camera-clock time, a readable time stamp and
// the camera name; the suspect is a red figure.
package demo

import (
	"math"
	"time"

	"github.com/klipp-forensics/klipp/internal/catalog"
)

// camera is one demo camera: its catalog entry and how its recorder writes.
type camera struct {
	ID, Name, Owner, Address, Kind, Quality string
	Lat, Lon, Heading                       float64
	Timezone                                string
	Retention                               string
	Clock                                   []catalog.EntryClock
	Pattern, Star                           string
	Format                                  string // media writer format
	Ext                                     string
	StartFraction                           time.Duration // recorder started this far past the minute
	Missing                                 []int         // segment numbers the recorder did not write (a gap)
	Truncated                               []int         // segment numbers cut short on disk
	Sky, Ground                             [3]uint8      // background colours
}

// visit is the suspect's passage through one camera's view, in true time
// relative to the site's start.
type visit struct {
	Camera      string
	Enter       time.Duration
	Leave       time.Duration
	LeftToRight bool
}

var cameras = []camera{
	{
		ID: "malmo-c-spar-4", Name: "Malmö C spår 4", Owner: "trafikverket", Address: "Malmö centralstation, plattform spår 4",
		Kind: "fixed", Quality: "observation", Lat: 55.6091, Lon: 13.0002, Heading: 200, Timezone: "Europe/Stockholm", Retention: "30d",
		Pattern: "%Y%m%d/spar4_%H%M%S.ts", Format: "mpegts", Ext: "ts",
		Sky: [3]uint8{120, 120, 130}, Ground: [3]uint8{70, 70, 75},
	},
	{
		ID: "lilla-torg", Name: "Lilla Torg", Owner: "kommun", Address: "Lilla Torg, Malmö",
		Kind: "fixed", Quality: "observation", Lat: 55.6048, Lon: 12.9993, Heading: 120, Timezone: "Europe/Stockholm", Retention: "30d",
		Pattern: "%Y-%m-%d_%H-%M-%S-%f.mp4", Format: "fmp4", Ext: "mp4", StartFraction: 480 * time.Millisecond,
		Missing: []int{14, 15},
		Sky:     [3]uint8{40, 50, 90}, Ground: [3]uint8{120, 95, 70},
	},
	{
		ID: "stortorget", Name: "Stortorget", Owner: "polisen", Address: "Stortorget, Malmö",
		Kind: "ptz", Quality: "recognition", Lat: 55.6058, Lon: 13.0010, Heading: 160, Timezone: "Europe/Stockholm", Retention: "62d",
		Clock:   []catalog.EntryClock{{At: "2026-11-10T09:00:00+01:00", Offset: "+0s", Note: "checked against the police reference clock"}},
		Pattern: "%Y-%m-%d/%H-%M-%S.mp4", Format: "mp4", Ext: "mp4",
		Truncated: []int{15},
		Sky:       [3]uint8{30, 35, 60}, Ground: [3]uint8{100, 100, 100},
	},
	{
		ID: "sodergatan-2", Name: "Södergatan 2", Owner: "polisen", Address: "Södergatan / Stortorget, Malmö",
		Kind: "fixed", Quality: "recognition", Lat: 55.6052, Lon: 13.0016, Heading: 180, Timezone: "Europe/Stockholm", Retention: "62d",
		Clock: []catalog.EntryClock{
			{At: "2026-11-01T10:00:00+01:00", Offset: "+35s", Note: "vs. reference clock"},
			{At: "2026-11-21T10:00:00+01:00", Offset: "+39s", Note: "vs. reference clock"},
		},
		Pattern: "%Y-%m-%d/%H-%M-%S.mp4", Format: "mp4", Ext: "mp4",
		Sky: [3]uint8{50, 45, 70}, Ground: [3]uint8{90, 80, 70},
	},
	{
		ID: "sodergatan-14", Name: "Södergatan 14, butik", Owner: "business", Address: "Södergatan 14, Malmö (klädbutik)",
		Kind: "fixed", Quality: "identification", Lat: 55.6040, Lon: 13.0022, Heading: 270, Timezone: "UTC", Retention: "14d",
		Pattern: "%Y-%m-%d/%H/*/%M.%S.mp4", Star: "sodergatan-14", Format: "mp4", Ext: "mp4",
		Sky: [3]uint8{150, 140, 120}, Ground: [3]uint8{110, 90, 80},
	},
	{
		ID: "gustav-adolfs-torg", Name: "Gustav Adolfs torg", Owner: "polisen", Address: "Gustav Adolfs torg, Malmö",
		Kind: "fixed", Quality: "recognition", Lat: 55.6016, Lon: 13.0013, Heading: 0, Timezone: "Europe/Stockholm", Retention: "62d",
		Pattern: "%Y%m%dT%H%M%S%z.mp4", Format: "mp4", Ext: "mp4",
		Sky: [3]uint8{35, 40, 70}, Ground: [3]uint8{80, 110, 80},
	},
	{
		ID: "mollevangstorget", Name: "Möllevångstorget", Owner: "kommun", Address: "Möllevångstorget, Malmö",
		Kind: "fixed", Quality: "overview", Lat: 55.5909, Lon: 13.0097, Heading: 315, Timezone: "Europe/Stockholm", Retention: "30d",
		Pattern: "mollan_%s.mkv", Format: "matroska", Ext: "mkv",
		Sky: [3]uint8{45, 40, 55}, Ground: [3]uint8{95, 85, 95},
	},
}

// route is the suspect's path: off the train at Malmö C, through the old
// town, down Södergatan, then running to Möllevångstorget.
var route = []visit{
	{"malmo-c-spar-4", 1*time.Minute + 10*time.Second, 1*time.Minute + 40*time.Second, false},
	{"lilla-torg", 6 * time.Minute, 6*time.Minute + 30*time.Second, true},
	{"stortorget", 8*time.Minute + 10*time.Second, 8*time.Minute + 35*time.Second, true},
	{"sodergatan-2", 10 * time.Minute, 10*time.Minute + 25*time.Second, false},
	{"sodergatan-14", 11*time.Minute + 5*time.Second, 11*time.Minute + 25*time.Second, true},
	{"gustav-adolfs-torg", 12*time.Minute + 40*time.Second, 13*time.Minute + 10*time.Second, false},
	{"mollevangstorget", 19 * time.Minute, 19*time.Minute + 25*time.Second, true},
}

// coverage returns a small triangle in front of a camera along its heading.
func coverage(c camera) []catalog.LatLon {
	const reach = 0.0006 // degrees, roughly 40–65 m
	rad := c.Heading * math.Pi / 180
	at := func(angle float64) catalog.LatLon {
		return catalog.LatLon{Lat: c.Lat + reach*math.Cos(angle), Lon: c.Lon + reach*1.75*math.Sin(angle)}
	}
	return []catalog.LatLon{{Lat: c.Lat, Lon: c.Lon}, at(rad - 0.5), at(rad + 0.5)}
}
