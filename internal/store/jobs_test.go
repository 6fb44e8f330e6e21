package store

import (
	"context"
	"testing"
	"time"
)

func TestJobProgressAndWorkers(t *testing.T) { dialects(t, testJobProgressAndWorkers) }

func testJobProgressAndWorkers(t *testing.T, where string) {
	ctx := context.Background()
	st := open(t, where)
	now := time.Unix(1800000000, 0).UTC()
	if err := st.PutJobProgress(ctx, JobProgress{JobID: 7, Label: "clips", Done: 1, Total: 4, Line: "entry 1", Updated: now}); err != nil {
		t.Fatal(err)
	}
	// A progress update without a line keeps the last line.
	if err := st.PutJobProgress(ctx, JobProgress{JobID: 7, Label: "clips", Done: 3, Total: 4, Updated: now.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	got, err := st.JobProgress(ctx, 7, 8)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := got[7]; len(got) != 1 || !ok || p.Done != 3 || p.Line != "entry 1" || !p.Updated.Equal(now.Add(time.Second)) {
		t.Errorf("progress: %+v", got)
	}
	w := Worker{ID: "host-1-a", Host: "host", PID: 1, Queues: []string{"export", "media"}, Started: now, LastSeen: now}
	if err := st.BeatWorker(ctx, w); err != nil {
		t.Fatal(err)
	}
	w.LastSeen = now.Add(5 * time.Second)
	if err := st.BeatWorker(ctx, w); err != nil {
		t.Fatal(err)
	}
	old := Worker{ID: "host-2-b", Host: "host", PID: 2, Queues: []string{"index"}, Started: now.Add(-time.Hour), LastSeen: now.Add(-time.Hour)}
	if err := st.BeatWorker(ctx, old); err != nil {
		t.Fatal(err)
	}
	live, err := st.Workers(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 1 || live[0].ID != w.ID || len(live[0].Queues) != 2 || !live[0].LastSeen.Equal(w.LastSeen) {
		t.Errorf("live workers: %+v", live)
	}
	if err := st.RemoveWorker(ctx, w.ID, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if all, _ := st.Workers(ctx, time.Time{}); len(all) != 0 {
		t.Errorf("after remove (and the long-dead one): %+v", all)
	}
}
