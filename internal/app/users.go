package app

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// User is a person as front ends show it.
type User struct {
	Login     string    `json:"login"`
	Role      Role      `json:"role"`
	Name      string    `json:"name,omitempty"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
}

func userOf(u store.User) User {
	return User{Login: u.Login, Role: Role(u.Role), Name: u.Name, Created: u.Created, CreatedBy: u.CreatedBy}
}

// AddUserRequest adds a person. With PostgreSQL the login is created (or,
// if it exists, put in the role's group) and Password is its password;
// it is sent to the server only as a SCRAM-SHA-256 verifier and never
// printed or audited.
type AddUserRequest struct {
	Login    string
	Role     Role
	Name     string
	Password string
}

// AddUser adds a person with a role and audits it (user.add), together.
// Admin only. With SQLite, while nobody is listed, the OS user must list
// themself first: once people are listed, only they may work in the store.
func (s *Service) AddUser(ctx context.Context, req AddUserRequest) (User, error) {
	me, err := s.need(ctx, "users add", "", RoleAdmin)
	if err != nil {
		return User{}, err
	}
	if err := store.ValidLogin(req.Login); err != nil {
		return User{}, fault.Wrap(fault.Usage, err)
	}
	if _, err := ParseRole(string(req.Role)); err != nil {
		return User{}, err
	}
	pg := s.store.Dialect() == store.Postgres
	if me.Bootstrap && !pg && req.Login != s.login {
		return User{}, fault.Usagef("add yourself first (klipp users add %s --role admin or analyst): once people are listed, only they may work in this store", s.login)
	}
	verifier := ""
	if req.Password != "" {
		if !pg {
			return User{}, fault.Fieldf("password", "a SQLite store has no logins; the person is the OS user")
		}
		if verifier, err = scramVerifier(req.Password); err != nil {
			return User{}, err
		}
	}
	u := store.User{Login: req.Login, Role: string(req.Role), Name: req.Name, Created: s.now().UTC(), CreatedBy: s.Who()}
	_, err = s.change(ctx, audit.Entry{Action: "user.add", Detail: map[string]string{"login": u.Login, "role": u.Role, "name": u.Name}},
		func(tx *store.Store) error {
			if err := tx.CreateUser(ctx, u); err != nil {
				if errors.Is(err, store.ErrExists) {
					return fault.Usagef("%s is listed already (klipp users set-role %s ROLE)", u.Login, u.Login)
				}
				return fault.Wrap(fault.Storage, err)
			}
			if pg {
				if err := tx.GrantLogin(ctx, u.Login, u.Role, verifier); errors.Is(err, store.ErrNoPassword) {
					return fault.Wrap(fault.Usage, err)
				} else if err != nil {
					return fault.Wrap(fault.Storage, err)
				}
			}
			return nil
		})
	if err != nil {
		return User{}, err
	}
	return userOf(u), nil
}

// Users lists the people, by login. Admin only.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	if _, err := s.need(ctx, "users list", "", RoleAdmin); err != nil {
		return nil, err
	}
	us, err := s.store.Users(ctx)
	if err != nil {
		return nil, fault.Wrap(fault.Storage, err)
	}
	out := []User{}
	for _, u := range us {
		out = append(out, userOf(u))
	}
	return out, nil
}

// SetRoleRequest gives a person another role.
type SetRoleRequest struct {
	Login string
	Role  Role
}

// SetRole changes a person's role and audits it (user.role), together;
// with PostgreSQL the login moves to the role's group. Admin only.
func (s *Service) SetRole(ctx context.Context, req SetRoleRequest) (User, error) {
	if _, err := s.need(ctx, "users set-role", "", RoleAdmin); err != nil {
		return User{}, err
	}
	if _, err := ParseRole(string(req.Role)); err != nil {
		return User{}, err
	}
	var u store.User
	detail := map[string]string{"login": req.Login, "role": string(req.Role)}
	_, err := s.change(ctx, audit.Entry{Action: "user.role", Detail: detail}, func(tx *store.Store) error {
		var err error
		if u, err = tx.GetUser(ctx, req.Login); errors.Is(err, store.ErrNotFound) {
			return fault.NotFoundf("no user %s (klipp users list)", req.Login)
		} else if err != nil {
			return fault.Wrap(fault.Storage, err)
		}
		detail["was"] = u.Role
		u.Role = string(req.Role)
		if err := tx.SetUserRole(ctx, u.Login, u.Role); err != nil {
			return fault.Wrap(fault.Storage, err)
		}
		if tx.Dialect() == store.Postgres {
			return fault.Wrap(fault.Storage, tx.GrantLogin(ctx, u.Login, u.Role, ""))
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	return userOf(u), nil
}

// scramVerifier is PostgreSQL's SCRAM-SHA-256 secret for a password
// (RFC 5802, RFC 7677), so the password itself never reaches the server.
func scramVerifier(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	const iterations = 4096
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", fault.Fieldf("password", "%v", err)
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	stored := sha256.Sum256(mac(salted, "Client Key"))
	b64 := base64.StdEncoding.EncodeToString
	return "SCRAM-SHA-256$4096:" + b64(salt) + "$" + b64(stored[:]) + ":" + b64(mac(salted, "Server Key")), nil
}
