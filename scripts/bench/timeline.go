package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/klipp-forensics/klipp/internal/app"
	"github.com/klipp-forensics/klipp/internal/config"
	"github.com/klipp-forensics/klipp/internal/pgtest"
)

// timelineBench measures `timeline add` through the service (the store
// change and its audit entry in one transaction) with 1 and with 20
// concurrent clients, on SQLite and on a shared PostgreSQL it starts
// itself. Each client is a service of its own, as a process would be.
func timelineBench() error {
	pg, err := pgtest.Run()
	if err != nil {
		return err
	}
	defer pg.Stop()
	for _, clients := range []int{1, 20} {
		for _, dialect := range []string{"sqlite", "postgres"} {
			db := fmt.Sprintf("tl_%s_%d", dialect, clients)
			url := ""
			if dialect == "postgres" {
				if out, err := pg.Psql("-d", "postgres", "-c", "CREATE DATABASE "+db).CombinedOutput(); err != nil {
					return fmt.Errorf("create database: %v %s", err, out)
				}
				url = pg.URL(db)
			}
			lat, err := timelineAdds(url, clients, 1000/clients)
			if err != nil {
				return fmt.Errorf("%s, %d clients: %w", dialect, clients, err)
			}
			fmt.Printf("timeline add, %-8s %2d client(s): %4d adds, p50 %6.2f ms, p99 %6.2f ms\n", dialect, clients, len(lat), ms(pct(lat, 50)), ms(pct(lat, 99)))
		}
	}
	return nil
}

// timelineAdds runs each client's adds on one case and returns every
// add's latency.
func timelineAdds(url string, clients, each int) ([]time.Duration, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "klipp-bench-timeline-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "cameras.yaml"), []byte("cameras:\n  - {id: cam, name: Kamera, owner: kommun, location: {lat: 55.6, lon: 13.0}, timezone: UTC}\n"), 0o644)
	open := func() (*app.Service, error) {
		cfg, err := config.Load("", map[string]string{"data_dir": filepath.Join(dir, "data"), "catalog": filepath.Join(dir, "cameras.yaml"), "timezone": "UTC"})
		if err != nil {
			return nil, err
		}
		cfg.Store.URL = url
		return app.Open(ctx, cfg, app.Options{})
	}
	first, err := open()
	if err != nil {
		return nil, err
	}
	defer first.Close()
	t0 := time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC)
	if _, err := first.CreateCase(ctx, app.CreateCaseRequest{Number: "K-BENCH", Title: "bench", From: t0, To: t0.Add(time.Hour)}); err != nil {
		return nil, err
	}
	svcs := []*app.Service{first}
	for len(svcs) < clients {
		s, err := open()
		if err != nil {
			return nil, err
		}
		defer s.Close()
		svcs = append(svcs, s)
	}
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	for i, s := range svcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				at := t0.Add(time.Duration(i*each+j) * time.Second)
				start := time.Now()
				_, err := s.AddEntry(ctx, app.AddEntryRequest{Case: "K-BENCH", Camera: "cam", At: at, Text: fmt.Sprintf("client %d, entry %d", i, j)}, nil)
				d := time.Since(start)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if rep, err := first.AuditVerify(ctx); err != nil || rep.Entries != 1+clients*each {
		return nil, fmt.Errorf("after the adds the audit chain has %d entries (%v), want %d", rep.Entries, err, 1+clients*each)
	}
	return lat, nil
}

// pct is the p-th percentile of ds.
func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p+99)/100 - 1
	return s[max(0, min(i, len(s)-1))]
}
