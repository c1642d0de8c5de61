package directory

import (
	"fmt"
	"net"
	"net/url"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/firstkey/firstkey/internal/domain"
)

// newWebAuthn configures the WebAuthn relying party from the public base URL. The
// relying party id is the URL's host name, so passkeys need a name, not an IP
// address: browsers refuse IP addresses as relying party ids.
func newWebAuthn(baseURL string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("passkeys need a public URL with a host name; got %q", baseURL)
	}
	if net.ParseIP(u.Hostname()) != nil {
		return nil, fmt.Errorf("passkeys need a host name, not the IP address %s: start firstkey with --issuer http://localhost:PORT or its DNS name", u.Hostname())
	}
	w, err := webauthn.New(&webauthn.Config{
		RPID:          u.Hostname(),
		RPDisplayName: "firstkey",
		RPOrigins:     []string{u.Scheme + "://" + u.Host},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationRequired,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("configure passkeys: %w", err)
	}
	return w, nil
}

// webauthnUser adapts a directory user and their passkeys to the library. The user
// handle is the user's id, so a discoverable credential names its owner.
type webauthnUser struct {
	u    domain.User
	keys []domain.Passkey
}

func (w webauthnUser) WebAuthnID() []byte          { return []byte(w.u.ID) }
func (w webauthnUser) WebAuthnName() string        { return w.u.UserPrincipalName }
func (w webauthnUser) WebAuthnDisplayName() string { return w.u.DisplayName }
func (w webauthnUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(w.keys))
	for i, k := range w.keys {
		out[i] = toCredential(k)
	}
	return out
}

func toCredential(k domain.Passkey) webauthn.Credential {
	tr := make([]protocol.AuthenticatorTransport, len(k.Transports))
	for i, t := range k.Transports {
		tr[i] = protocol.AuthenticatorTransport(t)
	}
	return webauthn.Credential{
		ID: k.CredentialID, PublicKey: k.PublicKey, AttestationType: k.AttestationType, Transport: tr,
		Flags:         webauthn.CredentialFlags{UserPresent: true, UserVerified: true, BackupEligible: k.BackupEligible, BackupState: k.BackupState},
		Authenticator: webauthn.Authenticator{AAGUID: aaguidBytes(k.AAGUID), SignCount: k.SignCount, CloneWarning: k.CloneWarning},
	}
}

func aaguidString(b []byte) string {
	if len(b) != 16 {
		return "00000000-0000-0000-0000-000000000000"
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func aaguidBytes(s string) []byte {
	var b []byte
	for i := 0; i+1 < len(s); {
		if s[i] == '-' {
			i++
			continue
		}
		var x byte
		fmt.Sscanf(s[i:i+2], "%02x", &x)
		b = append(b, x)
		i += 2
	}
	return b
}
