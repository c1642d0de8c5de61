// Package softkey is a software WebAuthn authenticator: it answers the
// ceremony options firstkey sends the way a platform authenticator would
// (ES256, attestation "none", user present and verified), so the sign-in
// endpoints can be driven without a browser — by HTTP tests and by the load
// generator. Browser tests use Chromium's own virtual authenticator.
package softkey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"

	"github.com/fxamacker/cbor/v2"
)

var b64 = base64.RawURLEncoding

// Key is one credential on the authenticator. The exported fields let tests
// shape what it answers; set them before the key is used concurrently.
type Key struct {
	Origin       string // the page's origin, written into the client data
	RPID         string // the relying party id (the origin's host name)
	Private      *ecdsa.PrivateKey
	CredentialID []byte
	// UserHandle is learned at registration; tests may set it to sign in as
	// someone else.
	UserHandle []byte
	// Count is the signature counter; Assert adds one first unless Frozen.
	Count uint32
	// Synced sets the backup-eligible and backed-up flags.
	Synced bool
	// AAGUID is the model the key names at registration (zero: "none").
	AAGUID [16]byte
	// NoUV answers without the user-verified flag, as a key without a PIN does.
	NoUV bool
	// Frozen keeps the counter at its value, as authenticators that never
	// count (always 0) do.
	Frozen bool

	mu sync.Mutex // serialises Count updates across concurrent Asserts
}

// New makes a key with a fresh P-256 key pair and a random credential id for
// pages served from origin.
func New(origin string) (*Key, error) {
	u, err := url.Parse(origin)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("softkey: origin %q is not an absolute URL", origin)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("softkey: generate key: %w", err)
	}
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return nil, fmt.Errorf("softkey: credential id: %w", err)
	}
	return &Key{Origin: origin, RPID: u.Hostname(), Private: key, CredentialID: id}, nil
}

// options is the part of firstkey's ceremony options the authenticator reads.
type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		User      struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

func parseOptions(raw json.RawMessage) (options, error) {
	var o options
	if err := json.Unmarshal(raw, &o); err != nil {
		return o, fmt.Errorf("softkey: ceremony options: %w", err)
	}
	if o.PublicKey.Challenge == "" {
		return o, errors.New("softkey: ceremony options carry no challenge")
	}
	return o, nil
}

func (k *Key) clientData(typ, challenge string) []byte {
	cd, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": k.Origin, "crossOrigin": false})
	return cd
}

func (k *Key) authData(count uint32, attested bool) []byte {
	rp := sha256.Sum256([]byte(k.RPID))
	flags := byte(0x01 | 0x04) // user present, user verified
	if k.NoUV {
		flags &^= 0x04
	}
	if k.Synced {
		flags |= 0x08 | 0x10
	}
	if attested {
		flags |= 0x40
	}
	out := append(rp[:], flags)
	out = binary.BigEndian.AppendUint32(out, count)
	if attested {
		out = append(out, k.AAGUID[:]...)
		out = binary.BigEndian.AppendUint16(out, uint16(len(k.CredentialID)))
		out = append(out, k.CredentialID...)
		x, y := make([]byte, 32), make([]byte, 32)
		k.Private.X.FillBytes(x)
		k.Private.Y.FillBytes(y)
		cose, _ := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
		out = append(out, cose...)
	}
	return out
}

// Register answers creation options (the "options" of a register/begin
// answer) with a new credential: the "credential" of register/finish.
func (k *Key) Register(raw json.RawMessage) (json.RawMessage, error) {
	o, err := parseOptions(raw)
	if err != nil {
		return nil, err
	}
	user, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		return nil, fmt.Errorf("softkey: user id: %w", err)
	}
	k.mu.Lock()
	k.UserHandle = user
	ad := k.authData(k.Count, true)
	k.mu.Unlock()
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": ad})
	if err != nil {
		return nil, fmt.Errorf("softkey: attestation: %w", err)
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(k.CredentialID), "rawId": b64.EncodeToString(k.CredentialID), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(k.clientData("webauthn.create", o.PublicKey.Challenge)),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal"},
		},
	})
}

// Assert answers request options (the "options" of a login/begin answer)
// with a signature by the credential: the "credential" of login/finish.
func (k *Key) Assert(raw json.RawMessage) (json.RawMessage, error) {
	o, err := parseOptions(raw)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	if !k.Frozen {
		k.Count++
	}
	ad := k.authData(k.Count, false)
	user := k.UserHandle
	k.mu.Unlock()
	cd := k.clientData("webauthn.get", o.PublicKey.Challenge)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.Private, digest[:])
	if err != nil {
		return nil, fmt.Errorf("softkey: sign: %w", err)
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(k.CredentialID), "rawId": b64.EncodeToString(k.CredentialID), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(ad),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(user),
		},
	})
}
