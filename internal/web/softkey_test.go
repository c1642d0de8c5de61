package web_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// softKey is a software WebAuthn authenticator for HTTP-level tests: it answers
// the options firstkey sends the way a platform authenticator would (ES256,
// attestation "none", user present and verified), so the handlers' success
// paths run without a browser. The browser tests use Chromium's own virtual
// authenticator.
type softKey struct {
	origin string
	rpID   string
	key    *ecdsa.PrivateKey
	credID []byte
	user   []byte // user handle, learned at registration
	count  uint32
	synced bool // sets the backup-eligible and backed-up flags
	// aaguid is the model the key names at registration (zero: "none").
	aaguid [16]byte
	// noUV answers without the user-verified flag, as a key without a PIN does.
	noUV bool
	// frozen keeps the signature counter at its value, as authenticators that
	// never count (always 0) do; tests also set count to replay an old value.
	frozen bool
}

func newSoftKey(t testing.TB, origin string) *softKey {
	t.Helper()
	u, err := url.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	rand.Read(id)
	return &softKey{origin: origin, rpID: u.Hostname(), key: key, credID: id}
}

var b64 = base64.RawURLEncoding

// ceremonyOptions is the part of firstkey's ceremony options the authenticator reads.
type ceremonyOptions struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		RPID string `json:"rpId"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		AllowCredentials []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
		UserVerification string `json:"userVerification"`
	} `json:"publicKey"`
}

func parseOptions(t testing.TB, raw json.RawMessage) ceremonyOptions {
	t.Helper()
	var o ceremonyOptions
	if err := json.Unmarshal(raw, &o); err != nil || o.PublicKey.Challenge == "" {
		t.Fatalf("ceremony options %s: %v", raw, err)
	}
	return o
}

func (k *softKey) clientData(typ, challenge string) []byte {
	cd, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": k.origin, "crossOrigin": false})
	return cd
}

func (k *softKey) authData(attested bool) []byte {
	rp := sha256.Sum256([]byte(k.rpID))
	flags := byte(0x01 | 0x04) // user present, user verified
	if k.noUV {
		flags &^= 0x04
	}
	if k.synced {
		flags |= 0x08 | 0x10
	}
	if attested {
		flags |= 0x40
	}
	out := append(rp[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.count)
	if attested {
		out = append(out, k.aaguid[:]...)
		out = binary.BigEndian.AppendUint16(out, uint16(len(k.credID)))
		out = append(out, k.credID...)
		x, y := make([]byte, 32), make([]byte, 32)
		k.key.X.FillBytes(x)
		k.key.Y.FillBytes(y)
		cose, _ := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
		out = append(out, cose...)
	}
	return out
}

// register answers creation options with a new credential.
func (k *softKey) register(t testing.TB, raw json.RawMessage) json.RawMessage {
	t.Helper()
	o := parseOptions(t, raw)
	user, err := b64.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		t.Fatalf("user id: %v", err)
	}
	k.user = user
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(true)})
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, map[string]any{
		"id": b64.EncodeToString(k.credID), "rawId": b64.EncodeToString(k.credID), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(k.clientData("webauthn.create", o.PublicKey.Challenge)),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal"},
		},
	})
}

// assert answers request options with a signature by the credential.
func (k *softKey) assert(t testing.TB, raw json.RawMessage) json.RawMessage {
	t.Helper()
	o := parseOptions(t, raw)
	if !k.frozen {
		k.count++
	}
	ad := k.authData(false)
	cd := k.clientData("webauthn.get", o.PublicKey.Challenge)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, map[string]any{
		"id": b64.EncodeToString(k.credID), "rawId": b64.EncodeToString(k.credID), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(ad),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(k.user),
		},
	})
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
