package media

import (
	"bytes"
	"io"
	"os"
)

// hasIMKH reports whether path starts with the 40-byte "IMKH" header
// Hikvision recorders put before an MPEG program stream. FFmpeg's mpeg
// demuxer reads such files itself: it notes the header and finds the first
// pack after it, and takes G.711 sound from the stream map (types 0x90
// A-law, 0x91 µ-law).
func hasIMKH(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, 4)
	if _, err := io.ReadFull(f, b); err != nil {
		return false
	}
	return bytes.Equal(b, []byte("IMKH"))
}
