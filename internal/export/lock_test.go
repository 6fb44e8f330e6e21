package export

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

// A file lock is exclusive (flock is per open file, so it shows within one
// process too), tells the second taker who holds it, and is free again
// after Unlock.
func TestFileLocker(t *testing.T) {
	ctx := context.Background()
	l := FileLocker{Dir: t.TempDir()}
	a, err := l.TryLock(ctx, "export-K1", Holder{What: "export of case K1", By: "Ingrid"})
	if err != nil {
		t.Fatal(err)
	}
	a.SetHolder(Holder{What: "export of case K1", ExportID: "20261124T042501Z", By: "Ingrid"})
	_, err = l.TryLock(ctx, "export-K1", Holder{What: "export of case K1"})
	var held *ErrHeld
	if !errors.As(err, &held) || held.Holder.PID != os.Getpid() || held.Holder.ExportID != "20261124T042501Z" || held.Holder.By != "Ingrid" {
		t.Fatalf("second lock: %v (%+v)", err, held)
	}
	if _, err := l.TryLock(ctx, "export-K2", Holder{}); err != nil {
		t.Errorf("another case: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		lk, err := LockWait(ctx, l, "export-K1", Holder{}, true, nil)
		if err == nil {
			lk.Unlock()
		}
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	a.Unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter never got the lock")
	}
}
