package directory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

const (
	ceremonyRegistration = "registration"
	ceremonyLogin        = "login"
)

// Ceremony is what a browser needs to run a WebAuthn ceremony: the options to pass
// to navigator.credentials and the id to send back with the answer.
type Ceremony struct {
	ID      string
	Options json.RawMessage
}

func (s *Service) relyingParty() (*webauthn.WebAuthn, error) {
	if s.wa == nil {
		return nil, &domain.Error{Kind: domain.KindInvalid, Code: "passkeysUnavailable", Message: s.waErr.Error()}
	}
	return s.wa, nil
}

func (s *Service) saveCeremony(ctx context.Context, userID, kind string, data *webauthn.SessionData, options any) (Ceremony, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Ceremony{}, fmt.Errorf("encode ceremony: %w", err)
	}
	opts, err := json.Marshal(options)
	if err != nil {
		return Ceremony{}, fmt.Errorf("encode ceremony options: %w", err)
	}
	c := domain.Ceremony{ID: newID(), UserID: userID, Kind: kind, Data: raw, ExpiresDateTime: s.now().Add(domain.CeremonyLifetime)}
	if err := s.store.CreateCeremony(ctx, c); err != nil {
		return Ceremony{}, fmt.Errorf("store ceremony: %w", err)
	}
	return Ceremony{ID: c.ID, Options: opts}, nil
}

// takeCeremony fetches and removes a ceremony so that it can be finished once.
func (s *Service) takeCeremony(ctx context.Context, id, kind string) (domain.Ceremony, webauthn.SessionData, error) {
	var data webauthn.SessionData
	c, err := s.store.TakeCeremony(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (c.Kind != kind || !s.now().Before(c.ExpiresDateTime))) {
		return c, data, domain.Invalid("This passkey request has expired or was already used; please try again.")
	}
	if err != nil {
		return c, data, fmt.Errorf("load ceremony: %w", err)
	}
	if err := json.Unmarshal(c.Data, &data); err != nil {
		return c, data, fmt.Errorf("decode ceremony: %w", err)
	}
	return c, data, nil
}

// readCeremony fetches a ceremony without taking it: the transaction that
// opens the session takes it.
func (s *Service) readCeremony(ctx context.Context, id, kind string) (domain.Ceremony, webauthn.SessionData, error) {
	var data webauthn.SessionData
	c, err := s.store.GetCeremony(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (c.Kind != kind || !s.now().Before(c.ExpiresDateTime))) {
		return c, data, domain.Invalid("This passkey request has expired or was already used; please try again.")
	}
	if err != nil {
		return c, data, fmt.Errorf("load ceremony: %w", err)
	}
	if err := json.Unmarshal(c.Data, &data); err != nil {
		return c, data, fmt.Errorf("decode ceremony: %w", err)
	}
	return c, data, nil
}

// CanRegister checks that a session may register a method: it must be a strong
// session, and one from a one-time pass only within its first ten minutes.
func (s *Service) CanRegister(sess domain.Session) error {
	strong := false
	for _, a := range sess.AMR {
		if a == domain.AMRMFA {
			strong = true
		}
	}
	if !strong {
		return domain.Forbidden("Registering a passkey needs a sign-in with a Temporary Access Pass or an existing passkey.")
	}
	if sess.RegistrationOnly && !s.now().Before(sess.AuthTime.Add(domain.RegistrationOnlyWindow)) {
		return domain.Forbidden("More than ten minutes have passed since you signed in with your one-time pass. Ask your administrator for a new pass.")
	}
	return nil
}

