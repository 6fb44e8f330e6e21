package export

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
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
	if err := b.writePresentation(ctx, items, created, job.Path(bundle.PresentationName)); err != nil {
		return fmt.Errorf("presentation: %w", err)
	}
	f, err := job.File(bundle.PresentationName, clips, map[string]string{"size": fmt.Sprintf("%dx%d", in.Presentation.Width, in.Presentation.Height),
		"card_seconds": fmt.Sprint(in.Presentation.CardSeconds), "language": in.Language})
	if err != nil {
		return fault.Wrap(fault.Storage, err)
	}
	job.timed("presentation", start)
	return job.done("presentation", step{Key: key, Files: []bundle.File{f}})
}

// writePresentation builds the presentation: an opening card, then for
// each entry in time order a title card and its clip with camera and true
// time burned in, joined at the configured size. Work files stay outside
// the bundle.
func (b *builder) writePresentation(ctx context.Context, items []presentationItem, created time.Time, out string) error {
	in, cs := b.in, b.cs
	words := render.Words(in.Language)
	work, err := os.MkdirTemp("", "klipp-presentation-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	card := func(name string, lines ...string) (string, error) {
		p := filepath.Join(work, name)
		return p, media.WriteTitleCard(ctx, p, media.Card{Lines: lines, Width: in.Presentation.Width, Height: in.Presentation.Height,
			FPS: 25, Seconds: in.Presentation.CardSeconds})
	}
	opening, err := card("00-opening.mp4", words["case"]+" "+cs.Number, cs.Title, words["analyst"]+": "+in.Analyst,
		words["date"]+": "+created.In(in.Zone).Format("2006-01-02"))
	if err != nil {
		return err
	}
	inputs := []string{opening}
	for _, it := range items {
		cam := it.cam
		c, err := card(fmt.Sprintf("%02d-card.mp4", it.number), fmt.Sprintf("%s %d", words["entry"], it.number), it.entry.Text,
			cam.Name+", "+cam.Address, cardTime(it.entry.At, cam, in))
		if err != nil {
			return err
		}
		clip := b.job.Path(it.clip)
		info, err := media.Probe(ctx, clip)
		if err != nil {
			return err
		}
		burned := filepath.Join(work, fmt.Sprintf("%02d-clip.mp4", it.number))
		from := it.clipFrom
		_, err = media.TranscodeCut(ctx, []media.CutPart{{Path: clip, From: 0, To: info.Duration.Duration() + time.Second}}, burned,
			media.TranscodeOptions{CRF: 20, Preset: "veryfast", NoAudio: true, Caption: func(at time.Duration) string {
				return cam.Name + "  " + clock.FormatDisplay(from.Add(at), in.Zone)
			}}, nil)
		if err != nil {
			return err
		}
		inputs = append(inputs, c, burned)
	}
	_, err = media.Concat(ctx, inputs, out, media.ConcatOptions{Width: in.Presentation.Width, Height: in.Presentation.Height, FPS: 25, CRF: 20, Preset: "veryfast"},
		func(done, total int) { b.ev.Progress("presentation", int64(done), int64(total)) })
	return err
}

// cardTime is an entry's true time on its title card, with its ± in the
// card's language: "2026-11-20 22:14:05,2 ± 0,6 s".
func cardTime(at time.Time, cam *catalog.Camera, in Inputs) string {
	return at.In(in.Zone).Format("2006-01-02 ") + clock.FormatUncertain(at, Bound(cam, at, in.DriftBound), in.Zone, in.Language)
}
