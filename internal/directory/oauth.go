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

// Errors of the OpenID Connect flows. Their messages are shown to people on the
// sign-in pages or, as error descriptions, to applications; none names a secret.
var (
	ErrAuthRequestNotFound = &domain.Error{Kind: domain.KindNotFound, Code: "authRequestNotFound",
		Message: "This sign-in request has expired or was already used. Go back to the application and sign in again."}
	ErrRegistrationOnly = &domain.Error{Kind: domain.KindForbidden, Code: "registrationOnly",
		Message: "You signed in with a one-time Temporary Access Pass, which can only be used to register a passkey. Register one in My Security Info, then sign in to the application with it."}
	ErrStepUpRequired = &domain.Error{Kind: domain.KindForbidden, Code: "stepUpRequired",
		Message: "This application requires a stronger sign-in than the one you used."}
	ErrReauthRequired = &domain.Error{Kind: domain.KindUnauthenticated, Code: "reauthenticationRequired",
		Message: "The application asks you to sign in again."}
	ErrInvalidGrant = &domain.Error{Kind: domain.KindUnauthenticated, Code: "invalid_grant",
		Message: "The authorization code or refresh token is invalid, expired, revoked or was already used."}
	ErrDeviceCodeNotFound = &domain.Error{Kind: domain.KindNotFound, Code: "deviceCodeNotFound",
		Message: "That code is not valid or has expired. Check the code your device shows, or start again on the device."}
)

// AuthDecision is what the sign-in pages must do with an authorization request
// and the browser's current session.
type AuthDecision int

const (
	AuthApprove          AuthDecision = iota // the session may approve the request now
	AuthSignIn                               // nobody is signed in, or the application asks for a new sign-in
	AuthStepUp                               // signed in, but with a method too weak for the application
	AuthRegistrationOnly                     // signed in with a one-time pass, which may only register methods
)

// Decide tells whether sess may approve a request for app (either an
// authorization request or a device request), or what must happen first.
// requestedAt and maxAge carry OpenID Connect's max_age (0 for prompt=login:
// a sign-in after the request was made). A nil sess means nobody is signed in.
func Decide(sess *domain.Session, app domain.Application, maxAge *time.Duration, requestedAt, now time.Time) AuthDecision {
	if sess == nil {
		return AuthSignIn
	}
	if maxAge != nil {
		if *maxAge == 0 {
			if sess.AuthTime.Before(requestedAt) {
				return AuthSignIn
			}
		} else if now.Sub(sess.AuthTime) > *maxAge {
			return AuthSignIn
		}
	}
	if sess.RegistrationOnly {
		return AuthRegistrationOnly
	}
	if !domain.SatisfiesStrength(sess.AMR, app.RequiredStrength) {
		return AuthStepUp
	}
	return AuthApprove
}

// CreateAuthRequest stores an authorization request that the protocol layer has
// checked against the client's registration, adding firstkey's own rule: a
// public client must use PKCE with S256 (OAuth 2.1, RFC 9700 §2.1.1).
func (s *Service) CreateAuthRequest(ctx context.Context, r domain.AuthRequest) (domain.AuthRequest, error) {
	app, err := s.appByClientID(ctx, r.ClientID)
	if err != nil {
		return domain.AuthRequest{}, err
	}
	if app.PublicClient && (r.CodeChallenge == "" || r.CodeChallengeMethod != "S256") {
		return domain.AuthRequest{}, domain.Invalid("This application is a public client: it must send a PKCE code_challenge with code_challenge_method=S256.")
	}
	if r.CodeChallenge != "" && r.CodeChallengeMethod == "" {
		r.CodeChallengeMethod = "plain" // RFC 7636 §4.3
	}
	now := s.now()
	r.ID = newID()
	r.CreatedDateTime = now
	r.ExpiresDateTime = now.Add(domain.AuthRequestLifetime)
	r.UserID, r.SessionIDHash, r.PassID, r.CodeHash, r.GrantID = "", "", "", "", ""
	if err := s.store.CreateAuthRequest(ctx, r); err != nil {
		return domain.AuthRequest{}, fmt.Errorf("store auth request: %w", err)
	}
	return r, nil
}