// BeginPasskeyRegistration starts adding a passkey for the session's user.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, sess domain.Session) (Ceremony, error) {
	wa, err := s.relyingParty()
	if err != nil {
		return Ceremony{}, err
	}
	if err := s.CanRegister(sess); err != nil {
		return Ceremony{}, err
	}
	u, keys, policy, err := s.passkeyContext(ctx, sess.UserID)
	if err != nil {
		return Ceremony{}, err
	}
	if !policy.IsSelfServiceRegistrationAllowed {
		return Ceremony{}, domain.Forbidden("Your organisation does not allow registering passkeys yourself; ask your administrator.")
	}
	exclude := make([]protocol.CredentialDescriptor, len(keys))
	for i, k := range keys {
		exclude[i] = protocol.CredentialDescriptor{Type: protocol.PublicKeyCredentialType, CredentialID: k.CredentialID}
	}
	conveyance := protocol.PreferNoAttestation
	if policy.IsAttestationEnforced {
		conveyance = protocol.PreferDirectAttestation
	}
	creation, data, err := wa.BeginRegistration(webauthnUser{u: u, keys: keys},
		webauthn.WithExclusions(exclude),
		webauthn.WithConveyancePreference(conveyance),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: userVerification(policy),
		}))
	if err != nil {
		return Ceremony{}, fmt.Errorf("begin passkey registration: %w", err)
	}
	return s.saveCeremony(ctx, u.ID, ceremonyRegistration, data, creation)
}

func userVerification(p domain.Fido2Policy) protocol.UserVerificationRequirement {
	if p.UserVerification == "preferred" {
		return protocol.VerificationPreferred
	}
	return protocol.VerificationRequired
}

// passkeyContext loads what every passkey operation needs and checks the passkey
// policy lets this user use passkeys at all.
func (s *Service) passkeyContext(ctx context.Context, userID string) (domain.User, []domain.Passkey, domain.Fido2Policy, error) {
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return u, nil, domain.Fido2Policy{}, notFound(err, "user", userID)
	}
	policy, err := s.store.GetFido2Policy(ctx)
	if err != nil {
		return u, nil, policy, fmt.Errorf("read passkey policy: %w", err)
	}
	groups, err := s.store.ListUserGroupIDs(ctx, u.ID)
	if err != nil {
		return u, nil, policy, fmt.Errorf("list groups: %w", err)
	}
	if policy.State != domain.StateEnabled || !policy.Includes(groups) {
		return u, nil, policy, domain.Forbidden("Passkeys are not enabled for your account; ask your administrator.")
	}
	keys, err := s.store.ListUserPasskeys(ctx, u.ID)
	if err != nil {
		return u, nil, policy, fmt.Errorf("list passkeys: %w", err)
	}
	return u, keys, policy, nil
}

