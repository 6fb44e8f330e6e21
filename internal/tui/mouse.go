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
		cursor, first, rowOf := m.listLines()
		if cursor == nil || msg.Y < first || msg.Y-first >= len(rowOf) {
			return m, nil
		}
		i := rowOf[msg.Y-first]
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

// listLines is the current screen's list: its cursor, the screen line of
// its first row, and the row each line from there shows. The numbers
// follow the views.
func (m *Model) listLines() (cursor *int, first int, rowOf []int) {
	if m.screen == screenCases {
		_, rowOf = m.caseListLines()
		return &m.cases.cursor, 3, rowOf
	}
	var n, rows int
	switch m.screen {
	case screenCase:
		cursor, n, first, rows = &m.caseView.cursor, len(m.caseView.detail.Entries), len(m.caseHeader())+1, m.entryRows()
	case screenCameras:
		cursor, n, first, rows = &m.picker.cursor, len(m.picker.shown), 3, m.pickerRows()
	case screenRetention:
		cursor, n, first, rows = &m.ret.cursor, len(m.ret.rows), 3, m.retentionRows()
	case screenArchive:
		cursor, n, first, rows = &m.arch.cursor, len(m.arch.rows), 3, m.archiveRows()
	default:
		return nil, 0, nil
	}
	for i := scrollTop(*cursor, n, rows); i < n && len(rowOf) < rows; i++ {
		rowOf = append(rowOf, i)
	}
	return cursor, first, rowOf
}