// AuthRequest returns a pending authorization request and its application.
// Expired requests, and requests whose code was already issued, are not found:
// each sign-in request gives one code.
func (s *Service) AuthRequest(ctx context.Context, id string) (domain.AuthRequest, domain.Application, error) {
	r, err := s.store.GetAuthRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, domain.Application{}, ErrAuthRequestNotFound
	}
	if err != nil {
		return r, domain.Application{}, fmt.Errorf("load auth request: %w", err)
	}
	if !s.now().Before(r.ExpiresDateTime) || r.CodeHash != "" {
		return domain.AuthRequest{}, domain.Application{}, ErrAuthRequestNotFound
	}
	app, err := s.appByClientID(ctx, r.ClientID)
	if err != nil {
		return domain.AuthRequest{}, domain.Application{}, err
	}
	// The strength this request needs: the application's, or more if its
	// acr_values ask for more.
	app.RequiredStrength = domain.Stronger(app.RequiredStrength, r.RequestedStrength)
	return r, app, nil
}

// LoadAuthRequest returns a stored authorization request as it is, for the
// protocol layer (which may look at requests whose code was issued).
func (s *Service) LoadAuthRequest(ctx context.Context, id string) (domain.AuthRequest, error) {
	r, err := s.store.GetAuthRequest(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !s.now().Before(r.ExpiresDateTime)) {
		return domain.AuthRequest{}, ErrAuthRequestNotFound
	}
	if err != nil {
		return domain.AuthRequest{}, fmt.Errorf("load auth request: %w", err)
	}
	return r, nil
}

// ApproveAuthRequest records that the person of sess signed in for the request,
// after checking again what Decide checks: the pages call it after Decide said
// AuthApprove, but a request must never be approved on a stale decision.
func (s *Service) ApproveAuthRequest(ctx context.Context, id string, sess domain.Session, at Attempt) (domain.AuthRequest, error) {
	r, app, err := s.AuthRequest(ctx, id)
	if err != nil {
		return r, err
	}
	now := s.now()
	if err := decisionError(Decide(&sess, app, r.MaxAge, r.CreatedDateTime, now)); err != nil {
		return domain.AuthRequest{}, err
	}
	authEnd, err := s.authEnd(ctx, sess)
	if err != nil {
		return domain.AuthRequest{}, err
	}
	r, err = s.store.UpdateAuthRequest(ctx, id, func(x domain.AuthRequest) (domain.AuthRequest, error) {
		if x.CodeHash != "" {
			return x, ErrAuthRequestNotFound
		}
		x.UserID, x.SessionIDHash, x.AMR, x.AuthTime = sess.UserID, sess.IDHash, sess.AMR, sess.AuthTime
		x.PassID, x.AuthExpires = sess.PassID, authEnd
		return x, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return r, ErrAuthRequestNotFound
	}
	if err != nil && domain.KindOf(err) == 0 {
		return r, fmt.Errorf("approve auth request: %w", err)
	}
	if err != nil {
		return r, err
	}
	return r, s.logAppSignIn(ctx, at, sess, app)
}

// logAppSignIn records, as Entra does, each sign-in to an application, also
// one that reuses an existing session, so that administrators see which
// applications a person entered and with which method.
func (s *Service) logAppSignIn(ctx context.Context, at Attempt, sess domain.Session, app domain.Application) error {
	u, err := s.store.GetUser(ctx, sess.UserID)
	if err != nil {
		return fmt.Errorf("load user for sign-in log: %w", err)
	}
	rec := domain.SignIn{
		ID: newID(), CreatedDateTime: s.now(), UserID: u.ID, UserPrincipalName: u.UserPrincipalName,
		UserDisplayName: u.DisplayName, AppID: app.ClientID, AppDisplayName: app.DisplayName,
		IPAddress: at.IPAddress, UserAgent: at.UserAgent, Succeeded: true, CorrelationID: correlationID(ctx),
		AuthenticationMethod: domain.MethodPasskey, AuthenticationRequirement: domain.RequirementSingleFactor,
	}
	if sess.PassID != "" {
		rec.AuthenticationMethod, rec.AuthenticationMethodDetail = domain.MethodTemporaryAccess, sess.PassID
	}
	if domain.SatisfiesStrength(sess.AMR, domain.StrengthMFA) {
		rec.AuthenticationRequirement = domain.RequirementMFA
	}
	if err := s.store.CreateSignIn(ctx, rec); err != nil {
		return fmt.Errorf("write sign-in log: %w", err)
	}
	return nil
}

func decisionError(d AuthDecision) error {
	switch d {
	case AuthSignIn:
		return ErrReauthRequired
	case AuthStepUp:
		return ErrStepUpRequired
	case AuthRegistrationOnly:
		return ErrRegistrationOnly
	}
	return nil
}

// authEnd is when tokens from a session's sign-in must end: the pass's end for a
// pass sign-in (tokens never outlive the pass), else the longest grant lifetime.
func (s *Service) authEnd(ctx context.Context, sess domain.Session) (time.Time, error) {
	end := s.now().Add(domain.DefaultGrantLifetime)
	if sess.PassID == "" {
		return end, nil
	}
	p, err := s.store.GetPass(ctx, sess.PassID)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, unauthenticated("Your Temporary Access Pass was deleted; sign in again.")
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("load pass: %w", err)
	}
	if pe := p.End(); pe.Before(end) {
		end = pe
	}
	return end, nil
}

