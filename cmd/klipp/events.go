package main

import (
	"fmt"
	"sync"

	"github.com/klipp-forensics/klipp/internal/app"
)

// cliEvents shows a service operation's events on stderr: progress as a
// bar (on a terminal, without --quiet), steps and warnings as lines
// (without --quiet). Call done when the operation returns.
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

func (e *cliEvents) Step(msg string) { e.line(msg) }

func (e *cliEvents) Warn(msg string) { e.line(msg) }

func (e *cliEvents) line(msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.endBar()
	if !e.a.quiet {
		fmt.Fprintln(e.a.stderr, msg)
	}
}

// done ends the bar being drawn.
func (e *cliEvents) done() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.endBar()
}

func (e *cliEvents) endBar() {
	if e.finish != nil {
		e.finish()
	}
	e.update, e.finish, e.label = nil, nil, ""
}
