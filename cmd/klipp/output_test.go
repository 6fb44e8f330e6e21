package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestTableEscapesControlCharacters(t *testing.T) {
	var b bytes.Buffer
	table(&b, [][]string{{"NAME"}, {"Södergatan\x1b[2J\a\nevil\u0085"}})
	out := b.String()
	if strings.ContainsAny(out, "\x1b\a\u0085") || strings.Count(out, "\n") != 2 {
		t.Fatalf("raw control characters reach the terminal: %q", out)
	}
	if !strings.Contains(out, `Södergatan\x1b[2J\a\nevil\u0085`) {
		t.Errorf("escaped cell: %q", out)
	}
}
