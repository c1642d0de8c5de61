package clientaddr

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestResolve(t *testing.T) {
	trusted, err := ParsePrefixes([]string{"10.0.0.0/8, 192.0.2.7", "2001:db8:1::/48"})
	if err != nil {
		t.Fatal(err)
	}
	rv := NewResolver(trusted)
	cases := []struct {
		name, peer string
		headers    map[string][]string
		want       string
	}{
		{"untrusted peer: headers ignored", "203.0.113.9:5000",
			map[string][]string{"X-Forwarded-For": {"198.51.100.1"}, "Forwarded": {"for=198.51.100.2"}}, "203.0.113.9"},
		{"trusted peer without headers", "10.1.2.3:5000", nil, "10.1.2.3"},
		{"trusted peer, one hop", "10.1.2.3:5000", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1"},
		{"spoofed left entries are skipped", "10.1.2.3:5000",
			map[string][]string{"X-Forwarded-For": {"6.6.6.6, 198.51.100.1"}}, "198.51.100.1"},
		{"chain of trusted proxies", "10.1.2.3:5000",
			map[string][]string{"X-Forwarded-For": {"6.6.6.6, 198.51.100.1, 192.0.2.7", "10.9.9.9"}}, "198.51.100.1"},
		{"every hop trusted: the farthest", "10.1.2.3:5000", map[string][]string{"X-Forwarded-For": {"10.4.4.4, 10.5.5.5"}}, "10.4.4.4"},
		{"garbage hop stops at the last trusted", "10.1.2.3:5000",
			map[string][]string{"X-Forwarded-For": {"198.51.100.1, not-an-ip, 10.5.5.5"}}, "10.5.5.5"},
		{"garbage right away: the peer", "10.1.2.3:5000", map[string][]string{"X-Forwarded-For": {"bogus"}}, "10.1.2.3"},
		{"Forwarded when no X-Forwarded-For", "10.1.2.3:5000",
			map[string][]string{"Forwarded": {`for=6.6.6.6, for="[2001:db8:2::5]:4711";proto=https`}}, "2001:db8:2::5"},
		{"Forwarded chain past a trusted v6 proxy", "[2001:db8:1::1]:443",
			map[string][]string{"Forwarded": {`for=198.51.100.4;by=x, for="[2001:db8:1::9]"`}}, "198.51.100.4"},
		{"Forwarded obfuscated: the peer", "10.1.2.3:5000", map[string][]string{"Forwarded": {"for=_hidden"}}, "10.1.2.3"},
		{"X-Forwarded-For wins over Forwarded", "10.1.2.3:5000",
			map[string][]string{"X-Forwarded-For": {"198.51.100.1"}, "Forwarded": {"for=6.6.6.6"}}, "198.51.100.1"},
		{"hop with port", "10.1.2.3:5000", map[string][]string{"X-Forwarded-For": {"198.51.100.1:1234"}}, "198.51.100.1"},
		{"v4-mapped peer counts as v4", "[::ffff:10.1.2.3]:5000", map[string][]string{"X-Forwarded-For": {"198.51.100.1"}}, "198.51.100.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = c.peer
			for k, vs := range c.headers {
				for _, v := range vs {
					r.Header.Add(k, v)
				}
			}
			if got := rv.Resolve(r); got != c.want {
				t.Errorf("Resolve = %q, want %q", got, c.want)
			}
		})
	}
}

// Without trusted proxies, every header is ignored.
func TestResolveTrustsNobodyByDefault(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	if got := (Resolver{}).Resolve(r); got != "127.0.0.1" {
		t.Errorf("Resolve = %q", got)
	}
	if got := FromRequest(r); got != "127.0.0.1" {
		t.Errorf("FromRequest without the middleware = %q", got)
	}
}

func TestParsePrefixesRefusesGarbage(t *testing.T) {
	for _, s := range []string{"10.0.0.0/33", "proxy.example.com", "10.0.0.0/8,nope"} {
		if _, err := ParsePrefixes([]string{s}); err == nil {
			t.Errorf("ParsePrefixes(%q) accepted it", s)
		}
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":             "192.0.2.1",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::":   "2001:db8:1:2::/64",
		"not an address at all": "not an address at all",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}
