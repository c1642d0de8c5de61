package seal

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/firstkey/firstkey/internal/store/storetest"
)

// Values sealed by earlier releases (format 1, no key id) still open, and
// rotation moves them to the new format under the new key.
func TestFormatOneStillOpensAndReseals(t *testing.T) {
	key, _ := GenerateKey()
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	old := aead.Seal(append([]byte{1}, nonce...), nonce, []byte("secret"), []byte("ad"))

	next, _ := GenerateKey()
	s, err := New(next, key)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Open(old, []byte("ad")); err != nil || string(got) != "secret" {
		t.Fatalf("open format 1: %q, %v", got, err)
	}
	out, err := s.Reseal(old, []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := SealedKeyID(out); !ok || id != s.ConfiguredKeyID() {
		t.Fatalf("resealed under %q, want %s", id, s.ConfiguredKeyID())
	}
	onlyNew, _ := New(next)
	if got, err := onlyNew.Open(out, []byte("ad")); err != nil || string(got) != "secret" {
		t.Fatalf("new key alone: %q, %v", got, err)
	}
	onlyOld, _ := New(key)
	if _, err := onlyOld.Open(out, []byte("ad")); !errors.Is(err, ErrOpen) {
		t.Fatalf("old key opened a value resealed under the new one: %v", err)
	}
	again, _ := s.Reseal(out, []byte("ad"))
	if again != nil {
		t.Fatal("a value already under the new key was resealed")
	}
	// A changed key id does not open, even for the key that sealed it.
	bad := bytes.Clone(out)
	bad[1] ^= 1
	if _, err := s.Open(bad, []byte("ad")); !errors.Is(err, ErrOpen) {
		t.Fatalf("tampered key id: %v", err)
	}
}

// Keys derived from the master key (lock-out counts, signed links) are the
// same before a rotation, during it (both keys) and after (new key only).
func TestDerivedKeysSurviveRotation(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			oldKey, _ := GenerateKey()
			newKey, _ := GenerateKey()
			before, _ := New(oldKey)
			if err := CheckKey(ctx, st, before); err != nil {
				t.Fatal(err)
			}
			want, _ := before.DeriveKey("report link")

			both, _ := New(newKey, oldKey)
			if err := CheckKey(ctx, st, both); err != nil {
				t.Fatal(err)
			}
			if got, _ := both.DeriveKey("report link"); got != want {
				t.Fatal("a replica with both keys derives other keys than one with the old key")
			}
			if both.CurrentKeyID() == both.ConfiguredKeyID() {
				t.Fatal("a replica with both keys seals with the new key before the rotation")
			}
			if _, err := Rotate(ctx, st, st.(interface {
				ResealColumn(context.Context, string, string, []string, func([]string, any) (any, error)) (int, error)
			}), both, RotateOptions{}); err != nil {
				t.Fatal(err)
			}
			after, _ := New(newKey)
			if err := CheckKey(ctx, st, after); err != nil {
				t.Fatalf("new key after rotation: %v", err)
			}
			if got, _ := after.DeriveKey("report link"); got != want {
				t.Fatal("the derived key changed with the rotation")
			}
			// A replica with both keys that started before the rotation follows it.
			stale, _ := New(newKey, oldKey)
			stale.current.Store(stale.keys[1])
			if err := stale.Follow(ctx, st); err != nil || stale.CurrentKeyID() != stale.ConfiguredKeyID() {
				t.Fatalf("follow: %v, sealing with %s", err, stale.CurrentKeyID())
			}
			if err := CheckKey(ctx, st, before); !errors.Is(err, ErrKeyMismatch) {
				t.Fatalf("old key alone after rotation: %v", err)
			}
		})
	}
}
