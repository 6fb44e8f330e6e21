package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// User is a person who works in klipp: a login (PostgreSQL's, or the OS
// user's with SQLite) with one role.
type User struct {
	Login     string
	Role      string
	Name      string
	Created   time.Time
	CreatedBy string
}

const userColumns = `login, role, name, created_ns, created_by`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var created int64
	err := row.Scan(&u.Login, &u.Role, &u.Name, &created, &u.CreatedBy)
	u.Created = time.Unix(0, created).UTC()
	return u, err
}

// CreateUser inserts u; ErrExists when the login has a row.
func (s *Store) CreateUser(ctx context.Context, u User) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?)`, u.Login, u.Role, u.Name, u.Created.UnixNano(), u.CreatedBy)
	if isDuplicate(err) {
		return fmt.Errorf("user %s: %w", u.Login, ErrExists)
	}
	return err
}

// GetUser returns the user with login; ErrNotFound when there is none (or,
// with PostgreSQL, when this login may not see it).
func (s *Store) GetUser(ctx context.Context, login string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE login = ?`, login))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %s: %w", login, ErrNotFound)
	}
	return u, err
}

// Users lists the users this login may see, by login.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	return queryAll(ctx, s.db, scanUser, `SELECT `+userColumns+` FROM users ORDER BY login`)
}

// CountUsers counts the users this login may see.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// SetUserRole changes a user's role; ErrNotFound when there is no such user.
func (s *Store) SetUserRole(ctx context.Context, login, role string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET role = ? WHERE login = ?`, role, login)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %s: %w", login, ErrNotFound)
	}
	return nil
}

// CurrentLogin is the PostgreSQL login of the connection (current_user),
// and whether it owns the store (a superuser or a member of the role that
// owns its tables): the one who set it up, who may add the first admin.
func (s *Store) CurrentLogin(ctx context.Context) (string, bool, error) {
	if s.dialect != Postgres {
		return "", false, errors.New("a SQLite store has no logins")
	}
	var login string
	var owner bool
	err := s.db.QueryRowContext(ctx, `SELECT current_user::text,
		COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false)
		OR pg_has_role((SELECT relowner FROM pg_class WHERE oid = 'users'::regclass), 'USAGE')`).Scan(&login, &owner)
	return login, owner, err
}

// LoginOwns reports whether login is a superuser or owns the store (as
// CurrentLogin's owner flag does for the connection's own login).
func (s *Store) LoginOwns(ctx context.Context, login string) (bool, error) {
	if s.dialect != Postgres {
		return false, nil
	}
	var owner bool
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = ?), false)
		OR COALESCE(pg_has_role(?, (SELECT relowner FROM pg_class WHERE oid = 'users'::regclass), 'USAGE'), false)`, login, login).Scan(&owner)
	return owner, err
}

// ErrNoPassword is returned when a new login is given no password.
var ErrNoPassword = errors.New("a new login needs a password (KLIPP_PASSWORD, or type it when asked)")

var loginRe = regexp.MustCompile(`^[a-z_][a-z0-9_.-]{0,62}$`)

// ValidLogin checks a login name: lower-case letters, digits, _ . - (a
// PostgreSQL role name that needs no care in quoting).
func ValidLogin(login string) error {
	if !loginRe.MatchString(login) {
		return fmt.Errorf("login %q: use lower-case letters, digits, '_', '.' and '-', starting with a letter or '_' (at most 63)", login)
	}
	return nil
}

// groupRole is the PostgreSQL group role of a klipp role.
func groupRole(role string) string { return "klipp_" + role }

// GrantLogin makes login a PostgreSQL login in the group role of role:
// created when it does not exist yet (with the password verifier, a
// SCRAM-SHA-256 secret, so no password reaches the server or its log),
// otherwise moved out of the other klipp group roles into that one (and
// given the verifier when there is one). PostgreSQL only.
func (s *Store) GrantLogin(ctx context.Context, login, role, verifier string) error {
	if s.dialect != Postgres {
		return errors.New("a SQLite store has no logins")
	}
	if err := ValidLogin(login); err != nil {
		return err
	}
	var exists bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?)`, login).Scan(&exists); err != nil {
		return err
	}
	if !exists && verifier == "" {
		return fmt.Errorf("login %s: %w", login, ErrNoPassword)
	}
	ident := `"` + login + `"`
	secret := ""
	if verifier != "" {
		secret = " PASSWORD '" + strings.ReplaceAll(verifier, "'", "''") + "'"
	}
	var stmts []string
	if !exists {
		stmts = append(stmts, "CREATE ROLE "+ident+" LOGIN"+secret)
	} else if secret != "" {
		stmts = append(stmts, "ALTER ROLE "+ident+secret)
	}
	for _, r := range []string{"analyst", "investigator", "archivist", "admin"} {
		if r != role && exists {
			stmts = append(stmts, "REVOKE "+groupRole(r)+" FROM "+ident)
		}
	}
	if role == "admin" {
		// An admin adds people: it may create logins and give each group.
		stmts = append(stmts, "ALTER ROLE "+ident+" CREATEROLE")
		for _, r := range []string{"analyst", "investigator", "archivist", "admin"} {
			stmts = append(stmts, "GRANT "+groupRole(r)+" TO "+ident+" WITH ADMIN OPTION")
		}
	} else {
		stmts = append(stmts, "GRANT "+groupRole(role)+" TO "+ident)
	}
	for _, q := range stmts {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("login %s: %w", login, err)
		}
	}
	return nil
}
