// Package store is klipp's persistence: the segment index, cases,
// timelines, exports, the archive queue and the audit chain. One schema in
// two dialects: SQLite (embedded, the default: one analyst, one machine)
// and PostgreSQL (shared by a region's group). Migrations are numbered
// .sql files per dialect, embedded in the binary and applied in order on
// open. Queries are written once with ? placeholders; for PostgreSQL they
// are rebound to $1, $2, ….
package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is an open database, or (inside InTx) one transaction on it.
type Store struct {
	sqldb   *sql.DB
	db      rebinder // sqldb, or the transaction InTx runs in
	inTx    bool
	dialect string
	where   string            // the file or the URL without its password, for messages
	roots   map[string]string // named roots → this machine's mount points
	segs    *segCache         // SQLite, outside transactions: recent segment queries
}

// UseRoots sets the named roots (roots: in klipp.yaml) that stored paths
// are relative to: a path below one is stored relative to it, and read
// back below this machine's mount point for it. Call it once after Open.
func (s *Store) UseRoots(roots map[string]string) { s.roots = roots }

// unroot splits an absolute path into the named root it lies below (the
// deepest) and the slash path below it; ("", p) when it is below none.
func (s *Store) unroot(p string) (root, rel string) {
	best := ""
	for name, dir := range s.roots {
		r, err := filepath.Rel(dir, p)
		if err != nil || r == ".." || strings.HasPrefix(r, "../") || filepath.IsAbs(r) {
			continue
		}
		if len(dir) > len(best) {
			root, rel, best = name, filepath.ToSlash(r), dir
		}
	}
	if root == "" {
		return "", p
	}
	return root, rel
}

// rooted is a stored path on this machine: below its mount point for root.
// A root this machine does not map leaves the path relative (and so not
// found, naming it).
func (s *Store) rooted(root, p string) string {
	if root == "" {
		return p
	}
	if dir, ok := s.roots[root]; ok {
		return filepath.Join(dir, filepath.FromSlash(p))
	}
	return p
}

// querier is what *sql.DB and *sql.Tx share: every query method runs on
// either, so a service can make several changes in one transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Open opens the store at where and migrates it: a postgres:// URL for the
// shared PostgreSQL store, otherwise the path of a SQLite file (created
// if needed). A URL's password may come from PGPASSWORD or ~/.pgpass and
// is never part of a message.
func Open(ctx context.Context, where string) (*Store, error) {
	if IsURL(where) {
		return openPostgres(ctx, where)
	}
	path := where
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	s := &Store{sqldb: db, db: rebinder{q: db}, dialect: SQLite, where: path, segs: &segCache{}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return s, nil
}

// IsURL reports whether where names a PostgreSQL server rather than a file.
func IsURL(where string) bool {
	return strings.HasPrefix(where, "postgres://") || strings.HasPrefix(where, "postgresql://")
}

// Dialect is SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

// Where is the store's file, or its URL without a password.
func (s *Store) Where() string { return s.where }

// Close closes the database.
func (s *Store) Close() error {
	if s.segs != nil {
		s.segs.close()
	}
	return s.sqldb.Close()
}

// Tx runs fn in a transaction, committing when it returns nil.
func (s *Store) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if tx, ok := s.db.q.(*sql.Tx); ok {
		return fn(tx) // already inside InTx: part of that transaction
	}
	tx, err := s.sqldb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// InTx runs fn with a Store whose every method is part of one transaction,
// committed when fn returns nil and rolled back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.inTx {
		return fn(s)
	}
	tx, err := s.sqldb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&Store{sqldb: s.sqldb, db: rebinder{q: tx, pg: s.dialect == Postgres}, inTx: true, dialect: s.dialect, where: s.where, roots: s.roots}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (s *Store) migrate(ctx context.Context) error {
	exists := false
	if s.dialect == Postgres { // a person's login may not create tables, even one that exists
		if err := s.db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
			return err
		}
	}
	if !exists {
		if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
			return err
		}
	}
	dir := "migrations/" + s.dialect
	entries, err := migrations.ReadDir(dir)
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migration %s: name must start with its number", e.Name())
		}
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return err
		}
		err = s.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", e.Name(), err)
			}
			_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO schema_migrations (version, name) VALUES (?, ?)`), version, e.Name())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}

// queryAll runs a query and scans every row it returns.
func queryAll[T any](ctx context.Context, db rebinder, scan func(interface{ Scan(...any) error }) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// rebinder runs queries written with ? placeholders on SQLite as they are
// and on PostgreSQL with $1, $2, ….
type rebinder struct {
	q  querier
	pg bool
}

func (r rebinder) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.q.ExecContext(ctx, r.bind(query), args...)
}

func (r rebinder) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.q.QueryContext(ctx, r.bind(query), args...)
}

func (r rebinder) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return r.q.QueryRowContext(ctx, r.bind(query), args...)
}

func (r rebinder) bind(q string) string {
	if !r.pg {
		return q
	}
	return rebind(q)
}

// rebind replaces each ? outside quotes with $N.
func rebind(q string) string {
	var b strings.Builder
	n, quoted := 0, false
	for _, c := range q {
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (s *Store) rebind(q string) string { return rebinder{pg: s.dialect == Postgres}.bind(q) }
