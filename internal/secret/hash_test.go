package secret

import (
	"strings"
	"testing"
)

func TestHashChoosesAlgorithmByEntropy(t *testing.T) {
	cases := []struct {
		name   string
		length int
		prefix string
	}{
		{"8 chars is weak: argon2id", 8, "$argon2id$"},
		{"19 chars (110 bits) still weak", 19, "$argon2id$"},
		{"20 chars (115 bits) is strong: sha256", 20, "$sha256$"},
		{"48 chars", 48, "$sha256$"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pass, err := GeneratePass(c.length)
			if err != nil {
				t.Fatal(err)
			}
			h, err := Hasher{Argon2: FastArgon2}.Hash(pass, EntropyBits(c.length, PassAlphabet))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(h, c.prefix) {
				t.Fatalf("hash %q, want prefix %q", h, c.prefix)
			}
			if strings.Contains(h, pass) {
				t.Fatal("hash contains the pass")
			}
			if ok, err := Verify(h, pass); err != nil || !ok {
				t.Fatalf("Verify(right) = %v, %v", ok, err)
			}
			if ok, _ := Verify(h, pass+"x"); ok {
				t.Fatal("Verify accepted a wrong pass")
			}
		})
	}
}

func TestProductionArgon2RoundTrip(t *testing.T) {
	h, err := Hasher{}.Hash("Abcd2345", EntropyBits(8, PassAlphabet))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("production hash uses unexpected parameters: %s", h)
	}
	if ok, _ := Verify(h, "Abcd2345"); !ok {
		t.Fatal("production hash does not verify")
	}
	if ok, _ := Verify(h, "Abcd2346"); ok {
		t.Fatal("production hash verified a wrong pass")
	}
}

func TestSaltMakesHashesDiffer(t *testing.T) {
	a, _ := Hasher{Argon2: FastArgon2}.Hash("same", 40)
	b, _ := Hasher{Argon2: FastArgon2}.Hash("same", 40)
	if a == b {
		t.Fatal("two hashes of one secret are equal: no salt")
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2id$v=19$m=x$a$b", "$sha256$!!$??", "$md5$a$b"} {
		if ok, err := Verify(h, "x"); ok || err == nil {
			t.Errorf("Verify(%q) = %v, %v; want false, error", h, ok, err)
		}
	}
}

func TestGenerateUsesOnlyAlphabetAndVaries(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		p, err := GeneratePass(12)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != 12 {
			t.Fatalf("len %d", len(p))
		}
		for _, r := range p {
			if !strings.ContainsRune(PassAlphabet, r) {
				t.Fatalf("character %q outside the alphabet", r)
			}
		}
		seen[p] = true
	}
	if len(seen) < 200 {
		t.Fatal("generated duplicate passes")
	}
	for _, bad := range "0O1lIio" {
		if strings.ContainsRune(PassAlphabet, bad) {
			t.Fatalf("alphabet contains look-alike %q", bad)
		}
	}
}
