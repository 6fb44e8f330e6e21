package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
)

// The external viewer: $KLIPP_VIEWER when set (a command; {file} and
// {start}, the seconds into the file, are replaced, else the file is
// added at the end), else mpv for a clip at the cursor's time, else
// xdg-open. It is started detached: klipp neither waits for it nor ends it.

type viewerMsg struct {
	text string
	err  error
}

// Seams for tests: how a program is found and started.
var (
	lookPath    = exec.LookPath
	startViewer = startDetached
)

// viewerCommand is the command that opens file, start seconds into it
// (start < 0: a picture, no time).
func viewerCommand(getenv func(string) string, file string, start float64) ([]string, error) {
	sec := ""
	if start >= 0 {
		sec = strconv.FormatFloat(start, 'f', 3, 64)
	}
	if v := strings.TrimSpace(getenv("KLIPP_VIEWER")); v != "" {
		words := strings.Fields(v)
		used := false
		for i, w := range words {
			if strings.Contains(w, "{file}") || strings.Contains(w, "{start}") {
				used = true
			}
			words[i] = strings.NewReplacer("{file}", file, "{start}", sec).Replace(w)
		}
		if !used {
			words = append(words, file)
		}
		return words, nil
	}
	if start >= 0 {
		if p, err := lookPath("mpv"); err == nil {
			return []string{p, "--start=" + sec, file}, nil
		}
	}
	if p, err := lookPath("xdg-open"); err == nil {
		return []string{p, file}, nil
	}
	return nil, errors.New("there is no viewer: set KLIPP_VIEWER (e.g. \"mpv --start={start} {file}\"), or install mpv or xdg-open")
}

// startDetached starts argv in its own session with no terminal, and
// reports a failure that shows within a second (a viewer that cannot open
// the file); later it is left alone.
func startDetached(argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", argv[0], err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			line := firstLine(strings.TrimSpace(stderr.String()))
			if line == "" {
				line = err.Error()
			}
			return fmt.Errorf("%s: %s", filepath.Base(argv[0]), line)
		}
	case <-time.After(time.Second):
	}
	return nil
}

// openFrame writes the frame on screen (whole, at its source resolution)
// as a PNG in the temporary directory and opens it in the viewer.
func (m Model) openFrame() (tea.Model, tea.Cmd) {
	f := m.frames.frame
	if f == nil || f.Image == nil {
		return m.say("no picture here to open"), nil
	}
	img, cam, at, zone := f.Image, m.frames.camera, f.At, m.zone
	return m, func() tea.Msg {
		dir := filepath.Join(os.TempDir(), "klipp-view")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return viewerMsg{err: err}
		}
		path := filepath.Join(dir, cam+"-"+at.In(zone).Format("20060102-150405.000")+".png")
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return viewerMsg{err: err}
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			return viewerMsg{err: err}
		}
		argv, err := viewerCommand(os.Getenv, path, -1)
		if err != nil {
			return viewerMsg{err: fmt.Errorf("the frame is written to %s, but %w", path, err)}
		}
		if err := startViewer(argv); err != nil {
			return viewerMsg{err: fmt.Errorf("%w; the frame is written to %s", err, path)}
		}
		return viewerMsg{text: "opened the frame in " + filepath.Base(argv[0]) + ": " + midCut(path, 40)}
	}
}

// openClip opens the recording at the cursor's frame in the viewer; the
// view is recorded for the case from there.
func (m Model) openClip() (tea.Model, tea.Cmd) {
	cam, at := m.frames.camera, m.shownTime()
	ops, ctx, number := m.ops, m.ctx, m.caseView.detail.Number
	return m, func() tea.Msg {
		file, off, err := ops.Locate(ctx, cam, at)
		if err != nil {
			return viewerMsg{err: err}
		}
		argv, err := viewerCommand(os.Getenv, file, off.Seconds())
		if err != nil {
			return viewerMsg{err: fmt.Errorf("the recording is %s, %.3f s in, but %w", file, off.Seconds(), err)}
		}
		if err := ops.RecordView(context.WithoutCancel(ctx), number, cam, at, at); err != nil {
			return viewerMsg{err: err}
		}
		if err := startViewer(argv); err != nil {
			return viewerMsg{err: fmt.Errorf("%w; the recording is %s, %.3f s in", err, file, off.Seconds())}
		}
		text := fmt.Sprintf("opened %s in %s at %.3f s", filepath.Base(file), filepath.Base(argv[0]), off.Seconds())
		if filepath.Base(argv[0]) == "xdg-open" {
			text = fmt.Sprintf("opened %s with xdg-open: it starts at the file's beginning; the cursor is %.3f s in", filepath.Base(file), off.Seconds())
		}
		return viewerMsg{text: text}
	}
}

var execLookPath = exec.LookPath
