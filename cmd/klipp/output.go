package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
	"unicode"

	"golang.org/x/term"
)

// emit prints v as JSON when --json is set, else calls human.
func (a *cli) emit(v any, human func(w io.Writer)) error {
	if a.jsonOut {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	human(a.stdout)
	return nil
}

// table writes aligned columns; the first row is the header. Cells are
// made printable: a camera name or case title cannot move the cursor,
// change colours or ring the bell on the analyst's terminal.
func table(w io.Writer, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = printable(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}

// printable escapes control characters (C0, DEL, C1) the way Go quotes
// them (\x1b, \n, \u0085), leaving every other character as it is.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// progress returns a callback drawing a bar on stderr when it is a terminal
// and --quiet is off; otherwise a no-op. Call the returned done func at the end.
func (a *cli) progress(label string) (update func(done, total int64), finish func()) {
	f, ok := a.stderr.(*os.File)
	if a.quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return func(int64, int64) {}, func() {}
	}
	var mu sync.Mutex
	start := time.Now()
	var last time.Time
	drawn := false
	update = func(done, total int64) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if now.Sub(last) < 100*time.Millisecond && done < total {
			return
		}
		last = now
		frac := 0.0
		if total > 0 {
			frac = float64(done) / float64(total)
		}
		const width = 30
		n := int(frac * width)
		bar := strings.Repeat("█", n) + strings.Repeat("░", width-n)
		fmt.Fprintf(f, "\r%s %s %3.0f%% %s ", label, bar, frac*100, time.Since(start).Round(100*time.Millisecond))
		drawn = true
	}
	finish = func() {
		mu.Lock()
		defer mu.Unlock()
		if drawn {
			fmt.Fprintln(f)
		}
	}
	return update, finish
}