// FinishPasskeyRegistration verifies the authenticator's answer and stores the passkey.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, sess domain.Session, ceremonyID, name string, response []byte) (domain.Passkey, error) {
	wa, err := s.relyingParty()
	if err != nil {
		return domain.Passkey{}, err
	}
	name, err = domain.ValidatePasskeyName(name)
	if err != nil {
		return domain.Passkey{}, err
	}
	if err := s.CanRegister(sess); err != nil {
		return domain.Passkey{}, err
	}
	c, data, err := s.takeCeremony(ctx, ceremonyID, ceremonyRegistration)
	if err != nil {
		return domain.Passkey{}, err
	}
	if c.UserID != sess.UserID {
		return domain.Passkey{}, domain.Forbidden("This passkey request belongs to another session.")
	}
	u, keys, policy, err := s.passkeyContext(ctx, sess.UserID)
	if err != nil {
		return domain.Passkey{}, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(bytes.NewReader(response))
	if err != nil {
		return domain.Passkey{}, domain.Invalid("The authenticator's answer could not be read: %s", protocolMessage(err))
	}
	cred, err := wa.CreateCredential(webauthnUser{u: u, keys: keys}, data, parsed)
	if err != nil {
		s.log.InfoContext(ctx, "passkey registration refused", "user_id", u.ID, "err", err)
		return domain.Passkey{}, domain.Invalid("The passkey could not be verified: %s", protocolMessage(err))
	}
	aaguid := aaguidString(cred.Authenticator.AAGUID)
	if !policy.AllowsAAGUID(aaguid) {
		return domain.Passkey{}, domain.Forbidden("Your organisation does not allow this model of authenticator (AAGUID %s).", aaguid)
	}
	level := "attested"
	if cred.AttestationFormat == "" || cred.AttestationFormat == string(protocol.AttestationFormatNone) {
		level = "notAttested"
	}
	if policy.IsAttestationEnforced && level != "attested" {
		return domain.Passkey{}, domain.Forbidden("Your organisation requires authenticators that prove their model (attestation); this one did not.")
	}
	transports := make([]string, len(cred.Transport))
	for i, t := range cred.Transport {
		transports[i] = string(t)
	}
	pk := domain.Passkey{
		ID: newID(), UserID: u.ID, CredentialID: cred.ID, PublicKey: cred.PublicKey,
		AttestationType: cred.AttestationFormat, AttestationLevel: level, AAGUID: aaguid,
		SignCount: cred.Authenticator.SignCount, Transports: transports,
		BackupEligible: cred.Flags.BackupEligible, BackupState: cred.Flags.BackupState,
		DisplayName: name, CreatedDateTime: s.now(),
	}
	actor := domain.Actor{Type: domain.ActorUser, UserID: u.ID, UPN: u.UserPrincipalName}
	err = s.store.InTx(ctx, func(tx store.Store) error {
		if err := tx.CreatePasskey(ctx, pk); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				return domain.Invalid("This passkey is already registered.")
			}
			return fmt.Errorf("store passkey: %w", err)
		}
		if err := s.record(ctx, tx, actor, entry{activity: domain.ActivityUserRegisteredSecurityInfo, category: domain.CategoryUserManagement,
			service: domain.ServiceAuthenticationMethods, op: "Add", targets: []domain.AuditTarget{userTarget(u)},
			details: passkeyDetails(pk, "User registered a passkey")}); err != nil {
			return err
		}
		if err := s.queueNotice(ctx, tx, domain.DeliveryPasskeyNotice, u, pk.ID, u.UserPrincipalName, pk.CreatedDateTime); err != nil {
			return err
		}
		if err := s.recoverWithPasskey(ctx, tx, u, sess.PassID, pk, keys); err != nil {
			return err
		}
		if policy.RevokePassOnFirstPasskey && len(keys) == 0 && sess.PassID != "" {
			p, err := tx.GetPass(ctx, sess.PassID)
			if errors.Is(err, store.ErrNotFound) {
				return nil // already gone: nothing to revoke
			}
			if err != nil {
				return fmt.Errorf("read pass to revoke: %w", err)
			}
			return s.removePass(ctx, tx, domain.AutomaticActor(), u, p, "Revoked automatically after the user registered their first passkey")
		}
		return nil
	})
	if err != nil {
		return domain.Passkey{}, err
	}
	s.log.InfoContext(ctx, "passkey registered", "user_id", u.ID, "passkey_id", pk.ID, "aaguid", aaguid)
	return pk, nil
}

// recoverWithPasskey finishes a recovery: when the session's pass is a recovery
// pass, the passkey just registered replaces every passkey the user had when
// the pass was issued (lost, or in the wrong hands), each deletion audited.
// Passkeys registered with the pass itself stay, so a second new one is safe.
func (s *Service) recoverWithPasskey(ctx context.Context, tx store.Store, u domain.User, passID string, added domain.Passkey, keys []domain.Passkey) error {
	if passID == "" {
		return nil
	}
	p, err := tx.GetPass(ctx, passID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !p.Recovery) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read pass of the session: %w", err)
	}
	for _, k := range keys {
		if k.ID == added.ID || !k.CreatedDateTime.Before(p.CreatedDateTime) {
			continue
		}
		if err := tx.DeletePasskey(ctx, k.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("delete replaced passkey: %w", err)
		}
		if err := s.record(ctx, tx, domain.AutomaticActor(), entry{activity: domain.ActivityAdminDeletedSecurityInfo,
			category: domain.CategoryUserManagement, service: domain.ServiceAuthenticationMethods, op: "Delete",
			targets: []domain.AuditTarget{userTarget(u)},
			details: passkeyDetails(k, "Replaced in a recovery: the user registered a new passkey with recovery pass "+p.ID)}); err != nil {
			return err
		}
	}
	return nil
}

