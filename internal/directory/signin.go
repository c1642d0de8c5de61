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

// ErrPassUsed and ErrPassExpired are told only to someone who typed the right
// pass for the account: they already hold the pass, so saying why it no longer
// works reveals nothing, and they learn to ask for a new one instead of
// retyping it. Every wrong pass, unknown account or disabled one stays
// ErrSignInFailed.
var (
	ErrPassUsed = &domain.Error{Kind: domain.KindUnauthenticated, Code: "passUsed",
		Message: "This one-time Temporary Access Pass has already been used. Ask your administrator for a new pass."}
	ErrPassExpired = &domain.Error{Kind: domain.KindUnauthenticated, Code: "passExpired",
		Message: "This Temporary Access Pass has expired. Ask your administrator for a new pass."}
)

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

// signInFailure is a refused sign-in with the precise reason for the log.
type signInFailure struct {
	code   int
	reason string
}

func (f *signInFailure) Error() string { return f.reason }

func refuse(code int, reason string) *signInFailure {
	return &signInFailure{code: code, reason: reason}
}

// unnamed stands in the logs for a typed name that is no user principal name:
// people type passes into the username field, and those must not be kept.
const unnamed = "(not a user principal name)"

// loggableName is what the logs may keep of a typed name.
func loggableName(name string) string {
	if domain.ValidateUPN(name) != nil {
		return unnamed
	}
	return name
}

// SignInWithPass checks a Temporary Access Pass and opens a session.
//
// The order is what makes it hold under concurrency: the sign-in is admitted
// first (no admission, no work: ErrBusy; see hashGate); then the attempt is counted against the typed name
// before the pass is checked, so a burst cannot pass the lock-out check together;
// then the pass is checked in a hashing slot, outside any transaction; and then, on success, the
// user's and the pass's rows are written (which serialises with a concurrent
// disablement or deletion), the one-time pass consumed, the lock-out cleared,
// the session created and the sign-in logged in one transaction, or none of it.
func (s *Service) SignInWithPass(ctx context.Context, at Attempt, code string) (SignInResult, error) {
	now := s.now()
	name := domain.NormalizeUPN(at.UserPrincipalName)
	log := domain.SignIn{
		ID: newID(), CreatedDateTime: now, UserPrincipalName: loggableName(name), IPAddress: at.IPAddress,
		UserAgent: at.UserAgent, AppID: at.AppID, AppDisplayName: at.AppDisplayName,
		AuthenticationMethod: domain.MethodTemporaryAccess, AuthenticationRequirement: domain.RequirementMFA,
		CorrelationID: correlationID(ctx),
	}
	release, err := s.hashes.tryAcquire(ctx)
	if err != nil {
		if errors.Is(err, ErrBusy) {
			s.log.WarnContext(ctx, "pass sign-in refused: every hash slot is busy", "ip", at.IPAddress)
			return SignInResult{}, &RetryAfter{Err: ErrBusy, After: BusyRetryAfter}
		}
		return SignInResult{}, err
	}
	defer release()

	lockedUntil, err := s.reserveAttempt(ctx, name, at.IPAddress, now)
	if err != nil {
		return SignInResult{}, err
	}
	u, userErr := s.store.GetUserByUPN(ctx, name)
	if userErr != nil && !errors.Is(userErr, store.ErrNotFound) {
		return SignInResult{}, fmt.Errorf("look up user: %w", userErr)
	}
	var passes []domain.TemporaryAccessPass
	if userErr == nil {
		log.UserID, log.UserPrincipalName, log.UserDisplayName = u.ID, u.UserPrincipalName, u.DisplayName
		if passes, err = s.store.ListUserPasses(ctx, u.ID); err != nil {
			return SignInResult{}, fmt.Errorf("list passes: %w", err)
		}
		if len(passes) > 0 {
			log.AuthenticationMethodDetail = passes[0].ID // also on a locked-out attempt, for the administrator
		}
	}
	if !lockedUntil.IsZero() {
		release()
		s.log.InfoContext(ctx, "pass sign-in refused: locked out", "upn", log.UserPrincipalName, "ip", at.IPAddress)
		return SignInResult{}, s.logFailure(ctx, log, refuse(domain.SignInAccountLocked, "The account is locked after too many failed sign-ins."),
			&RetryAfter{Err: ErrAccountLocked, After: lockedUntil.Sub(now)})
	}
	if userErr != nil {
		s.hashes.hash(func() { s.burnTime(code) })
		release()
		return SignInResult{}, s.logFailure(ctx, log, refuse(domain.SignInUserNotFound, "The user account does not exist in the directory."), ErrSignInFailed)
	}
	if len(passes) == 0 {
		s.hashes.hash(func() { s.burnTime(code) })
		release()
		return SignInResult{}, s.logFailure(ctx, log, refuse(domain.SignInPassInvalid, "The user has no Temporary Access Pass."), ErrSignInFailed)
	}
	p := passes[0]
	var match bool
	s.hashes.hash(func() { match, err = secret.Verify(p.Hash, code) })
	release()
	if err != nil {
		return SignInResult{}, fmt.Errorf("verify pass %s: %w", p.ID, err)
	}
	if !match {
		return SignInResult{}, s.wrongPass(ctx, u, p, log)
	}

	var res SignInResult
	err = s.store.InTx(ctx, func(tx store.Store) error {
		var err error
		res, err = s.admitPass(ctx, tx, u.ID, p.ID, name, at.IPAddress, now)
		if err != nil {
			return err
		}
		log.Succeeded = true
		if err := tx.CreateSignIn(ctx, log); err != nil {
			return fmt.Errorf("write sign-in log: %w", err)
		}
		return nil
	})
	var refused *signInFailure
	if errors.As(err, &refused) {
		return SignInResult{}, s.logFailure(ctx, log, refused, shownForRightPass(refused))
	}
	if err != nil {
		return SignInResult{}, err
	}
	s.log.InfoContext(ctx, "pass sign-in succeeded", "user_id", u.ID, "pass_id", p.ID, "one_time", res.Session.RegistrationOnly, "ip", at.IPAddress)
	return res, nil
}

