package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/store"
)

// presentationItem is one entry with a clip, for the court presentation.
type presentationItem struct {
	number   int
	entry    store.Entry
	clip     string    // the bundle's clip file
	clipFrom time.Time // true time of the clip's first frame
}

var presentationWords = map[string]map[string]string{
	"sv": {"case": "Ärende", "entry": "Post", "analyst": "Analytiker", "date": "Datum"},
	"en": {"case": "Case", "entry": "Entry", "analyst": "Analyst", "date": "Date"},
}

// writePresentation builds presentation.mp4: an opening card, then for each
// entry in time order a title card and its clip with camera and true time
// burned in, joined at the configured size. Work files stay outside the
// bundle.
func (a *cli) writePresentation(ctx context.Context, cs store.Case, items []presentationItem, created time.Time, out string) error {
	cfg := a.cfg
	words := presentationWords[cfg.Report.Language]
	work, err := os.MkdirTemp("", "klipp-presentation-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	card := func(name string, lines ...string) (string, error) {
		p := filepath.Join(work, name)
		return p, media.WriteTitleCard(ctx, p, media.Card{Lines: lines, Width: cfg.Presentation.Width, Height: cfg.Presentation.Height,
			FPS: 25, Seconds: cfg.Presentation.CardSeconds})
	}
	opening, err := card("00-opening.mp4", words["case"]+" "+cs.Number, cs.Title, words["analyst"]+": "+cfg.Analyst,
		words["date"]+": "+created.In(cfg.Timezone).Format("2006-01-02"))
	if err != nil {
		return err
	}
	inputs := []string{opening}
	for _, it := range items {
		cam, err := a.camera(it.entry.Camera)
		if err != nil {
			return err
		}
		c, err := card(fmt.Sprintf("%02d-card.mp4", it.number), fmt.Sprintf("%s %d", words["entry"], it.number), it.entry.Text,
			cam.Name+", "+cam.Address, clock.FormatDisplay(it.entry.At, cfg.Timezone))
		if err != nil {
			return err
		}
		info, err := media.Probe(ctx, it.clip)
		if err != nil {
			return err
		}
		burned := filepath.Join(work, fmt.Sprintf("%02d-clip.mp4", it.number))
		from := it.clipFrom
		_, err = media.TranscodeCut(ctx, []media.CutPart{{Path: it.clip, From: 0, To: info.Duration.Duration() + time.Second}}, burned,
			media.TranscodeOptions{CRF: 20, Preset: "veryfast", NoAudio: true, Caption: func(at time.Duration) string {
				return cam.Name + "  " + clock.FormatDisplay(from.Add(at), cfg.Timezone)
			}}, nil)
		if err != nil {
			return err
		}
		inputs = append(inputs, c, burned)
	}
	update, finish := a.progress("presentation")
	defer finish()
	_, err = media.Concat(ctx, inputs, out, media.ConcatOptions{Width: cfg.Presentation.Width, Height: cfg.Presentation.Height, FPS: 25, CRF: 20, Preset: "veryfast"},
		func(done, total int) { update(int64(done), int64(total)) })
	return err
}
