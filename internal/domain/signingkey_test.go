package domain

import (
	"testing"
	"time"
)

func TestSignerAt(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	key := func(id, alg string, created time.Time, signsFor time.Duration) SigningKey {
		return SigningKey{ID: id, Algorithm: alg, CreatedDateTime: created, NotAfter: created.Add(signsFor), RetireAfter: created.Add(signsFor + time.Hour)}
	}
	older := key("older", "RS256", now.Add(-48*time.Hour), 90*24*time.Hour)
	newer := key("newer", "RS256", now.Add(-time.Hour), 90*24*time.Hour)
	legacy := key("legacy", "ES256", now.Add(-time.Minute), 90*24*time.Hour) // newest, but of another algorithm
	ended := key("ended", "RS256", now.Add(-time.Minute), 30*time.Second)    // newest RS256, period over
	twinA := key("a", "RS256", now, time.Hour)
	twinB := key("b", "RS256", now, time.Hour)
	cases := []struct {
		name string
		keys []SigningKey
		want string
	}{
		{"none", nil, ""},
		{"the newest signs", []SigningKey{older, newer}, "newer"},
		{"order of the input does not matter", []SigningKey{newer, older}, "newer"},
		{"keys of another algorithm only verify", []SigningKey{older, legacy}, "older"},
		{"a key past its signing period does not sign", []SigningKey{newer, ended}, "newer"},
		{"only other algorithms", []SigningKey{legacy}, ""},
		{"replicas that made keys at the same instant agree", []SigningKey{twinA, twinB}, "b"},
		{"in either order", []SigningKey{twinB, twinA}, "b"},
		{"a replaced key loses to its replacement", []SigningKey{newer.Replaced(now, time.Hour), older}, "older"},
	}
	for _, c := range cases {
		k, ok := SignerAt(c.keys, "RS256", now)
		if ok != (c.want != "") || k.ID != c.want {
			t.Errorf("%s: signer %q (%v), want %q", c.name, k.ID, ok, c.want)
		}
	}
}

func TestReplacedNeverExtends(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	k := SigningKey{NotAfter: now.Add(time.Hour), RetireAfter: now.Add(2 * time.Hour)}
	r := k.Replaced(now, 3*time.Hour)
	if !r.NotAfter.Equal(now) || !r.RetireAfter.Equal(k.RetireAfter) {
		t.Fatalf("replaced with a longer overlap: signs until %v, published until %v", r.NotAfter, r.RetireAfter)
	}
	ended := SigningKey{NotAfter: now.Add(-time.Hour), RetireAfter: now.Add(time.Minute)}
	if r := ended.Replaced(now, time.Hour); !r.NotAfter.Equal(ended.NotAfter) || !r.RetireAfter.Equal(ended.RetireAfter) {
		t.Fatalf("a key that no longer signed changed: %+v", r)
	}
}