// IssueAuthCode stores the hash of the code for an approved request. A request
// gives at most one code.
func (s *Service) IssueAuthCode(ctx context.Context, id, code string) error {
	_, err := s.store.UpdateAuthRequest(ctx, id, func(x domain.AuthRequest) (domain.AuthRequest, error) {
		if !x.Done() {
			return x, domain.Invalid("The sign-in request is not approved yet.")
		}
		if x.CodeHash != "" || !s.now().Before(x.ExpiresDateTime) {
			return x, ErrAuthRequestNotFound
		}
		x.CodeHash = secret.LookupHash(code)
		x.CodeExpires = s.now().Add(domain.AuthCodeLifetime)
		return x, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrAuthRequestNotFound
	}
	if err != nil && domain.KindOf(err) == 0 {
		return fmt.Errorf("issue auth code: %w", err)
	}
	return err
}

// RedeemAuthCode exchanges a code, once, for a new grant. Of concurrent
// exchanges of one code, on any replica, exactly one wins; a code presented
// again means it leaked, so the grant the first exchange created is revoked with
// every token minted under it (RFC 6749 §4.1.2).
func (s *Service) RedeemAuthCode(ctx context.Context, code, clientID string) (domain.AuthRequest, domain.Grant, error) {
	hash := secret.LookupHash(code)
	now := s.now()
	var r domain.AuthRequest
	var g domain.Grant
	err := s.store.InTx(ctx, func(tx store.Store) error {
		var err error
		r, err = tx.RedeemAuthCode(ctx, hash, now, newID())
		if err != nil {
			return err
		}
		if r.ClientID != clientID {
			// Rolled back: another application's attempt must not spend the code.
			return errOtherClient
		}
		if !now.Before(r.CodeExpires) {
			return errCodeExpired
		}
		g = domain.Grant{ID: r.GrantID, ClientID: r.ClientID, UserID: r.UserID, SessionIDHash: r.SessionIDHash,
			PassID: r.PassID, Scopes: r.Scopes, AMR: r.AMR, AuthTime: r.AuthTime, CreatedDateTime: now,
			ExpiresDateTime: r.AuthExpires}
		return tx.CreateGrant(ctx, g)
	})
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound):
		s.log.InfoContext(ctx, "unknown authorization code presented", "client_id", clientID)
		return r, g, ErrInvalidGrant
	case errors.Is(err, errOtherClient):
		s.log.WarnContext(ctx, "authorization code presented by another application", "client_id", clientID)
		return r, g, ErrInvalidGrant
	case errors.Is(err, errCodeExpired):
		s.log.InfoContext(ctx, "expired authorization code presented", "client_id", clientID, "auth_request", r.ID)
		return r, g, ErrInvalidGrant
	case errors.Is(err, store.ErrConflict):
		s.codeReused(ctx, hash, clientID)
		return r, g, ErrInvalidGrant
	default:
		return r, g, fmt.Errorf("redeem authorization code: %w", err)
	}
	if err := s.checkGrantUser(ctx, g); err != nil {
		return r, g, err
	}
	// A code is worth only as much as the browser session that approved it: one
	// signed out of (or ended) before the exchange gives nothing.
	if g.SessionIDHash != "" {
		if _, err := s.store.GetSession(ctx, g.SessionIDHash); errors.Is(err, store.ErrNotFound) {
			s.revokeGrant(ctx, g.ID, "the session that approved the sign-in has ended")
			return r, g, ErrInvalidGrant
		} else if err != nil {
			return r, g, fmt.Errorf("load session: %w", err)
		}
	}
	return r, g, nil
}