func passkeyDetails(p domain.Passkey, reason string) []domain.KeyValue {
	return []domain.KeyValue{
		{Key: "AuthenticationMethod", Value: "Passkey"},
		{Key: "PasskeyId", Value: p.ID},
		{Key: "DisplayName", Value: p.DisplayName},
		{Key: "AAGUID", Value: p.AAGUID},
		{Key: "Reason", Value: reason},
	}
}

// protocolMessage is the library's short description, which names what failed
// without echoing the submitted data.
func protocolMessage(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		return pe.Details
	}
	return "it did not match what was expected"
}

// BeginPasskeyLogin starts a passkey sign-in. With a username, the browser is told
// which credentials to use; without one, it offers the discoverable passkeys it has.
// An unknown username gets the same kind of answer as a known one.
func (s *Service) BeginPasskeyLogin(ctx context.Context, upn string) (Ceremony, error) {
	wa, err := s.relyingParty()
	if err != nil {
		return Ceremony{}, err
	}
	c, err := s.cached(ctx)
	if err != nil {
		return Ceremony{}, err
	}
	policy, err := c.fido2Policy(ctx)
	if err != nil {
		return Ceremony{}, err
	}
	opt := webauthn.WithUserVerification(userVerification(policy))
	if strings.TrimSpace(upn) == "" {
		assertion, data, err := wa.BeginDiscoverableLogin(opt)
		if err != nil {
			return Ceremony{}, fmt.Errorf("begin passkey sign-in: %w", err)
		}
		return s.saveCeremony(ctx, "", ceremonyLogin, data, assertion)
	}
	// The passkeys name their owner: the user row itself is not needed.
	keys, err := s.store.ListPasskeysByUPN(ctx, upn)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Ceremony{}, fmt.Errorf("look up user: %w", err)
	}
	if len(keys) == 0 {
		// Nobody, or nobody with a passkey: answer like a discoverable request so the
		// response does not tell whether the account exists.
		assertion, data, err := wa.BeginDiscoverableLogin(opt)
		if err != nil {
			return Ceremony{}, fmt.Errorf("begin passkey sign-in: %w", err)
		}
		return s.saveCeremony(ctx, "", ceremonyLogin, data, assertion)
	}
	u := domain.User{ID: keys[0].UserID}
	assertion, data, err := wa.BeginLogin(webauthnUser{u: u, keys: keys}, opt)
	if err != nil {
		return Ceremony{}, fmt.Errorf("begin passkey sign-in: %w", err)
	}
	return s.saveCeremony(ctx, u.ID, ceremonyLogin, data, assertion)
}

// ErrPasskeyFailed is all a person is told when a passkey sign-in fails.
var ErrPasskeyFailed = &domain.Error{Kind: domain.KindUnauthenticated, Code: "invalidCredentials",
	Message: "We couldn't sign you in with that passkey. Try again, or use a Temporary Access Pass from your administrator."}

// errCeremonySpent and errPasskeyGone end a sign-in's transaction when another
// finish took the ceremony first, or the passkey was deleted meanwhile.
var (
	errCeremonySpent = errors.New("the ceremony was taken by another finish")
	errPasskeyGone   = errors.New("the passkey was deleted")
)

