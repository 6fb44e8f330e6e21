package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/asticode/go-astiav"

	"github.com/klipp-forensics/klipp/internal/atomicfile"
	"github.com/klipp-forensics/klipp/internal/fault"
)

// joinStreams joins H.264 MP4 files made with the same encoder settings
// into one MP4 (index first), packet for packet: each file's timestamps
// follow on from the previous file's last frame. Files whose codec setup
// (SPS/PPS) differs are refused: they cannot share one stream.
func joinStreams(ctx context.Context, files []string, out string, fps int) (err error) {
	initLog()
	var c closer
	defer c.close()
	tmp, err := atomicfile.Temp(out)
	if err != nil {
		return fmt.Errorf("join %s: %w", out, err)
	}
	var oio *astiav.IOContext // closed explicitly when the file is complete
	defer func() {
		if err != nil {
			if oio != nil {
				_ = oio.Close()
			}
			c.close()
			os.Remove(tmp)
		}
	}()
	ofc, err := astiav.AllocOutputFormatContext(nil, "mp4", tmp)
	if err != nil || ofc == nil {
		return fmt.Errorf("join %s: muxer: %v", out, err)
	}
	c.add(ofc.Free)
	pkt := astiav.AllocPacket()
	if pkt == nil {
		return fmt.Errorf("join %s: alloc packet", out)
	}
	c.add(pkt.Free)
	frameTB := astiav.NewRational(1, fps)
	var ost *astiav.Stream
	var extra []byte
	var offset int64 // in frames: where the next file starts
	for i, f := range files {
		mark := logMark()
		ifc, err := openInput(f, mark)
		if err != nil {
			return err
		}
		err = func() error {
			defer closeInput(ifc)
			ist := firstStream(ifc, astiav.MediaTypeVideo)
			if ist == nil {
				return fault.Mediaf("%s: no video stream", f)
			}
			if i == 0 {
				if ost = ofc.NewStream(nil); ost == nil {
					return fmt.Errorf("join %s: new stream", out)
				}
				if err := ist.CodecParameters().Copy(ost.CodecParameters()); err != nil {
					return fmt.Errorf("join %s: %w", out, err)
				}
				ost.CodecParameters().SetCodecTag(0)
				ost.SetTimeBase(astiav.NewRational(1, 12800))
				ost.SetAvgFrameRate(astiav.NewRational(fps, 1))
				extra = append([]byte(nil), ist.CodecParameters().ExtraData()...)
				if oio, err = astiav.OpenIOContext(tmp, astiav.NewIOContextFlags(astiav.IOContextFlagWrite)); err != nil {
					return fmt.Errorf("join %s: %w", out, err)
				}
				ofc.SetPb(oio)
				hdr := astiav.NewDictionary()
				defer hdr.Free()
				_ = hdr.Set("movflags", "+faststart", 0)
				mark := logMark()
				if err := ofc.WriteHeader(hdr); err != nil {
					return fmt.Errorf("join %s: write header: %s", out, reason(err, mark))
				}
			} else if !bytes.Equal(extra, ist.CodecParameters().ExtraData()) {
				return fmt.Errorf("join %s: %s has another codec setup than the parts before it", out, f)
			}
			shift := astiav.RescaleQ(offset, frameTB, ist.TimeBase())
			start := ist.StartTime()
			if start == astiav.NoPtsValue {
				start = 0
			}
			var last int64 = -1 // the last pts, in frames from the file's start
			for {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := ifc.ReadFrame(pkt); err != nil {
					if errors.Is(err, astiav.ErrEof) {
						break
					}
					return fault.Mediaf("%s: %v", f, err)
				}
				if pkt.StreamIndex() != ist.Index() {
					pkt.Unref()
					continue
				}
				if p := astiav.RescaleQ(pkt.Pts()-start, ist.TimeBase(), frameTB); p > last {
					last = p
				}
				pkt.SetPts(pkt.Pts() - start + shift)
				pkt.SetDts(pkt.Dts() - start + shift)
				pkt.SetStreamIndex(ost.Index())
				pkt.RescaleTs(ist.TimeBase(), ost.TimeBase())
				pkt.SetPos(-1)
				err := ofc.WriteInterleavedFrame(pkt)
				pkt.Unref()
				if err != nil {
					return fmt.Errorf("join %s: %w", out, err)
				}
			}
			offset += last + 1
			return nil
		}()
		if err != nil {
			return err
		}
	}
	if err := ofc.WriteTrailer(); err != nil {
		return fmt.Errorf("join %s: %w", out, err)
	}
	err = oio.Close()
	oio = nil
	if err != nil {
		return fmt.Errorf("join %s: %w", out, err)
	}
	c.close()
	return os.Rename(tmp, out)
}