var (
	errCodeExpired = errors.New("authorization code expired")
	errOtherClient = errors.New("issued to another application")
)

// codeReused revokes the grant of a code presented a second time.
func (s *Service) codeReused(ctx context.Context, hash, clientID string) {
	r, err := s.store.GetAuthRequestByCode(ctx, hash)
	if err != nil {
		s.log.ErrorContext(ctx, "load reused authorization code", "err", err)
		return
	}
	s.log.WarnContext(ctx, "authorization code reused: revoking its tokens", "client_id", clientID, "auth_request", r.ID, "grant", r.GrantID)
	if r.GrantID != "" {
		s.revokeGrant(ctx, r.GrantID, "authorization code reused")
	}
}

// revokeGrant revokes a grant by firstkey's own rule (a replayed code or refresh
// token, an ended session, a disabled account, a deleted pass) and audits it as
// firstkey's doing; failures are logged, since the caller is already refusing
// the request that caused it.
func (s *Service) revokeGrant(ctx context.Context, id, reason string) {
	s.revokeGrantAs(ctx, domain.AutomaticActor(), id, reason)
}

// revokeGrantAs is revokeGrant on someone's request, audited as theirs.
func (s *Service) revokeGrantAs(ctx context.Context, actor domain.Actor, id, reason string) {
	err := s.store.InTx(ctx, func(tx store.Store) error {
		g, err := tx.GetGrant(ctx, id)
		if err != nil {
			return err
		}
		if !g.RevokedDateTime.IsZero() {
			return nil
		}
		if err := tx.RevokeGrant(ctx, id, s.now(), reason); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, entry{
			activity: "Revoke application tokens", category: domain.CategoryApplicationManagement, op: "Update",
			targets: []domain.AuditTarget{{ID: g.UserID, Type: "User"}, {ID: g.ClientID, Type: "Application"}},
			details: []domain.KeyValue{{Key: "GrantId", Value: g.ID}, {Key: "Reason", Value: reason}},
		})
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.ErrorContext(ctx, "revoke grant", "grant", id, "err", err)
	}
}

// RevokeGrant revokes a grant on behalf of its application (token revocation,
// RFC 7009). Unknown grants are not an error: the token is gone either way.
func (s *Service) RevokeGrant(ctx context.Context, id, clientID, reason string) {
	g, err := s.store.GetGrant(ctx, id)
	if err != nil || g.ClientID != clientID {
		return
	}
	actor := domain.Actor{Type: domain.ActorApp, AppID: clientID}
	if app, err := s.store.GetApplicationByClientID(ctx, clientID); err == nil {
		actor.AppName = app.DisplayName
	}
	s.revokeGrantAs(ctx, actor, id, reason)
}

