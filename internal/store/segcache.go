package store

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"time"
)

// segCache keeps recent SegmentsBetween answers of an SQLite store for as
// long as the database is unchanged: SQLite's data_version, read on a
// connection of the cache's own, changes whenever any other connection (of
// this process or another) commits. A repeated coverage query (the UI's,
// as the analyst moves along the time bar) then costs a version check and
// a copy instead of reading and decoding every row again.
type segCache struct {
	mu      sync.Mutex
	conn    *sql.Conn
	version int64
	m       map[segKey][]Segment
}

type segKey struct {
	camera   string
	from, to int64
}

// segCacheSize bounds the answers kept; all are dropped when it is reached
// or the database changes.
const segCacheSize = 16

// dataVersion reads the database's change counter on the cache's own
// connection, opening it on first use.
func (c *segCache) dataVersion(ctx context.Context, db *sql.DB) (int64, error) {
	if c.conn == nil {
		conn, err := db.Conn(ctx)
		if err != nil {
			return 0, err
		}
		c.conn = conn
	}
	var v int64
	if err := c.conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		c.conn.Close()
		c.conn = nil
		return 0, err
	}
	return v, nil
}

// segments answers from the cache, or by query and remembers the answer.
// The caller gets its own copy of the slice.
func (c *segCache) segments(ctx context.Context, db *sql.DB, camera string, from, to time.Time, query func() ([]Segment, error)) ([]Segment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.dataVersion(ctx, db)
	if err != nil {
		return query()
	}
	if v != c.version || len(c.m) >= segCacheSize {
		c.version, c.m = v, map[segKey][]Segment{}
	}
	k := segKey{camera, from.UnixNano(), to.UnixNano()}
	if segs, ok := c.m[k]; ok {
		return slices.Clone(segs), nil
	}
	segs, err := query()
	if err != nil {
		return nil, err
	}
	// Read after the version: a commit in between makes the next check miss.
	c.m[k] = segs
	return slices.Clone(segs), nil
}

func (c *segCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}
