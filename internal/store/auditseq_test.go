package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestLastActions(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "klipp.db"))
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range []struct{ c, action string }{
		{"K-1", "case.create"}, {"K-1", "timeline.add"}, {"K-1", "export"}, {"K-2", "timeline.rm"}, {"K-1", "view"},
		{"K-1", "timeline.edit"}, {"K-1", "export.note"}, // not an export: the action is matched whole
	} {
		line := `{"seq":` + string(rune('1'+i)) + `,"who":"t","action":"` + row.action + `","case":"` + row.c + `","detail":{"text":"\"action\":\"export\""}}`
		if err := st.AppendAudit(ctx, AuditRow{Seq: int64(i + 1), Hash: "h", Case: row.c, Line: line}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.LastActions(ctx, "K-1", "export", "timeline.", "case.edit")
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 3 || got[1] != 6 || got[2] != 0 {
		t.Errorf("K-1: %v, want [3 6 0]", got)
	}
	if got, _ := st.LastActions(ctx, "K-2", "export", "timeline."); got[0] != 0 || got[1] != 4 {
		t.Errorf("K-2: %v, want [0 4]", got)
	}
}
