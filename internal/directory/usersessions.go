package directory

import (
	"context"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

// UserSessions lists a user's live browser sessions, the most recently used first.
func (s *Service) UserSessions(ctx context.Context, actor domain.Actor, userRef string) ([]domain.Session, error) {
	if err := actor.Require(domain.ActReadUsers); err != nil {
		return nil, err
	}
	u, err := s.ResolveUser(ctx, userRef)
	if err != nil {
		return nil, err
	}
	all, err := s.store.ListUserSessions(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	now := s.now()
	live := all[:0]
	for _, se := range all {
		if now.Before(se.ExpiresDateTime) && now.Before(se.LastSeenDateTime.Add(SessionIdleTimeout)) {
			live = append(live, se)
		}
	}
	return live, nil
}

// AppSignIn is an application a user is signed in to: a grant whose tokens
// still work, with the application's name.
type AppSignIn struct {
	domain.Grant
	AppName string
}

// UserGrants lists the applications a user is signed in to, the newest first.
func (s *Service) UserGrants(ctx context.Context, actor domain.Actor, userRef string) ([]AppSignIn, error) {
	if err := actor.Require(domain.ActReadUsers); err != nil {
		return nil, err
	}
	u, err := s.ResolveUser(ctx, userRef)
	if err != nil {
		return nil, err
	}
	all, err := s.store.ListUserGrants(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	now := s.now()
	var out []AppSignIn
	for _, g := range all {
		if !g.Active(now) {
			continue
		}
		name := g.ClientID
		if a, err := s.store.GetApplicationByClientID(ctx, g.ClientID); err == nil {
			name = a.DisplayName
		}
		out = append(out, AppSignIn{Grant: g, AppName: name})
	}
	return out, nil
}

// Revoked says what RevokeSessions ended.
type Revoked struct {
	Sessions int // browser sessions
	Grants   int // applications' tokens (sign-ins with their refresh tokens)
}

// RevokeSessions signs a user out everywhere: it ends every browser session and
// revokes every token applications hold from their sign-ins, as Graph's
// revokeSignInSessions does. Their next request is signed out. Who may do it is
// who may help the user (mayHelp).
func (s *Service) RevokeSessions(ctx context.Context, actor domain.Actor, userRef string) (Revoked, error) {
	var out Revoked
	err := s.store.InTx(ctx, func(tx store.Store) error {
		u, err := s.lockedTarget(ctx, tx, actor, userRef)
		if err != nil {
			return err
		}
		if out.Sessions, err = tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		if out.Grants, err = tx.RevokeGrants(ctx, domain.GrantFilter{UserID: u.ID}, s.now(), "sessions revoked by an administrator"); err != nil {
			return fmt.Errorf("revoke tokens: %w", err)
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityRevokeSessions, category: domain.CategoryUserManagement,
			op: "Update", targets: []domain.AuditTarget{userTarget(u)},
			details: []domain.KeyValue{{Key: "SessionsEnded", Value: fmt.Sprint(out.Sessions)}, {Key: "TokensRevoked", Value: fmt.Sprint(out.Grants)}}})
	})
	if err != nil {
		return Revoked{}, err
	}
	return out, nil
}

// Lockout is the sign-in lock-out of a user's name: failed pass attempts counted
// across every source and per source (SPEC §4).
type Lockout struct {
	Failures    int       // failed attempts counted across every source
	LockedUntil time.Time // the latest end of a lock in force; zero when none is
	Sources     int       // sources with failures counted
}

// Locked reports whether any lock is in force.
func (l Lockout) Locked() bool { return !l.LockedUntil.IsZero() }

// LockoutOf reads the lock-out state of a user's name.
func (s *Service) LockoutOf(ctx context.Context, actor domain.Actor, userRef string) (Lockout, error) {
	if err := actor.Require(domain.ActReadUsers); err != nil {
		return Lockout{}, err
	}
	u, err := s.ResolveUser(ctx, userRef)
	if err != nil {
		return Lockout{}, err
	}
	account, sources := s.lockoutKeys(domain.NormalizeUPN(u.UserPrincipalName))
	acc, err := s.store.GetThrottle(ctx, account)
	if err != nil {
		return Lockout{}, fmt.Errorf("read lock-out: %w", err)
	}
	per, err := s.store.ListThrottles(ctx, sources)
	if err != nil {
		return Lockout{}, fmt.Errorf("read lock-out: %w", err)
	}
	now := s.now()
	l := Lockout{Failures: acc.Count, Sources: len(per)}
	for _, th := range append(per, acc) {
		if th.Locked(now) && th.LockedUntil.After(l.LockedUntil) {
			l.LockedUntil = th.LockedUntil
		}
	}
	return l, nil
}

// Unlock clears the lock-out of a user's name, on every source, so that they can
// sign in with a pass again at once. Who may do it is who may help the user.
func (s *Service) Unlock(ctx context.Context, actor domain.Actor, userRef string) error {
	return s.store.InTx(ctx, func(tx store.Store) error {
		u, err := s.lockedTarget(ctx, tx, actor, userRef)
		if err != nil {
			return err
		}
		account, sources := s.lockoutKeys(domain.NormalizeUPN(u.UserPrincipalName))
		if err := tx.DeleteThrottle(ctx, account); err != nil {
			return fmt.Errorf("clear lock-out: %w", err)
		}
		if _, err := tx.DeleteThrottles(ctx, sources); err != nil {
			return fmt.Errorf("clear lock-out: %w", err)
		}
		return s.record(ctx, tx, actor, entry{activity: domain.ActivityResetLockout, category: domain.CategoryUserManagement,
			op: "Update", targets: []domain.AuditTarget{userTarget(u)}})
	})
}

// lockedTarget resolves the user an administrator acts on, locks their row so
// that the decision holds until the change commits, and checks mayHelp.
func (s *Service) lockedTarget(ctx context.Context, tx store.Store, actor domain.Actor, userRef string) (domain.User, error) {
	u, err := resolveUser(ctx, tx, userRef)
	if err != nil {
		return domain.User{}, err
	}
	if u, err = tx.UpdateUser(ctx, u.ID, func(old domain.User) (domain.User, error) { return old, nil }); err != nil {
		return domain.User{}, fmt.Errorf("lock user: %w", err)
	}
	roles, err := tx.ListUserRoles(ctx, u.ID)
	if err != nil {
		return domain.User{}, fmt.Errorf("list roles of %s: %w", u.ID, err)
	}
	return u, mayHelp(actor, u, roles)
}

// mayHelp decides who may sign a user out everywhere or clear their lock-out:
// as in Entra, both those who manage the user's authentication methods and
// those who manage the user (Authentication and User Administrators, each
// within their reach; see domain.Actor).
func mayHelp(actor domain.Actor, u domain.User, roles []domain.Role) error {
	methods := actor.CanManageMethodsOf(u, roles)
	if methods == nil {
		return nil
	}
	user := actor.CanManageUser(u, roles)
	if user == nil {
		return nil
	}
	if actor.Can(domain.ActWriteMethods) {
		return methods
	}
	return user
}