// EndSessionGrants revokes every grant a browser session gave, when the person
// signs out through an application (RP-initiated logout).
func (s *Service) EndSessionGrants(ctx context.Context, sessionIDHash string) error {
	if sessionIDHash == "" {
		return nil
	}
	_, err := s.store.RevokeGrants(ctx, domain.GrantFilter{SessionIDHash: sessionIDHash}, s.now(), "signed out")
	if err != nil {
		return fmt.Errorf("revoke session grants: %w", err)
	}
	return nil
}

// Grant returns a grant that may still be used at this moment, for a token
// presented to the API, userinfo or introspection.
func (s *Service) Grant(ctx context.Context, id string) (domain.Grant, error) {
	g, err := s.store.GetGrant(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return g, ErrInvalidGrant
	}
	if err != nil {
		return g, fmt.Errorf("load grant: %w", err)
	}
	if !g.Active(s.now()) {
		return g, ErrInvalidGrant
	}
	return g, nil
}

// checkGrantUser refuses tokens for a user who was disabled since signing in,
// and for a sign-in with a pass that has been deleted since: deleting a pass
// revokes the grants it made, and this covers the approvals not yet turned
// into grants (a code not yet exchanged, a device not yet polled).
func (s *Service) checkGrantUser(ctx context.Context, g domain.Grant) error {
	u, err := s.store.GetUser(ctx, g.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.AccountEnabled) {
		s.revokeGrant(ctx, g.ID, "account disabled or deleted")
		return ErrInvalidGrant
	}
	if err != nil {
		return fmt.Errorf("load user: %w", err)
	}
	if g.PassID == "" {
		return nil
	}
	if _, err := s.store.GetPass(ctx, g.PassID); errors.Is(err, store.ErrNotFound) {
		s.revokeGrant(ctx, g.ID, "the Temporary Access Pass of the sign-in was deleted")
		return ErrInvalidGrant
	} else if err != nil {
		return fmt.Errorf("load pass: %w", err)
	}
	return nil
}

// IssueRefreshToken adds a refresh token to a grant. It lives as long as the
// grant: for a pass sign-in, until the pass ends.
func (s *Service) IssueRefreshToken(ctx context.Context, g domain.Grant) (string, error) {
	tok, err := secret.Token()
	if err != nil {
		return "", fmt.Errorf("generate refresh token: %w", err)
	}
	now := s.now()
	if err := s.store.CreateRefreshToken(ctx, domain.RefreshToken{Hash: secret.LookupHash(tok), GrantID: g.ID,
		CreatedDateTime: now, ExpiresDateTime: g.ExpiresDateTime}); err != nil {
		return "", fmt.Errorf("store refresh token: %w", err)
	}
	return tok, nil
}

