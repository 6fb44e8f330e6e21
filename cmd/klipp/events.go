package main

import (
	"fmt"
	"sync"

	"github.com/klipp-forensics/klipp/internal/app"
)

// cliEvents shows a service operation's events on stderr: a bar per
// progress label (on a terminal, without --quiet), steps as lines (without
// --quiet), warnings always. Call done when the operation has returned.
type cliEvents struct {
	a      *cli
	mu     sync.Mutex
	label  string
	update func(done, total int64)
	finish func()
}

var _ app.Events = (*cliEvents)(nil)

// events returns the CLI's events for one operation.
func (a *cli) events() *cliEvents { return &cliEvents{a: a} }

func (e *cliEvents) Progress(label string, done, total int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if label != e.label || e.update == nil {
		e.endBar()
		e.label = label
		e.update, e.finish = e.a.progress(label)
	}
	e.update(done, total)
}

func (e *cliEvents) Step(msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.endBar()
	if !e.a.quiet {
		fmt.Fprintln(e.a.stderr, msg)
	}
}

func (e *cliEvents) Warn(msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.endBar()
	fmt.Fprintf(e.a.stderr, "klipp: warning: %s\n", msg)
}

// done ends the last bar.
func (e *cliEvents) done() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.endBar()
}

func (e *cliEvents) endBar() {
	if e.finish != nil {
		e.finish()
	}
	e.label, e.update, e.finish = "", nil, nil
}
