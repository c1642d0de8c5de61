package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/secret"
	"github.com/firstkey/firstkey/internal/store"
)

// SessionLifetime is the absolute lifetime of a session that no pass limits.
const SessionLifetime = 8 * time.Hour

// SessionIdleTimeout ends a session nobody has used for this long.
const SessionIdleTimeout = 30 * time.Minute

// ErrSignInFailed is all a person is told when a sign-in fails: it never reveals
// whether the account exists or holds a pass. The sign-in log keeps the reason.
var ErrSignInFailed = &domain.Error{Kind: domain.KindUnauthenticated, Code: "invalidCredentials",
	Message: "We couldn't sign you in with that account and Temporary Access Pass. Check both and try again, or ask your administrator for a new pass."}

// Attempt describes where a sign-in comes from, for the sign-in log.
type Attempt struct {
	UserPrincipalName string
	IPAddress         string
	UserAgent         string
	AppID             string
	AppDisplayName    string
}

// SignInResult is a successful sign-in: the new session and the token for its
// cookie. The token is shown to the browser only; the store keeps its hash.
type SignInResult struct {
	User    domain.User
	Session domain.Session
	Token   string
	PassID  string
}

// SignInWithPass checks a Temporary Access Pass and opens a session. A one-time pass
// is consumed atomically: of concurrent attempts with it, on any replica, exactly
// one succeeds.
func (s *Service) SignInWithPass(ctx context.Context, at Attempt, code string) (SignInResult, error) {
	now := s.now()
	log := domain.SignIn{
		ID: newID(), CreatedDateTime: now, UserPrincipalName: at.UserPrincipalName, IPAddress: at.IPAddress,
		UserAgent: at.UserAgent, AppID: at.AppID, AppDisplayName: at.AppDisplayName,
		AuthenticationMethod: domain.MethodTemporaryAccess, AuthenticationRequirement: domain.RequirementMFA,
		CorrelationID: correlationID(ctx),
	}
	fail := func(code int, reason string) (SignInResult, error) {
		log.ErrorCode, log.FailureReason = code, reason
		if err := s.store.CreateSignIn(ctx, log); err != nil {
			return SignInResult{}, fmt.Errorf("write sign-in log: %w", err)
		}
		s.log.InfoContext(ctx, "pass sign-in failed", "upn", at.UserPrincipalName, "error_code", code, "reason", reason, "ip", at.IPAddress)
		return SignInResult{}, ErrSignInFailed
	}

	u, err := s.store.GetUserByUPN(ctx, at.UserPrincipalName)
	if errors.Is(err, store.ErrNotFound) {
		s.burnTime(code)
		return fail(domain.SignInUserNotFound, "The user account does not exist in the directory.")
	}
	if err != nil {
		return SignInResult{}, fmt.Errorf("look up user: %w", err)
	}
	log.UserID, log.UserPrincipalName, log.UserDisplayName = u.ID, u.UserPrincipalName, u.DisplayName
	passes, err := s.store.ListUserPasses(ctx, u.ID)
	if err != nil {
		return SignInResult{}, fmt.Errorf("list passes: %w", err)
	}
	if len(passes) == 0 {
		s.burnTime(code)
		return fail(domain.SignInPassInvalid, "The user has no Temporary Access Pass.")
	}
	p := passes[0]
	log.AuthenticationMethodDetail = p.ID
	lock, err := s.store.GetLockout(ctx, u.ID)
	if err != nil {
		return SignInResult{}, fmt.Errorf("read lock-out: %w", err)
	}
	if lock.Locked(now) {
		s.burnTime(code)
		log.ErrorCode, log.FailureReason = domain.SignInAccountLocked, "The account is locked after too many failed sign-ins."
		if err := s.store.CreateSignIn(ctx, log); err != nil {
			return SignInResult{}, fmt.Errorf("write sign-in log: %w", err)
		}
		s.log.InfoContext(ctx, "sign-in refused: account locked", "user_id", u.ID, "ip", at.IPAddress)
		return SignInResult{}, ErrAccountLocked
	}
	ok, err := secret.Verify(p.Hash, code)
	if err != nil {
		return SignInResult{}, fmt.Errorf("verify pass %s: %w", p.ID, err)
	}
	if !ok {
		return s.wrongPass(ctx, u, p, fail)
	}
	if !u.AccountEnabled {
		return fail(domain.SignInAccountDisabled, "The user account is disabled.")
	}
	policy, err := s.store.GetTAPPolicy(ctx)
	if err != nil {
		return SignInResult{}, fmt.Errorf("read pass policy: %w", err)
	}
	groups, err := s.store.ListUserGroupIDs(ctx, u.ID)
	if err != nil {
		return SignInResult{}, fmt.Errorf("list groups: %w", err)
	}
	if usable, reason := p.Usability(now, policy, policy.Includes(groups)); !usable {
		switch reason {
		case domain.OneTimeUsed:
			return fail(domain.SignInPassUsed, "The one-time Temporary Access Pass was already used.")
		case domain.Expired:
			return fail(domain.SignInPassExpired, "The Temporary Access Pass has expired.")
		case domain.NotYetValid:
			return fail(domain.SignInPassNotYetValid, "The Temporary Access Pass is not valid yet.")
		default:
			return fail(domain.SignInPassBlocked, "The Temporary Access Pass is blocked by the authentication methods policy.")
		}
	}
	if p.IsUsableOnce {
		err := s.store.ConsumePass(ctx, p.ID, now)
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			return fail(domain.SignInPassUsed, "The one-time Temporary Access Pass was already used.")
		}
		if err != nil {
			return SignInResult{}, fmt.Errorf("consume pass: %w", err)
		}
	}
	if err := s.resetFailures(ctx, lock); err != nil {
		return SignInResult{}, err
	}
	sess, token, err := s.openSession(ctx, u, p, now)
	if err != nil {
		return SignInResult{}, err
	}
	log.Succeeded = true
	if err := s.store.CreateSignIn(ctx, log); err != nil {
		return SignInResult{}, fmt.Errorf("write sign-in log: %w", err)
	}
	s.log.InfoContext(ctx, "pass sign-in succeeded", "user_id", u.ID, "pass_id", p.ID, "one_time", p.IsUsableOnce, "ip", at.IPAddress)
	return SignInResult{User: u, Session: sess, Token: token, PassID: p.ID}, nil
}

