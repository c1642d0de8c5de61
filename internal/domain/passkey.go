package domain

import (
	"strings"
	"time"
)

// Passkey is a registered WebAuthn credential (Graph fido2AuthenticationMethod).
type Passkey struct {
	ID               string // object id
	UserID           string
	CredentialID     []byte
	PublicKey        []byte // COSE key
	AttestationType  string // none, packed, fido-u2f, …
	AttestationLevel string // "attested" or "notAttested"
	AAGUID           string // authenticator model, as a UUID string
	SignCount        uint32
	Transports       []string
	BackupEligible   bool
	BackupState      bool
	DisplayName      string
	CreatedDateTime  time.Time
	LastUsedDateTime *time.Time
	// CloneWarning is set when the authenticator's signature counter went
	// backwards: a sign that the credential may have been copied.
	CloneWarning bool
}

// MaxPasskeyNameLength bounds the name a person gives a passkey.
const MaxPasskeyNameLength = 64

// ValidatePasskeyName checks a name a person chose for a passkey.
func ValidatePasskeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", Invalid("Give the passkey a name, such as \"Work laptop\" or \"Blue security key\".")
	}
	if err := checkText("A passkey name", name, false); err != nil {
		return "", err
	}
	if len([]rune(name)) > MaxPasskeyNameLength {
		return "", Invalid("A passkey name can be at most %d characters.", MaxPasskeyNameLength)
	}
	return name, nil
}

// AMR is the authentication method reference a passkey sign-in carries: hardware
// keys prove possession of a device (hwk); synced passkeys are software keys (swk).
func (p Passkey) AMR() string {
	if p.BackupEligible {
		return AMRSwk
	}
	return AMRHwk
}

// KeyRestrictions limit which authenticator models may be registered.
type KeyRestrictions struct {
	IsEnforced      bool
	EnforcementType string // "allow" or "block"
	AAGUIDs         []string
}

// Fido2Policy is the passkey policy (Graph fido2AuthenticationMethodConfiguration).
type Fido2Policy struct {
	State                            string
	IncludeTargets                   []Target
	ExcludeTargets                   []Target
	IsSelfServiceRegistrationAllowed bool
	IsAttestationEnforced            bool
	KeyRestrictions                  KeyRestrictions
	// UserVerification is "required" (the default) or "preferred".
	UserVerification string
	// RevokePassOnFirstPasskey (firstkey extension, off by default) deletes a
	// person's pass as soon as they register their first passkey with it.
	RevokePassOnFirstPasskey bool
	LastModifiedDateTime     time.Time
}

// DefaultFido2Policy is the passkey policy of a new directory: enabled for everyone,
// self-service registration allowed, user verification required.
func DefaultFido2Policy() Fido2Policy {
	return Fido2Policy{
		State:                            StateEnabled,
		IncludeTargets:                   []Target{{ID: AllUsers, TargetType: "group"}},
		ExcludeTargets:                   []Target{},
		IsSelfServiceRegistrationAllowed: true,
		KeyRestrictions:                  KeyRestrictions{EnforcementType: "block", AAGUIDs: []string{}},
		UserVerification:                 "required",
	}
}

// Validate checks the passkey policy as a whole.
func (p Fido2Policy) Validate() error {
	if p.State != StateEnabled && p.State != StateDisabled {
		return Invalid("state must be 'enabled' or 'disabled', not %q.", p.State)
	}
	if t := p.KeyRestrictions.EnforcementType; t != "allow" && t != "block" {
		return Invalid("keyRestrictions.enforcementType must be 'allow' or 'block', not %q.", t)
	}
	for _, a := range p.KeyRestrictions.AAGUIDs {
		if !isUUID(a) {
			return Invalid("keyRestrictions.aaGuids contains %q, which is not an AAGUID (a UUID such as cb69481e-8ff7-4039-93ec-0a2729a154a8).", a)
		}
	}
	if p.KeyRestrictions.IsEnforced && p.KeyRestrictions.EnforcementType == "allow" && len(p.KeyRestrictions.AAGUIDs) == 0 {
		return Invalid("keyRestrictions: an enforced allow list must name at least one AAGUID, or nobody could register a passkey.")
	}
	if p.UserVerification != "required" && p.UserVerification != "preferred" {
		return Invalid("userVerification must be 'required' or 'preferred', not %q.", p.UserVerification)
	}
	if len(p.IncludeTargets) == 0 {
		return Invalid("includeTargets must name at least one group or all_users.")
	}
	for _, t := range append(append([]Target{}, p.IncludeTargets...), p.ExcludeTargets...) {
		if t.ID == "" || t.TargetType != "group" {
			return Invalid("every target needs an id and targetType 'group'.")
		}
	}
	return nil
}

// Includes reports whether a user in groupIDs may use passkeys.
func (p Fido2Policy) Includes(groupIDs []string) bool {
	return TAPPolicy{IncludeTargets: p.IncludeTargets, ExcludeTargets: p.ExcludeTargets}.Includes(groupIDs)
}

// TargetsGroup names the list of the policy that targets group id
// ("includeTargets" or "excludeTargets"), or "" when neither does.
func (p Fido2Policy) TargetsGroup(id string) string {
	return targetsGroup(p.IncludeTargets, p.ExcludeTargets, id)
}

// AllowsAAGUID applies the key restrictions to an authenticator model.
func (p Fido2Policy) AllowsAAGUID(aaguid string) bool {
	r := p.KeyRestrictions
	if !r.IsEnforced {
		return true
	}
	listed := false
	for _, a := range r.AAGUIDs {
		if strings.EqualFold(a, aaguid) {
			listed = true
		}
	}
	if r.EnforcementType == "allow" {
		return listed
	}
	return !listed
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

// Ceremony is the server half of a WebAuthn registration or sign-in in progress.
// It lives in the store so that a ceremony begun on one replica can finish on another.
type Ceremony struct {
	ID              string
	UserID          string // empty for usernameless sign-in
	Kind            string // "registration" or "login"
	Data            []byte // the WebAuthn library's session data, JSON
	ExpiresDateTime time.Time
}

// CeremonyLifetime is how long a person has to answer their authenticator.
const CeremonyLifetime = 5 * time.Minute
