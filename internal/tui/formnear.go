package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/klipp-forensics/klipp/internal/catalog"
)

// posWarning is a warning about a position typed into a form: no camera
// near it (a swapped or mistyped coordinate). It is shown beside the
// field while the field holds that value; it does not stop a save.
type posWarning struct{ value, text string }

// nearestMsg answers the question which camera is nearest value.
type nearestMsg struct {
	value string
	near  CameraRow
	err   error
}

// checkNearest asks, off the UI goroutine, for the camera nearest a
// position field's value when it is a position.
func (m Model) checkNearest(value string) tea.Cmd {
	value = strings.TrimSpace(value)
	if _, ok := catalog.ParseLatLon(value); !ok || m.ops == nil {
		return nil
	}
	ops, ctx := m.ops, m.ctx
	return func() tea.Msg {
		near, err := ops.Nearest(ctx, value)
		return nearestMsg{value: value, near: near, err: err}
	}
}

func (m Model) nearestLoaded(msg nearestMsg) Model {
	m.posWarn = posWarning{}
	switch {
	case msg.err != nil:
		// The form's own check and the service's say what is wrong.
	case !msg.near.Located:
		m.posWarn = posWarning{msg.value, "no camera in the catalogue to measure from"}
	case msg.near.Distance > farAway:
		m.posWarn = posWarning{msg.value, fmt.Sprintf("the nearest camera (%s) is %s away: check it", msg.near.Name, catalog.FormatDistance(msg.near.Distance))}
	}
	return m
}

// positionWarning is the warning for a position field holding value.
func (m Model) positionWarning(value string) string {
	if w := m.posWarn; w.text != "" && w.value == strings.TrimSpace(value) {
		return w.text
	}
	return ""
}
