package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/bundle"
	"github.com/klipp-forensics/klipp/internal/catalog"
	"github.com/klipp-forensics/klipp/internal/clock"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/footage"
	"github.com/klipp-forensics/klipp/internal/media"
	"github.com/klipp-forensics/klipp/internal/store"
)

// stillRecord describes one written still (also the --json output).
type stillRecord struct {
	File         string    `json:"file"`
	Camera       string    `json:"camera"`
	Requested    time.Time `json:"requested"`          // true time asked for
	FrameTime    time.Time `json:"frame_true_time"`    // true time of the frame shown
	CameraClock  time.Time `json:"frame_camera_clock"` // the same instant on the camera clock
	ClockOffset  float64   `json:"clock_offset_s"`
	ClockChecked bool      `json:"clock_verified"`
	Source       string    `json:"source"`
	SourceSHA256 string    `json:"source_sha256"`
	SourcePTS    int64     `json:"source_pts"`
	Size         int64     `json:"size"`
	SHA256       string    `json:"sha256"` // of the still file
}

func (a *cli) stillCommand() *cobra.Command {
	var camera, at, out string
	var force bool
	cmd := &cobra.Command{
		Use:   "still --camera ID --at T[,T2…] -o OUT.png|.jpg",
		Short: "The frame on screen at true time T (the last frame whose presentation time ≤ T)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if camera == "" || at == "" || out == "" {
				return fault.Usagef("still needs --camera, --at and -o")
			}
			ext := strings.ToLower(filepath.Ext(out))
			if ext != ".png" && ext != ".jpg" && ext != ".jpeg" {
				return fault.Usagef("-o %s: the still must be .png or .jpg", out)
			}
			if fi, err := os.Stat(filepath.Dir(out)); err != nil || !fi.IsDir() {
				return fault.Usagef("-o %s: directory %s does not exist", out, filepath.Dir(out))
			}
			cam, err := a.camera(camera)
			if err != nil {
				return err
			}
			var times []time.Time
			for _, s := range strings.Split(at, ",") {
				t, err := a.parseTime("at", strings.TrimSpace(s))
				if err != nil {
					return err
				}
				times = append(times, t)
			}
			names := make([]string, len(times))
			for i, t := range times {
				names[i] = out
				if len(times) > 1 {
					stamp := t.In(a.cfg.Timezone).Format("150405.000")
					names[i] = strings.TrimSuffix(out, filepath.Ext(out)) + "-" + stamp + filepath.Ext(out)
				}
				if _, err := os.Stat(names[i]); err == nil && !force {
					return fault.Usagef("%s exists: use --force to replace it", names[i])
				}
			}
			records, err := a.writeStills(cmd.Context(), cam, "", times, names)
			if err != nil {
				return err
			}
			return a.emit(records, func(w io.Writer) {
				for _, r := range records {
					check := "clock verified"
					if !r.ClockChecked {
						check = "clock NOT verified"
					}
					fmt.Fprintf(w, "%s: %s at %s (camera clock %s, %s)\n", r.File, cam.Name, a.show(r.FrameTime),
						clock.FormatDisplay(r.CameraClock, cam.Timezone), check)
				}
			})
		},
	}
	cmd.Flags().StringVar(&camera, "camera", "", "camera id")
	cmd.Flags().StringVar(&at, "at", "", "true time(s), comma-separated")
	cmd.Flags().StringVarP(&out, "output", "o", "", "output .png or .jpg (with several times: OUT-HHMMSS.mmm.png)")
	cmd.Flags().BoolVar(&force, "force", false, "replace existing files")
	return cmd
}

// writeStills writes the frame on screen at each true time to the matching
// name, opening each source once, and audits each still.
func (a *cli) writeStills(ctx context.Context, cam *catalog.Camera, caseNumber string, times []time.Time, names []string) ([]stillRecord, error) {
	st, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	// Group the times by segment so each file is opened once.
	type want struct {
		idx int
		off time.Duration
	}
	bySeg := map[int64][]want{}
	segs := map[int64]*store.Segment{}
	var order []int64
	for i, t := range times {
		seg, err := footage.Locate(ctx, st, cam, t, a.show)
		if err != nil {
			return nil, err
		}
		if _, ok := segs[seg.ID]; !ok {
			segs[seg.ID] = seg
			order = append(order, seg.ID)
		}
		bySeg[seg.ID] = append(bySeg[seg.ID], want{i, t.Sub(seg.TrueStart)})
	}
	records := make([]stillRecord, len(times))
	for _, id := range order {
		seg := segs[id]
		sum, err := footage.SourceHash(ctx, st, seg)
		if err != nil {
			return nil, err
		}
		offs := make([]time.Duration, len(bySeg[id]))
		for j, w := range bySeg[id] {
			offs[j] = w.off
		}
		stills, err := media.StillsAt(ctx, seg.Path, offs)
		if err != nil {
			return nil, err
		}
		g := new(errgroup.Group)
		g.SetLimit(runtime.NumCPU())
		for j, w := range bySeg[id] {
			s := stills[j]
			frameTrue := seg.TrueStart.Add(s.Offset)
			frameCam := seg.CameraStart.Add(s.Offset)
			rec := stillRecord{
				File: names[w.idx], Camera: cam.ID, Requested: times[w.idx], FrameTime: frameTrue, CameraClock: frameCam,
				ClockOffset: frameCam.Sub(frameTrue).Seconds(), ClockChecked: cam.Clock.Verified(),
				Source: seg.Path, SourceSHA256: sum, SourcePTS: s.PTS,
			}
			meta := media.Meta{
				"Camera":            cam.ID + " (" + cam.Name + ")",
				"True time":         frameTrue.Format(time.RFC3339Nano),
				"Camera clock time": frameCam.In(cam.Timezone).Format(time.RFC3339Nano),
				"Requested time":    times[w.idx].Format(time.RFC3339Nano),
				"Clock verified":    fmt.Sprint(cam.Clock.Verified()),
				"Source":            seg.Path,
				"Source SHA-256":    sum,
				"Source PTS":        fmt.Sprint(s.PTS),
				"Software":          "klipp " + version + ", FFmpeg " + media.Version(),
			}
			records[w.idx] = rec
			g.Go(func() error { return media.WriteStill(names[w.idx], s, meta) })
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		for _, w := range bySeg[id] {
			r := &records[w.idx]
			size, sum, err := bundle.HashFile(r.File)
			if err != nil {
				return nil, err
			}
			r.Size, r.SHA256 = size, sum
			if err := a.record(audit.Entry{Action: "still", Camera: cam.ID, Case: caseNumber,
				Hashes: map[string]string{r.File: sum, r.Source: r.SourceSHA256},
				Detail: map[string]string{"file": r.File, "at": r.Requested.Format(time.RFC3339Nano), "frame_true_time": r.FrameTime.Format(time.RFC3339Nano)}}); err != nil {
				return nil, err
			}
		}
	}
	return records, nil
}
