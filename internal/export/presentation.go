package export

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/render"
	"github.com/klipp-forensics/klipp/internal/store"
)

// presentationItem is one entry with a clip, for the court presentation.
type presentationItem struct {
	number   int
	entry    store.Entry
	cam      *catalog.Camera
	clip     string    // the clip's bundle path
	clipFrom time.Time // true time of the clip's first frame
}

// presentation makes presentation.mp4 unless the journal has it made from
// the same clips and settings.
func (b *builder) presentation(ctx context.Context, items []presentationItem, out []Entry, created time.Time) error {
	job, in, cs := b.job, b.in, b.cs
	var clips, clipSums []string
	for _, it := range items {
		clips = append(clips, it.clip)
		clipSums = append(clipSums, job.Files[it.clip].SHA256)
	}
	key, err := stepKey([]any{clipSums, out, in.Presentation, in.Language, cs.Title, in.Analyst, job.ID})
	if err != nil {
		return err
	}
	if _, ok := job.reuse("presentation", key); ok {
		b.say("export %s: presentation: reusing the finished one", cs.Number)
		return nil
	}
	b.say("export %s: presentation (%d clips)", cs.Number, len(items))
	start := time.Now()
	parts, err := b.writePresentation(ctx, items, created, job.Path(bundle.PresentationName))
	if err != nil {
		return fmt.Errorf("presentation: %w", err)
	}
	chapters, err := json.Marshal(parts)
	if err != nil {
		return err
	}
	f, err := job.File(bundle.PresentationName, clips, map[string]string{"size": b.presentationSize,
		"card_seconds": fmt.Sprint(in.Presentation.CardSeconds), "language": in.Language, "parts": string(chapters),
		"x264": fmt.Sprintf("preset %s, crf %d", PresentationPreset, PresentationCRF)})
	if err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	job.timed("presentation", start)
	return job.done("presentation", step{Key: key, Files: []bundle.File{f}})
}

// Part is one part of the presentation: the opening card (Entry 0), an
// entry's title card, or its clip; manifest.json keeps them with
// presentation.mp4 (parameter "parts") for the viewer.
type Part struct {
	Entry   int     `json:"entry"`
	Clip    bool    `json:"clip,omitempty"`
	Start   float64 `json:"start"` // seconds into the presentation
	Seconds float64 `json:"seconds"`
}

// writePresentation builds the presentation: an opening card, then for
// each entry in time order a title card and its clip with camera and true
// time burned in, joined at the configured size. Work files stay outside
// the bundle.
func (b *builder) writePresentation(ctx context.Context, items []presentationItem, created time.Time, out string) ([]Part, error) {
	in, cs := b.in, b.cs
	words := render.Words(in.Language)
	card := func(lines ...string) media.PresentPart {
		return media.PresentPart{Card: &media.Card{Lines: lines, FPS: 25, Seconds: in.Presentation.CardSeconds}}
	}
	parts := []media.PresentPart{card(words["case"]+" "+cs.Number, cs.Title, words["analyst"]+": "+in.Analyst,
		words["date"]+": "+created.In(in.Zone).Format("2006-01-02"))}
	for _, it := range items {
		cam, from := it.cam, it.clipFrom
		parts = append(parts, card(fmt.Sprintf("%s %d", words["entry"], it.number), it.entry.Text, cam.Name+", "+cam.Address,
			cardTime(it.entry.At, cam, in)),
			media.PresentPart{Clip: b.job.Path(it.clip), Caption: func(at time.Duration) string {
				return cam.Name + "  " + clock.FormatDisplay(from.Add(at), in.Zone)
			}})
	}
	res, err := media.Present(ctx, parts, out, media.PresentOptions{MaxWidth: in.Presentation.Width, MaxHeight: in.Presentation.Height,
		Fixed: in.Presentation.Size == config.SizeFixed, FPS: 25, CRF: PresentationCRF, Preset: PresentationPreset},
		func(done, total int) { b.ev.Progress("presentation", int64(done), int64(total)) })
	if err != nil {
		return nil, err
	}
	b.presentationSize = fmt.Sprintf("%dx%d", res.Width, res.Height)
	var out2 []Part
	for i, it := range res.Items {
		p := Part{Start: it.Start.Seconds(), Seconds: float64(it.Frames) / 25}
		if i > 0 {
			p.Entry, p.Clip = items[(i-1)/2].number, i%2 == 0
		}
		out2 = append(out2, p)
	}
	return out2, nil
}

// The presentation's x264 settings, chosen by measured quality (make bench,
// the presentation section: SSIM of the picture against the unencoded
// frames of the demo case, 640x390). Before: veryfast, CRF 20, SSIM
// 0.9989, 1.4 MB. superfast at CRF 20 keeps more (SSIM 0.9996; veryfast's
// psychovisual tuning costs SSIM) in 0.73 of the time, at 1.9 MB;
// ultrafast (SSIM 0.9999, 0.55 of the time) makes files 2.4 times the
// size, which at 1080p matters.
const (
	PresentationCRF    = 20
	PresentationPreset = "superfast"
)

// cardTime is an entry's true time on its title card, with its ± in the
// card's language: "2026-11-20 22:14:05,2 ± 0,6 s".
func cardTime(at time.Time, cam *catalog.Camera, in Inputs) string {
	return at.In(in.Zone).Format("2006-01-02 ") + clock.FormatUncertain(at, Bound(cam, at, in.DriftBound), in.Zone, in.Language)
}
