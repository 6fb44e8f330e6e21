package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/media"
)

func (a *cli) probeCommand() *cobra.Command {
	var fps float64
	cmd := &cobra.Command{
		Use:   "probe FILE [--fps N]",
		Short: "Container, streams, duration, start time and damage of a recording",
		Args:  exactArgs(1, "a file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(args[0]); err != nil {
				return fault.NotFoundf("%s does not exist", args[0])
			}
			in, err := media.Probe(media.WithFrameRate(cmd.Context(), fps), args[0])
			if err != nil {
				return err
			}
			return a.emit(in, func(w io.Writer) {
				rows := [][]string{{"file", in.Path}, {"container", in.Container}, {"duration", fmt.Sprintf("%.3fs", float64(in.Duration))},
					{"start time", fmt.Sprintf("%.3fs", float64(in.StartTime))}, {"video frames", fmt.Sprintf("%d (%d keyframes)", in.Frames, in.Keyframes)}}
				if in.CreationTime != nil {
					rows = append(rows, []string{"creation_time", in.CreationTime.UTC().Format("2006-01-02T15:04:05.000Z") + " (container metadata, camera clock)"})
				} else {
					rows = append(rows, []string{"creation_time", "none"})
				}
				for _, s := range in.Streams {
					desc := s.Codec
					switch s.Type {
					case "video":
						desc += fmt.Sprintf(" %dx%d %s %.3g fps", s.Width, s.Height, s.PixFmt, s.FrameRate)
						if s.FieldOrder == "tff" || s.FieldOrder == "bff" {
							desc += ", interlaced " + s.FieldOrder + " (stills and transcodes deinterlaced with bwdif)"
						}
						if s.Rotation != 0 {
							desc += fmt.Sprintf(", shown turned %d° clockwise (display matrix)", s.Rotation)
						}
					case "audio":
						desc += fmt.Sprintf(" %d Hz %d ch", s.SampleRate, s.Channels)
					}
					rows = append(rows, []string{fmt.Sprintf("stream %d", s.Index), s.Type + ": " + desc + " (time base " + s.TimeBase + ")"})
				}
				for _, c := range in.DAVChannels {
					rows = append(rows, []string{fmt.Sprintf("DAV channel %d", c.Channel), fmt.Sprintf("%s %dx%d %d fps, %d frames (%d keyframes), dates %s to %s (DVR clock)",
						c.Codec, c.Width, c.Height, c.FPS, c.Frames, c.Keyframes, c.First, c.Last)})
				}
				if in.IMKH {
					rows = append(rows, []string{"IMKH header", "40-byte Hikvision recorder header before the program stream (FFmpeg reads past it)"})
				}
				for _, j := range in.Jumps {
					rows = append(rows, []string{"timestamp jump", fmt.Sprintf("no frames from %.3fs for %.3fs", j.At.Seconds(), j.Length.Seconds())})
				}
				switch {
				case in.NeedsRate:
					rows = append(rows, []string{"raw stream", "no frame times: give its frame rate with --fps"})
				case in.Raw:
					rows = append(rows, []string{"raw stream", fmt.Sprintf("no frame times: timed at %g fps (--fps)", fps)})
				case in.VariableRate:
					rows = append(rows, []string{"variable rate", "the index holds frame slots without a frame: the previous frame stays on screen"})
				}
				if in.Damaged != "" {
					rows = append(rows, []string{"DAMAGED", in.Damaged})
				} else {
					rows = append(rows, []string{"integrity", "read to the end without errors"})
				}
				table(w, rows)
			})
		},
	}
	cmd.Flags().Float64Var(&fps, "fps", 0, "frame rate of a raw H.264/H.265 stream, which carries no times")
	return cmd
}