// FinishPasskeyLogin verifies a passkey assertion and opens a session. It reads
// the ceremony, the passkey and its owner, checks the answer, and then, in one
// transaction, takes the ceremony (so that of racing finishes one alone
// succeeds), records the passkey's use, opens the session and logs the sign-in.
func (s *Service) FinishPasskeyLogin(ctx context.Context, at Attempt, ceremonyID string, response []byte) (SignInResult, error) {
	wa, err := s.relyingParty()
	if err != nil {
		return SignInResult{}, err
	}
	now := s.now()
	log := domain.SignIn{ID: newID(), CreatedDateTime: now, UserPrincipalName: at.UserPrincipalName, IPAddress: at.IPAddress,
		UserAgent: at.UserAgent, AppID: at.AppID, AppDisplayName: at.AppDisplayName,
		AuthenticationMethod: domain.MethodPasskey, AuthenticationRequirement: domain.RequirementMFA, CorrelationID: correlationID(ctx)}
	// fail logs the failure and spends the ceremony, whatever was wrong: an
	// answer is checked once.
	fail := func(code int, reason string, u *domain.User) (SignInResult, error) {
		log.ErrorCode, log.FailureReason = code, reason
		if u != nil {
			log.UserID, log.UserPrincipalName, log.UserDisplayName = u.ID, u.UserPrincipalName, u.DisplayName
		}
		err := s.store.InTx(ctx, func(tx store.Store) error {
			if _, err := tx.TakeCeremony(ctx, ceremonyID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("take ceremony: %w", err)
			}
			if err := tx.CreateSignIn(ctx, log); err != nil {
				return fmt.Errorf("write sign-in log: %w", err)
			}
			return nil
		})
		if err != nil {
			return SignInResult{}, err
		}
		s.log.InfoContext(ctx, "passkey sign-in failed", "error_code", code, "reason", reason, "ip", at.IPAddress)
		if code == domain.SignInAccountLocked {
			return SignInResult{}, ErrAccountLocked
		}
		return SignInResult{}, ErrPasskeyFailed
	}
	const spent = "The passkey ceremony expired or was already used."
	c, data, err := s.readCeremony(ctx, ceremonyID, ceremonyLogin)
	if domain.KindOf(err) == domain.KindInvalid {
		return fail(domain.SignInPasskeyFailed, spent, nil)
	}
	if err != nil {
		return SignInResult{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(bytes.NewReader(response))
	if err != nil {
		return fail(domain.SignInPasskeyFailed, "The authenticator's answer could not be read.", nil)
	}
	// The credential names its owner; the ceremony, when begun with a username, too.
	// One read brings the passkey, its owner and the cache version.
	read, err := s.store.GetPasskeySignIn(ctx, parsed.RawID)
	if errors.Is(err, store.ErrNotFound) {
		return fail(domain.SignInPasskeyFailed, "The passkey is not registered.", nil)
	}
	if err != nil {
		return SignInResult{}, fmt.Errorf("look up passkey: %w", err)
	}
	key := read.Passkey
	if c.UserID != "" && c.UserID != key.UserID {
		return fail(domain.SignInPasskeyFailed, "The passkey belongs to another account than the one named.", nil)
	}
	u, err := s.passkeyOwner(ctx, cached{s: s, version: read.CacheVersion}, read.Owner)
	if domain.KindOf(err) == domain.KindForbidden {
		return fail(domain.SignInPasskeyFailed, "Passkeys are disabled by policy for this user.", &u)
	}
	if err != nil {
		return SignInResult{}, err
	}
	log.AuthenticationMethodDetail = key.DisplayName
	// Passkey sign-ins are never locked out: a wrong pass guessed by someone else
	// must not keep the owner from their passkey, and a signature cannot be guessed.
	wu := webauthnUser{u: u, keys: []domain.Passkey{key}}
	var cred *webauthn.Credential
	if c.UserID != "" {
		// The library verifies with the credential answering and wants the
		// user to own every credential the ceremony allowed. Those were this
		// user's passkeys when it began (c.UserID is the key's owner, checked
		// above), so they stand in by id rather than being read again.
		for _, id := range data.AllowedCredentialIDs {
			if !bytes.Equal(id, key.CredentialID) {
				wu.keys = append(wu.keys, domain.Passkey{CredentialID: id})
			}
		}
		cred, err = wa.ValidateLogin(wu, data, parsed)
	} else {
		cred, err = wa.ValidateDiscoverableLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
			if string(userHandle) != u.ID {
				return nil, errors.New("user handle does not match the credential's owner")
			}
			return wu, nil
		}, data, parsed)
	}
	if err != nil {
		s.log.InfoContext(ctx, "passkey assertion refused", "user_id", u.ID, "err", err)
		return fail(domain.SignInPasskeyFailed, "The passkey's signature could not be verified.", &u)
	}
	if !u.AccountEnabled {
		return fail(domain.SignInAccountDisabled, "The user account is disabled.", &u)
	}
	// A signature counter that did not go up (the signature-counter step of
	// WebAuthn §7.2) hints at a cloned authenticator. WebAuthn leaves the reaction
	// to the relying party:
	// firstkey still signs the person in, flags the passkey (cloneWarning in the
	// API, kept until the passkey is deleted) and logs a warning, so an
	// administrator can check with its owner. The stored counter never goes
	// down, so any lower value later is caught too; authenticators that never
	// count (0 both stored and sent) raise nothing. The store compares again
	// with the counter as it is when it writes, so racing sign-ins are caught.
	counter := parsed.Response.AuthenticatorData.Counter
	regressed := counter <= key.SignCount && (counter != 0 || key.SignCount != 0)
	// A passkey is multi-factor only when the authenticator verified the person
	// (PIN or biometric), read from this assertion's signed flags; with
	// userVerification "preferred" it may not have, and then it is possession only.
	amr := []string{key.AMR()}
	if parsed.Response.AuthenticatorData.Flags.HasUserVerified() {
		amr = append(amr, domain.AMRMFA)
	} else {
		log.AuthenticationRequirement = domain.RequirementSingleFactor
	}
	var sess domain.Session
	var token string
	err = s.store.InTx(ctx, func(tx store.Store) error {
		if _, err := tx.TakeCeremony(ctx, ceremonyID); errors.Is(err, store.ErrNotFound) {
			return errCeremonySpent
		} else if err != nil {
			return fmt.Errorf("take ceremony: %w", err)
		}
		err := tx.RecordPasskeyUse(ctx, key.ID, counter, cred.Flags.BackupState, cred.Authenticator.CloneWarning, now)
		if errors.Is(err, store.ErrNotFound) {
			return errPasskeyGone
		}
		if err != nil {
			return fmt.Errorf("update passkey: %w", err)
		}
		sess, token, err = s.newSession(ctx, tx, u, amr, "", false, now.Add(SessionLifetime), now)
		if err != nil {
			return err
		}
		ok := log
		ok.Succeeded = true
		ok.UserID, ok.UserPrincipalName, ok.UserDisplayName = u.ID, u.UserPrincipalName, u.DisplayName
		if err := tx.CreateSignIn(ctx, ok); err != nil {
			return fmt.Errorf("write sign-in log: %w", err)
		}
		return nil
	})
	switch {
	case errors.Is(err, errCeremonySpent):
		return fail(domain.SignInPasskeyFailed, spent, nil)
	case errors.Is(err, errPasskeyGone):
		return fail(domain.SignInPasskeyFailed, "The passkey is not registered.", nil)
	case err != nil:
		return SignInResult{}, err
	}
	if regressed {
		s.log.WarnContext(ctx, "passkey signature counter did not increase: the credential may be cloned", "user_id", u.ID, "passkey_id", key.ID,
			"stored_counter", key.SignCount, "received_counter", counter)
	}
	s.log.InfoContext(ctx, "passkey sign-in succeeded", "user_id", u.ID, "passkey_id", key.ID, "ip", at.IPAddress)
	return SignInResult{User: u, Session: sess, Token: token}, nil
}

// passkeyOwner checks that the passkey policy (from the cache at c's
// version) covers u, the owner of a passkey signing in; their groups are read
// only when the policy's answer depends on them.
func (s *Service) passkeyOwner(ctx context.Context, c cached, u domain.User) (domain.User, error) {
	policy, err := c.fido2Policy(ctx)
	if err != nil {
		return domain.User{}, err
	}
	if policy.State != domain.StateEnabled {
		return u, domain.Forbidden("Passkeys are not enabled for your account; ask your administrator.")
	}
	// Without exclusions, a policy that takes everyone takes everyone whatever
	// their groups.
	if len(policy.ExcludeTargets) == 0 && policy.Includes(nil) {
		return u, nil
	}
	groups, err := s.store.ListUserGroupIDs(ctx, u.ID)
	if err != nil {
		return u, fmt.Errorf("list groups: %w", err)
	}
	if !policy.Includes(groups) {
		return u, domain.Forbidden("Passkeys are not enabled for your account; ask your administrator.")
	}
	return u, nil
}
