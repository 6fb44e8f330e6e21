package media

import (
	"strings"
	"sync"

	"github.com/asticode/go-astiav"
)

// FFmpeg logs through one process-wide callback. klipp keeps its recent error
// messages so that a failure can give FFmpeg's reason ("moov atom not found")
// and not only a return code.
var (
	logOnce sync.Once
	logMu   sync.Mutex
	logSeq  int
	logBuf  []logLine
)

type logLine struct {
	seq int
	msg string
}

func initLog() {
	logOnce.Do(func() {
		astiav.SetLogLevel(astiav.LogLevelError)
		astiav.SetLogCallback(func(_ astiav.Classer, l astiav.LogLevel, _, msg string) {
			if l > astiav.LogLevelError {
				return
			}
			logMu.Lock()
			defer logMu.Unlock()
			logSeq++
			logBuf = append(logBuf, logLine{logSeq, strings.TrimSpace(msg)})
			if len(logBuf) > 64 {
				logBuf = logBuf[len(logBuf)-64:]
			}
		})
	})
}

// logMark returns a position in FFmpeg's log for logsSince.
func logMark() int {
	initLog()
	logMu.Lock()
	defer logMu.Unlock()
	return logSeq
}

// logsSince returns FFmpeg's error messages after mark, joined, without
// repeats. With jobs running in parallel, another job's messages may appear
// too; they are context for an error, never the error itself.
func logsSince(mark int) string {
	logMu.Lock()
	defer logMu.Unlock()
	var out []string
	seen := map[string]bool{}
	for _, l := range logBuf {
		if l.seq > mark && l.msg != "" && !seen[l.msg] {
			seen[l.msg] = true
			out = append(out, l.msg)
		}
	}
	return strings.Join(out, "; ")
}
