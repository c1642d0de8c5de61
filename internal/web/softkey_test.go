package web_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/firstkey/firstkey/internal/softkey"
)

// softKey is internal/softkey's authenticator with answers that fail the test
// instead of returning errors.
type softKey struct{ *softkey.Key }

func newSoftKey(t testing.TB, origin string) *softKey {
	t.Helper()
	k, err := softkey.New(origin)
	if err != nil {
		t.Fatal(err)
	}
	return &softKey{k}
}

var b64 = base64.RawURLEncoding

// register answers creation options with a new credential.
func (k *softKey) register(t testing.TB, raw json.RawMessage) json.RawMessage {
	t.Helper()
	out, err := k.Register(raw)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// assert answers request options with a signature by the credential.
func (k *softKey) assert(t testing.TB, raw json.RawMessage) json.RawMessage {
	t.Helper()
	out, err := k.Assert(raw)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
