package media

import (
	"context"
	"errors"
	"io"

	"github.com/klipp-forensics/klipp/internal/fault"
)

// textCodecs are FFmpeg's decoders that draw text files (ANSI art, binary
// text) as pictures: a text file read by them is not footage.
var textCodecs = map[string]bool{"ansi": true, "bintext": true, "xbin": true, "idf": true, "text": true}

// CheckFootage reports whether path is footage: a video stream, not text
// drawn as pictures, whose first frame decodes. Otherwise it returns a
// fault.Media error beginning with path and giving the reason. A file
// damaged further on passes: it is footage, to be reported as damaged.
func CheckFootage(ctx context.Context, path string) error {
	r, err := OpenVideo(path)
	if err != nil {
		return err
	}
	defer r.Close()
	if name := r.st.CodecParameters().CodecID().Name(); textCodecs[name] {
		return fault.Mediaf("%s: not video: FFmpeg reads it as text (%s, %s)", path, r.fc.InputFormat().Name(), name)
	}
	if _, err := r.Next(ctx); err != nil {
		if errors.Is(err, io.EOF) {
			return fault.Mediaf("%s: no video frame decodes", path)
		}
		return err // fault.Media with FFmpeg's reason, or the context's error
	}
	return nil
}