// shownForRightPass is what the person who typed the right pass is told when
// the sign-in is refused all the same.
func shownForRightPass(f *signInFailure) error {
	switch f.code {
	case domain.SignInPassUsed:
		return ErrPassUsed
	case domain.SignInPassExpired:
		return ErrPassExpired
	}
	return ErrSignInFailed
}

// admitPass opens the session of a sign-in whose pass was right, inside tx. It
// writes the user's row and then the pass's: a disablement or a deletion that
// came first is seen here, and one that comes later waits for this transaction
// and then ends the session it made.
func (s *Service) admitPass(ctx context.Context, tx store.Store, userID, passID, name, ip string, now time.Time) (SignInResult, error) {
	u, err := tx.UpdateUser(ctx, userID, func(x domain.User) (domain.User, error) { return x, nil })
	if errors.Is(err, store.ErrNotFound) {
		return SignInResult{}, refuse(domain.SignInUserNotFound, "The user account was deleted during the sign-in.")
	}
	if err != nil {
		return SignInResult{}, fmt.Errorf("lock user: %w", err)
	}
	if !u.AccountEnabled {
		return SignInResult{}, refuse(domain.SignInAccountDisabled, "The user account is disabled.")
	}
	p, err := tx.GetPass(ctx, passID)
	if errors.Is(err, store.ErrNotFound) {
		return SignInResult{}, refuse(domain.SignInPassInvalid, "The Temporary Access Pass was deleted during the sign-in.")
	}
	if err != nil {
		return SignInResult{}, fmt.Errorf("read pass: %w", err)
	}
	policy, err := tx.GetTAPPolicy(ctx)
	if err != nil {
		return SignInResult{}, fmt.Errorf("read pass policy: %w", err)
	}
	groups, err := tx.ListUserGroupIDs(ctx, u.ID)
	if err != nil {
		return SignInResult{}, fmt.Errorf("list groups: %w", err)
	}
	if usable, reason := p.Usability(now, policy, policy.Includes(groups)); !usable {
		switch reason {
		case domain.OneTimeUsed:
			return SignInResult{}, refuse(domain.SignInPassUsed, "The one-time Temporary Access Pass was already used.")
		case domain.Expired:
			return SignInResult{}, refuse(domain.SignInPassExpired, "The Temporary Access Pass has expired.")
		case domain.NotYetValid:
			return SignInResult{}, refuse(domain.SignInPassNotYetValid, "The Temporary Access Pass is not valid yet.")
		default:
			return SignInResult{}, refuse(domain.SignInPassBlocked, "The Temporary Access Pass is blocked by the authentication methods policy.")
		}
	}
	use := tx.TouchPass
	if p.IsUsableOnce {
		use = tx.ConsumePass
	}
	switch err := use(ctx, p.ID, now); {
	case errors.Is(err, store.ErrConflict):
		return SignInResult{}, refuse(domain.SignInPassUsed, "The one-time Temporary Access Pass was already used.")
	case errors.Is(err, store.ErrNotFound):
		return SignInResult{}, refuse(domain.SignInPassInvalid, "The Temporary Access Pass was deleted during the sign-in.")
	case err != nil:
		return SignInResult{}, fmt.Errorf("use pass: %w", err)
	}
	if err := s.settleSuccess(ctx, tx, name, ip); err != nil {
		return SignInResult{}, err
	}
	sess, token, err := s.openSession(ctx, tx, u, p, now)
	if err != nil {
		return SignInResult{}, err
	}
	return SignInResult{User: u, Session: sess, Token: token, PassID: p.ID}, nil
}