// wrongPass counts a failed guess against the pass and revokes the pass at the cap,
// so that a pass cannot be brute-forced however slowly the guesses come.
func (s *Service) wrongPass(ctx context.Context, u domain.User, p domain.TemporaryAccessPass,
	fail func(int, string) (SignInResult, error)) (SignInResult, error) {
	if err := s.countFailure(ctx, u.ID, s.now()); err != nil {
		return SignInResult{}, err
	}
	n, err := s.store.RecordPassFailure(ctx, p.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return SignInResult{}, fmt.Errorf("count failed attempt: %w", err)
	}
	if n >= domain.MaxPassFailures {
		err := s.store.InTx(ctx, func(tx store.Store) error {
			return s.removePass(ctx, tx, domain.SystemActor(), u, p,
				fmt.Sprintf("Revoked after %d failed sign-in attempts", domain.MaxPassFailures))
		})
		if err != nil {
			return SignInResult{}, fmt.Errorf("revoke brute-forced pass: %w", err)
		}
		s.log.WarnContext(ctx, "pass revoked after too many failed attempts", "user_id", u.ID, "pass_id", p.ID)
	}
	return fail(domain.SignInPassInvalid, "The Temporary Access Pass is incorrect.")
}

// burnTime spends as long as checking a real pass, so that a response's timing does
// not tell an attacker whether the account or its pass exists.
func (s *Service) burnTime(code string) { _, _ = secret.Verify(s.dummyHash, code) }

// openSession creates a session for a pass sign-in. A session never outlives its
// pass, and one from a one-time pass may only register methods for ten minutes.
func (s *Service) openSession(ctx context.Context, u domain.User, p domain.TemporaryAccessPass, now time.Time) (domain.Session, string, error) {
	expires := now.Add(SessionLifetime)
	if p.IsUsableOnce {
		expires = now.Add(domain.RegistrationOnlyWindow)
	}
	if end := p.End(); end.Before(expires) {
		expires = end
	}
	return s.newSession(ctx, u, []string{domain.AMRTap, domain.AMRMFA}, p.ID, p.IsUsableOnce, expires, now)
}

// newSession stores a fresh session under a new random id: every sign-in gets a new
// id, so an id planted before sign-in (session fixation) is worthless.
func (s *Service) newSession(ctx context.Context, u domain.User, amr []string, passID string, registrationOnly bool, expires, now time.Time) (domain.Session, string, error) {
	token, err := secret.Token()
	if err != nil {
		return domain.Session{}, "", fmt.Errorf("generate session id: %w", err)
	}
	sess := domain.Session{
		IDHash: secret.LookupHash(token), UserID: u.ID, AMR: amr, PassID: passID, RegistrationOnly: registrationOnly,
		CreatedDateTime: now, LastSeenDateTime: now, ExpiresDateTime: expires, AuthTime: now,
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return domain.Session{}, "", fmt.Errorf("store session: %w", err)
	}
	return sess, token, nil
}

// Session returns the live session for a cookie token, or an Unauthenticated error.
func (s *Service) Session(ctx context.Context, token string) (domain.Session, error) {
	sess, err := s.store.GetSession(ctx, secret.LookupHash(token))
	if errors.Is(err, store.ErrNotFound) {
		return domain.Session{}, unauthenticated("Your session has ended; sign in again.")
	}
	if err != nil {
		return domain.Session{}, fmt.Errorf("load session: %w", err)
	}
	now := s.now()
	if !now.Before(sess.ExpiresDateTime) || !now.Before(sess.LastSeenDateTime.Add(SessionIdleTimeout)) {
		if err := s.store.DeleteSession(ctx, sess.IDHash); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.ErrorContext(ctx, "delete ended session", "err", err)
		}
		return domain.Session{}, unauthenticated("Your session has ended; sign in again.")
	}
	// Record activity at most once a minute: enough for the idle timeout, without a
	// write on every page view.
	if now.Sub(sess.LastSeenDateTime) >= time.Minute {
		sess, err = s.store.UpdateSession(ctx, sess.IDHash, func(x domain.Session) (domain.Session, error) {
			x.LastSeenDateTime = now
			return x, nil
		})
		if err != nil {
			return domain.Session{}, fmt.Errorf("touch session: %w", err)
		}
	}
	return sess, nil
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, token string) error {
	err := s.store.DeleteSession(ctx, secret.LookupHash(token))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}
