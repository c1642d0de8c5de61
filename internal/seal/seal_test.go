package seal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newSealer(t *testing.T) *Sealer {
	t.Helper()
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpenRoundTrip(t *testing.T) {
	s := newSealer(t)
	plain := []byte("private key bytes")
	sealed, err := s.Seal(plain, []byte("kid-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, plain) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := s.Open(sealed, []byte("kid-1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	again, _ := s.Seal(plain, []byte("kid-1"))
	if bytes.Equal(again, sealed) {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
}

func TestOpenRefusesWhatItShouldNot(t *testing.T) {
	s := newSealer(t)
	sealed, err := s.Seal([]byte("secret"), []byte("kid-1"))
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	cases := map[string]struct {
		s      *Sealer
		sealed []byte
		ad     string
	}{
		"other master key":       {newSealer(t), sealed, "kid-1"},
		"other additional data":  {s, sealed, "kid-2"},
		"tampered ciphertext":    {s, tampered, "kid-1"},
		"truncated":              {s, sealed[:10], "kid-1"},
		"empty":                  {s, nil, "kid-1"},
		"unknown format version": {s, append([]byte{9}, sealed[1:]...), "kid-1"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := c.s.Open(c.sealed, []byte(c.ad)); !errors.Is(err, ErrOpen) {
				t.Fatalf("Open err = %v, want ErrOpen", err)
			}
		})
	}
}

func TestNewRejectsWrongKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New(%d bytes) accepted", n)
		}
	}
}

func TestParseKey(t *testing.T) {
	key, _ := GenerateKey()
	enc := EncodeKey(key)
	for _, s := range []string{enc, enc + "\n", "  " + enc, strings.TrimRight(enc, "=")} {
		got, err := ParseKey(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Fatalf("ParseKey(%q) = %x, %v", s, got, err)
		}
	}

	short := EncodeKey(key[:16])
	_, err := ParseKey(short)
	if err == nil || !strings.Contains(err.Error(), "32 bytes") || !strings.Contains(err.Error(), "not 16") {
		t.Fatalf("short key error = %v; want one naming both lengths", err)
	}
	if strings.Contains(err.Error(), short) {
		t.Fatal("error repeats the key")
	}
	bad := "not base64 at all! secretish"
	if _, err := ParseKey(bad); err == nil || strings.Contains(err.Error(), bad) {
		t.Fatalf("invalid base64 error = %v", err)
	}
	if _, err := ParseKey(" "); err == nil {
		t.Fatal("empty key accepted")
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "master.key")
	key, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != KeySize {
		t.Fatalf("key length %d", len(key))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("key file mode %o, want 600", perm)
	}
	again, err := LoadOrCreateKeyFile(path)
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("second load = %x, %v; want the key created first", again, err)
	}
	// The file holds the same text an operator would put in the environment.
	b, _ := os.ReadFile(path)
	if fromEnv, err := ParseKey(string(b)); err != nil || !bytes.Equal(fromEnv, key) {
		t.Fatalf("file content does not parse as a key: %v", err)
	}
}

func TestLoadOrCreateKeyFileRefusesBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(path, []byte(EncodeKey(make([]byte, 16))), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKeyFile(path); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Fatalf("err = %v; want a length error", err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != EncodeKey(make([]byte, 16)) {
		t.Fatal("a bad key file was overwritten")
	}
}

func TestDeriveKey(t *testing.T) {
	key, _ := GenerateKey()
	s1, _ := New(key)
	s2, _ := New(key)
	a, err := s1.DeriveKey("purpose a")
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := s2.DeriveKey("purpose a")
	b, _ := s1.DeriveKey("purpose b")
	if a != a2 {
		t.Fatal("derivation is not deterministic")
	}
	if a == b {
		t.Fatal("different purposes derive the same key")
	}
	if bytes.Equal(a[:], key) {
		t.Fatal("derived key equals the master key")
	}
	other, _ := newSealer(t).DeriveKey("purpose a")
	if other == a {
		t.Fatal("different master keys derive the same key")
	}
}
