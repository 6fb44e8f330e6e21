package main

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/render"
	"github.com/klipp-forensics/klipp/internal/store"
)

// derivationNotes explain in the report how each kind of file was made.
var derivationNotes = map[string][]string{
	"sv": {
		"Originalinspelningarna är bevisens original och har inte ändrats. Varje källfil som ett klipp kommer från finns bitexakt i native/ med samma SHA-256 som när den först användes.",
		"Klipp i läget copy innehåller kamerans egna kodade bilder utan omkodning; klippet börjar vid närmaste nyckelbild före klippets start och MP4-filens redigeringslista gör att uppspelningen börjar på rätt bild. Läget exact kodar om bara bilderna före den första nyckelbilden i klippet; läget transcode kodar om alla bilder (H.264). Vilka bilder som kodats om står per klipp ovan och i klippets .json-fil.",
		"En stillbild visar den bild som fanns på skärmen vid den begärda tiden: den sista bilden vars visningstid är högst den tiden. Bildens egen sanna tid anges under varje stillbild.",
		"Alla tider är sann tid (svensk tid) om inget annat anges. Kamerans klocka har räknats om med den uppmätta avvikelsen i tabellen över kamerornas klockor; kameror vars klocka inte är kontrollerad är markerade.",
		"presentation.mp4 är gjord av klippen i tidsordning, varje klipp med en inledande skylt; kamerans namn och sann tid är inbrända i bilden. Den är en åskådliggörande sammanställning; klippen i clips/ och native/ är underlaget.",
	},
	"en": {
		"The native recordings are the master evidence and were not modified. Every source file a clip came from is in native/ bit for bit, with the SHA-256 recorded when it was first used.",
		"Clips in copy mode hold the camera's own coded frames without re-encoding; a clip starts at the keyframe at or before its start and the MP4 edit list makes playback begin at the right frame. Exact mode re-encodes only the frames before the first keyframe in the clip; transcode mode re-encodes every frame (H.264). Which frames were re-encoded is stated per clip above and in each clip's .json record.",
		"A still shows the frame on screen at the requested time: the last frame whose presentation time is at or before it. The frame's own true time is given under each still.",
		"Every time is true time in the display zone unless labelled camera clock. Camera clocks were converted with the offsets measured in the camera clock table; cameras whose clock was never verified are marked.",
		"presentation.mp4 joins the clips in time order, each introduced by a title card, with the camera name and true time burned in. It illustrates; the clips in clips/ and native/ are the evidence.",
	},
}

// writeReport writes report.pdf into the bundle and lists it.
func (a *cli) writeReport(ctx context.Context, cs store.Case, entries []exportEntry, clipGaps []render.GapRow, job *exportJob, created time.Time) error {
	cfg := a.cfg
	r := render.Report{Language: cfg.Report.Language, Page: cfg.Report.Page, Zone: cfg.Timezone, Analyst: cfg.Analyst, Created: created,
		ExportID: job.id, Software: job.software, Notes: derivationNotes[cfg.Report.Language],
		Case: render.Case{Number: cs.Number, Title: cs.Title, Crime: cs.Crime, Place: cs.Place, From: cs.From, To: cs.To,
			RequestedBy: cs.RequestedBy, Request: cs.Request, Suspect: cs.Suspect, Status: cs.Status}}
	cat, err := a.cameras()
	if err != nil {
		return err
	}
	used := map[string]bool{}
	mapIn := &render.MapInput{OnPath: map[string]bool{}}
	for _, e := range entries {
		cam, err := a.camera(e.Camera)
		if err != nil {
			return err
		}
		re := render.Entry{Number: e.Number, At: e.At, CameraClock: e.CameraClock, ClockVerified: e.ClockVerified, Camera: cam.ID,
			CameraName: cam.Name, Address: cam.Address, From: e.From, To: e.To, Text: e.Text, Tags: e.Tags, Author: e.Author,
			Clip: e.Clip, Mode: e.Mode, Reencoded: e.Reencoded, Gaps: e.Gaps, Note: e.Note}
		for i, s := range e.Stills {
			re.Stills = append(re.Stills, render.Still{File: s, Path: job.path(s), FrameTime: e.StillFrames[i]})
		}
		r.Entries = append(r.Entries, re)
		mapIn.Path = append(mapIn.Path, render.MapPoint{Label: cam.Name, Lat: cam.Location.Lat, Lon: cam.Location.Lon})
		mapIn.OnPath[cam.Name] = true
		if !used[cam.ID] {
			used[cam.ID] = true
			r.Clocks = append(r.Clocks, render.ClockRow{Camera: cam.ID, Name: cam.Name, Offset: cam.Clock.At(e.At), Verified: cam.Clock.Verified(),
				Measurements: cam.Clock.Measurements()})
		}
	}
	for _, c := range cat.Cameras {
		mapIn.Cameras = append(mapIn.Cameras, render.MapPoint{Label: c.Name, Lat: c.Location.Lat, Lon: c.Location.Lon})
	}
	if cs.Lat != nil {
		mapIn.Place = &render.MapPoint{Label: cs.Place, Lat: *cs.Lat, Lon: *cs.Lon}
	}
	r.Map = mapIn

	// Gaps: within the clips, and within the case's window on every camera
	// of the timeline, each once.
	seen := map[render.GapRow]bool{}
	addGap := func(g render.GapRow) {
		if !seen[g] {
			seen[g] = true
			r.Gaps = append(r.Gaps, g)
		}
	}
	for _, g := range clipGaps {
		addGap(g)
	}
	for id := range used {
		cam, _ := a.camera(id)
		cov, err := footage.CoverageOf(ctx, a.svc.Store(), cam, cs.From, cs.To, a.now())
		if err != nil {
			return err
		}
		for _, g := range append(cov.Gaps, damagedAsGaps(cov.Damaged)...) {
			addGap(render.GapRow{Camera: id, From: g.From.UTC(), To: g.To.UTC(), Reason: g.Reason})
		}
	}
	sort.Slice(r.Gaps, func(i, j int) bool {
		if !r.Gaps[i].From.Equal(r.Gaps[j].From) {
			return r.Gaps[i].From.Before(r.Gaps[j].From)
		}
		return r.Gaps[i].Camera < r.Gaps[j].Camera
	})
	for _, f := range job.files {
		r.Files = append(r.Files, render.FileHash{Path: f.Path, Size: f.Size, SHA256: f.SHA256})
	}
	sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Path < r.Files[j].Path })

	var b bytes.Buffer
	if err := render.WritePDF(&b, r); err != nil {
		return err
	}
	if err := atomicfile.Write(job.path("report.pdf"), b.Bytes()); err != nil {
		return err
	}
	var from []string
	for _, f := range r.Files {
		if !strings.HasPrefix(f.Path, "native/") {
			from = append(from, f.Path)
		}
	}
	f, err := job.file("report.pdf", from, map[string]string{"language": r.Language, "page": r.Page, "entries": fmt.Sprint(len(r.Entries))})
	if err != nil {
		return err
	}
	job.files[f.Path] = f
	return nil
}