// logFailure records a refused sign-in with its precise reason, and returns what
// the person is told.
func (s *Service) logFailure(ctx context.Context, log domain.SignIn, f *signInFailure, shown error) error {
	log.ErrorCode, log.FailureReason = f.code, f.reason
	if err := s.store.CreateSignIn(ctx, log); err != nil {
		return fmt.Errorf("write sign-in log: %w", err)
	}
	s.log.InfoContext(ctx, "pass sign-in failed", "upn", log.UserPrincipalName, "error_code", f.code, "reason", f.reason, "ip", log.IPAddress)
	return shown
}

// wrongPass counts a failed guess against the pass, revokes the pass at the cap
// (so that a pass cannot be brute-forced however slowly the guesses come), and
// logs the attempt, in one transaction.
func (s *Service) wrongPass(ctx context.Context, u domain.User, p domain.TemporaryAccessPass, log domain.SignIn) error {
	log.ErrorCode, log.FailureReason = domain.SignInPassInvalid, "The Temporary Access Pass is incorrect."
	revoked := false
	err := s.store.InTx(ctx, func(tx store.Store) error {
		n, err := tx.RecordPassFailure(ctx, p.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("count failed attempt: %w", err)
		}
		if n == domain.MaxPassFailures {
			revoked = true
			if err := s.removePass(ctx, tx, domain.AutomaticActor(), u, p,
				fmt.Sprintf("Revoked after %d failed sign-in attempts", domain.MaxPassFailures)); err != nil {
				return fmt.Errorf("revoke brute-forced pass: %w", err)
			}
		}
		if err := tx.CreateSignIn(ctx, log); err != nil {
			return fmt.Errorf("write sign-in log: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if revoked {
		s.log.WarnContext(ctx, "pass revoked after too many failed attempts", "user_id", u.ID, "pass_id", p.ID)
	}
	s.log.InfoContext(ctx, "pass sign-in failed", "upn", log.UserPrincipalName, "error_code", log.ErrorCode, "reason", log.FailureReason, "ip", log.IPAddress)
	return ErrSignInFailed
}

// burnTime spends as long as checking a real pass, so that a response's timing does
// not tell an attacker whether the account or its pass exists.
func (s *Service) burnTime(code string) { _, _ = secret.Verify(s.dummyHash(), code) }

// openSession creates a session for a pass sign-in. A session never outlives its
// pass, and one from a one-time pass may only register methods for ten minutes.
func (s *Service) openSession(ctx context.Context, tx store.Store, u domain.User, p domain.TemporaryAccessPass, now time.Time) (domain.Session, string, error) {
	expires := now.Add(SessionLifetime)
	if p.IsUsableOnce {
		expires = now.Add(domain.RegistrationOnlyWindow)
	}
	if end := p.End(); end.Before(expires) {
		expires = end
	}
	return s.newSession(ctx, tx, u, []string{domain.AMRTap, domain.AMRMFA}, p.ID, p.IsUsableOnce, expires, now)
}

// newSession stores a fresh session under a new random id: every sign-in gets a new
// id, so an id planted before sign-in (session fixation) is worthless.
func (s *Service) newSession(ctx context.Context, tx store.Store, u domain.User, amr []string, passID string, registrationOnly bool, expires, now time.Time) (domain.Session, string, error) {
	token, err := secret.Token()
	if err != nil {
		return domain.Session{}, "", fmt.Errorf("generate session id: %w", err)
	}
	sess := domain.Session{
		IDHash: secret.LookupHash(token), UserID: u.ID, AMR: amr, PassID: passID, RegistrationOnly: registrationOnly,
		CreatedDateTime: now, LastSeenDateTime: now, ExpiresDateTime: expires, AuthTime: now,
	}
	if err := tx.CreateSession(ctx, sess); err != nil {
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
	live, err := s.sessionBacked(ctx, sess)
	if err != nil {
		return domain.Session{}, err
	}
	if !live || !now.Before(sess.ExpiresDateTime) || !now.Before(sess.LastSeenDateTime.Add(SessionIdleTimeout)) {
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

// sessionBacked reports whether what a session stands on still stands: its
// account exists and is enabled, and the pass it came from, if any, exists. A
// disablement or deletion ends a session's row too; checking on use as well means
// that no session works once such a change is acknowledged, even one a sign-in
// in flight created on another replica at that moment.
func (s *Service) sessionBacked(ctx context.Context, sess domain.Session) (bool, error) {
	u, err := s.store.GetUser(ctx, sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load session's user: %w", err)
	}
	if !u.AccountEnabled {
		return false, nil
	}
	if sess.PassID == "" {
		return true, nil
	}
	_, err = s.store.GetPass(ctx, sess.PassID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load session's pass: %w", err)
	}
	return true, nil
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, token string) error {
	err := s.store.DeleteSession(ctx, secret.LookupHash(token))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}
