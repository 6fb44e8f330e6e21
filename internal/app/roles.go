package app

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"strings"

	"github.com/klipp-forensics/klipp/internal/audit"
	"github.com/klipp-forensics/klipp/internal/fault"
	"github.com/klipp-forensics/klipp/internal/store"
)

// Role is what a person may do in klipp (design.md §8b).
type Role string

// The roles. Investigators file requests and follow their own; analysts
// work cases, timelines, cuts and exports and accept requests; archivists
// work retention, preservation, the archive and legal holds across cases;
// admins manage people and the camera catalog.
const (
	RoleAnalyst      Role = "analyst"
	RoleInvestigator Role = "investigator"
	RoleArchivist    Role = "archivist"
	RoleAdmin        Role = "admin"
)

// Roles are every role, in the order they are listed.
var Roles = []Role{RoleAnalyst, RoleInvestigator, RoleArchivist, RoleAdmin}

// staff are the roles that see every case.
var staff = []Role{RoleAnalyst, RoleArchivist, RoleAdmin}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fault.Fieldf("role", "%q: use analyst, investigator, archivist or admin", s)
}

// Identity is who is working: the login (PostgreSQL's current_user, or
// with SQLite the OS user) and what they may do.
type Identity struct {
	Login string `json:"login"`
	Name  string `json:"name,omitempty"`
	Roles []Role `json:"roles"`
	// Bootstrap: every role, because nobody is listed yet (SQLite) or
	// because this login owns the store (PostgreSQL: who set it up).
	Bootstrap bool `json:"bootstrap,omitempty"`
}

// Has reports whether the identity has one of roles.
func (id Identity) Has(roles ...Role) bool {
	for _, have := range id.Roles {
		for _, want := range roles {
			if have == want {
				return true
			}
		}
	}
	return false
}

// OnlyInvestigator reports an identity that sees only its own requests.
func (id Identity) OnlyInvestigator() bool { return id.Has(RoleInvestigator) && !id.Has(staff...) }

// identify finds the login the service works as: with PostgreSQL the
// connection's login, with SQLite the OS user. No flag or setting names
// it, so nobody can claim to be someone else.
func (s *Service) identify(ctx context.Context) error {
	if s.store.Dialect() == store.Postgres {
		login, owner, err := s.store.CurrentLogin(ctx)
		if err != nil {
			return fault.Wrap(fault.Storage, fmt.Errorf("who am I: %w", err))
		}
		s.login, s.owner = login, owner
		return nil
	}
	u, err := user.Current()
	if err != nil {
		return fault.Wrap(fault.Internal, fmt.Errorf("who am I: %w", err))
	}
	s.login = u.Username
	return nil
}

// actingFor is the service working a job for the login that asked for it:
// its roles are that person's, its audit entries name that person, and the
// worker's own login is recorded beside them.
func (s *Service) actingFor(ctx context.Context, login string) (*Service, error) {
	if login == "" || login == s.login {
		return s, nil
	}
	v := s.view()
	v.via, v.login, v.owner = s.login, login, false
	if s.store.Dialect() == store.Postgres {
		owner, err := s.store.LoginOwns(ctx, login)
		if err != nil {
			return nil, fault.Wrap(fault.Storage, fmt.Errorf("who asked: %w", err))
		}
		v.owner = owner
	}
	return v, nil
}

// Me is the identity the service works as, read now (an admin may have
// changed its role since the service opened).
func (s *Service) Me(ctx context.Context) (Identity, error) {
	id := Identity{Login: s.login}
	if s.owner {
		id.Roles, id.Bootstrap = []Role{RoleAnalyst, RoleArchivist, RoleAdmin}, true
		return id, nil
	}
	if s.store.Dialect() == store.SQLite {
		n, err := s.store.CountUsers(ctx)
		if err != nil {
			return id, fault.Wrap(fault.Storage, err)
		}
		if n == 0 {
			id.Roles, id.Bootstrap = []Role{RoleAnalyst, RoleArchivist, RoleAdmin}, true
			return id, nil
		}
	}
	u, err := s.store.GetUser(ctx, s.login)
	if errors.Is(err, store.ErrNotFound) {
		return id, nil
	}
	if err != nil {
		return id, fault.Wrap(fault.Storage, err)
	}
	id.Name, id.Roles = u.Name, []Role{Role(u.Role)}
	return id, nil
}

// need lets an action through when the person has one of roles; otherwise
// it audits the refusal (action denied) and returns a usage error naming
// the role needed. caseNumber is the case acted on, if any: it goes into
// the entry's detail, as a refused person may not write its audit rows.
func (s *Service) need(ctx context.Context, action, caseNumber string, roles ...Role) (Identity, error) {
	me, err := s.Me(ctx)
	if err != nil || me.Has(roles...) {
		return me, err
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	needs := strings.Join(names, " or ")
	detail := map[string]string{"action": action, "needs": needs, "roles": rolesText(me.Roles)}
	if caseNumber != "" {
		detail["case"] = caseNumber
	}
	if _, err := s.record(ctx, audit.Entry{Action: "denied", Detail: detail}); err != nil {
		return me, err
	}
	if len(me.Roles) == 0 {
		return me, fault.Usagef("%s needs the %s role; %s is not a klipp user (an admin adds people with klipp users add)", action, needs, me.Login)
	}
	return me, fault.Usagef("%s needs the %s role; %s is %s", action, needs, me.Login, rolesText(me.Roles))
}

// Need is need for front ends and other packages' checks: nil when the
// person may do action.
func (s *Service) Need(ctx context.Context, action, caseNumber string, roles ...Role) error {
	_, err := s.need(ctx, action, caseNumber, roles...)
	return err
}

func rolesText(roles []Role) string {
	if len(roles) == 0 {
		return "nobody"
	}
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = string(r)
	}
	return strings.Join(parts, "+")
}
