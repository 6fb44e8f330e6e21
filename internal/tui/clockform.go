package tui

import (
	tea "charm.land/bubbletea/v2"
)

// openClockForm records what the recorder's on-screen clock shows in the
// frame on screen (klipp cameras clock add ID --frame T --shows …): the
// field starts with the time klipp's clock model gives for the frame, in
// the camera's zone, to be corrected to what the picture reads.
func (m Model) openClockForm() (tea.Model, tea.Cmd) {
	f := m.frames
	if f.frame == nil || f.frame.Image == nil || f.void != nil || f.err != "" {
		return m.say("no frame here to read a clock from: step to footage first"), nil
	}
	zone := f.frame.CameraZone
	if zone == nil {
		zone = m.zone
	}
	shown := f.frame.CameraClock
	if shown.IsZero() {
		shown = f.frame.At
	}
	at := m.shownTime()
	form := newFieldForm(formClock, "clock reading", "Clock reading: "+f.cameraName+", frame at "+m.showMs(at)+" (true time)", m.width,
		formField{"Clock shows", "shows", "as it reads, e.g. 2026-11-20 22:14:09", shown.In(zone).Format("2006-01-02 15:04:05")},
		formField{"Note", "note", "optional, e.g. top-left stamp", ""},
	)
	form.camera, form.date = f.camera, at
	var clear tea.Cmd
	if m.graphics == GraphicsKitty {
		clear = tea.Raw(kittyDelete) // the form is drawn where the picture was
	}
	mm, cmd := m.openForm(form)
	mm = mm.say("type what the on-screen time reads in this frame (" + zone.String() + "); enter on the note saves")
	return mm, tea.Batch(clear, cmd)
}