// UseRefreshToken spends a refresh token and returns its grant; the caller
// issues the next one (rotation). A token used a second time was stolen or
// replayed: the whole grant is revoked, the legitimate holder's newer tokens
// included (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
// A token presented by another application than its own is refused unspent,
// so that whoever holds a stolen token cannot revoke its family by replaying it
// under another client id.
func (s *Service) UseRefreshToken(ctx context.Context, token, clientID string) (domain.Grant, error) {
	hash := secret.LookupHash(token)
	now := s.now()
	// Everything that can be checked is checked before the token is spent, so
	// that a refusal for lack of time (503) leaves it usable for the retry
	// instead of making the retry look like a replay.
	rt, err := s.store.GetRefreshToken(ctx, hash)
	if domain.Unavailable(err) {
		return domain.Grant{}, fmt.Errorf("look up refresh token: %w", err)
	}
	if err == nil {
		g, err := s.store.GetGrant(ctx, rt.GrantID)
		if domain.Unavailable(err) {
			return domain.Grant{}, fmt.Errorf("look up grant: %w", err)
		}
		if err == nil && g.ClientID != clientID {
			s.log.WarnContext(ctx, "refresh token presented by another application", "client_id", clientID)
			return domain.Grant{}, ErrInvalidGrant
		}
		if err == nil && rt.UsedDateTime.IsZero() {
			if err := s.checkGrantUser(ctx, g); err != nil {
				return domain.Grant{}, err
			}
		}
	}
	rt, err = s.store.UseRefreshToken(ctx, hash, now)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return domain.Grant{}, ErrInvalidGrant
	case errors.Is(err, store.ErrConflict):
		prev, gerr := s.store.GetRefreshToken(ctx, hash)
		if gerr != nil {
			return domain.Grant{}, ErrInvalidGrant
		}
		s.log.WarnContext(ctx, "refresh token reused: revoking its grant", "grant", prev.GrantID)
		s.revokeGrant(ctx, prev.GrantID, "refresh token reused")
		return domain.Grant{}, ErrInvalidGrant
	case err != nil:
		return domain.Grant{}, fmt.Errorf("use refresh token: %w", err)
	}
	g, err := s.Grant(ctx, rt.GrantID)
	if err != nil {
		return g, err
	}
	if !now.Before(rt.ExpiresDateTime) {
		return domain.Grant{}, ErrInvalidGrant
	}
	if err := s.checkGrantUser(ctx, g); err != nil {
		return domain.Grant{}, err
	}
	return g, nil
}

// RefreshTokenGrant returns the grant of a refresh token without spending it,
// for revocation.
func (s *Service) RefreshTokenGrant(ctx context.Context, token string) (domain.Grant, error) {
	rt, err := s.store.GetRefreshToken(ctx, secret.LookupHash(token))
	if err != nil {
		return domain.Grant{}, ErrInvalidGrant
	}
	g, err := s.store.GetGrant(ctx, rt.GrantID)
	if err != nil {
		return domain.Grant{}, ErrInvalidGrant
	}
	return g, nil
}

// UserClaims returns the user a token speaks for, if the account is still enabled.
func (s *Service) UserClaims(ctx context.Context, userID string) (domain.User, error) {
	u, err := s.store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.AccountEnabled) {
		return domain.User{}, ErrInvalidGrant
	}
	if err != nil {
		return domain.User{}, fmt.Errorf("load user: %w", err)
	}
	return u, nil
}

func (s *Service) appByClientID(ctx context.Context, clientID string) (domain.Application, error) {
	app, err := s.ApplicationByClientID(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return app, domain.NotFound("No application has the client id %q.", truncate(clientID, 64))
	}
	if err != nil {
		return app, fmt.Errorf("load application: %w", err)
	}
	return app, nil
}

// Housekeep removes expired short-lived state: authorization requests, device
// requests, grants and WebAuthn ceremonies, so that the tables stay small and
// low-entropy user codes can be reused. Every replica may run it; the deletes
// are idempotent.
func (s *Service) Housekeep(ctx context.Context) error {
	now := s.now()
	if _, err := s.store.DeleteExpiredCeremonies(ctx, now); err != nil {
		return fmt.Errorf("purge ceremonies: %w", err)
	}
	if _, err := s.store.DeleteExpiredAuthRequests(ctx, now); err != nil {
		return fmt.Errorf("purge auth requests: %w", err)
	}
	if _, err := s.store.DeleteExpiredDeviceAuthorizations(ctx, now); err != nil {
		return fmt.Errorf("purge device requests: %w", err)
	}
	if _, err := s.store.DeleteExpiredGrants(ctx, now); err != nil {
		return fmt.Errorf("purge grants: %w", err)
	}
	if _, err := s.store.DeleteExpiredThrottles(ctx, now); err != nil {
		return fmt.Errorf("purge lock-out counters: %w", err)
	}
	if _, err := s.store.DeleteEndedDeliveries(ctx, now.Add(-DeliveryRetention)); err != nil {
		return fmt.Errorf("purge ended deliveries: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
