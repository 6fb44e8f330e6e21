package tui

import (
	tea "charm.land/bubbletea/v2"
)

// mouse turns the wheel into moves (frames: steps) and a click on a list
// row into selecting it; a click on the selected row opens it, as enter.
func (m Model) mouse(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		code := tea.KeyDown
		if msg.Button == tea.MouseWheelUp {
			code = tea.KeyUp
		}
		if m.screen == screenFrames {
			code = map[rune]rune{tea.KeyDown: tea.KeyRight, tea.KeyUp: tea.KeyLeft}[code]
		}
		return m.Update(tea.KeyPressMsg{Code: code})
	case tea.MouseClickMsg:
		if msg.Button != tea.MouseLeft || m.help {
			return m, nil
		}
		if m.screen == screenFrames {
			return m.clickFrames(msg.X, msg.Y)
		}
		cursor, n, first, rows := m.listGeometry()
		if n == 0 || cursor == nil {
			return m, nil
		}
		i := scrollTop(*cursor, n, rows) + msg.Y - first
		if msg.Y < first || i < 0 || i >= n {
			return m, nil
		}
		if i == *cursor {
			return m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		}
		*cursor = i
		if m.screen == screenCameras {
			return m, m.loadStrips()
		}
	}
	return m, nil
}

// listGeometry is the current screen's list: its cursor, length, the
// screen line of its first row and how many rows it shows. The numbers
// follow the views.
func (m *Model) listGeometry() (cursor *int, n, first, rows int) {
	switch m.screen {
	case screenCases:
		return &m.cases.cursor, len(m.cases.shown()), 3, m.height - 7
	case screenCase:
		first = len(m.caseHeader()) + 1
		return &m.caseView.cursor, len(m.caseView.detail.Entries), first, m.height - 13 - len(m.caseView.log)
	case screenCameras:
		return &m.picker.cursor, len(m.picker.shown), 3, m.pickerRows()
	case screenRetention:
		return &m.ret.cursor, len(m.ret.rows), 3, len(m.ret.rows)
	case screenArchive:
		return &m.arch.cursor, len(m.arch.rows), 3, len(m.arch.rows)
	}
	return nil, 0, 0, 0
}
