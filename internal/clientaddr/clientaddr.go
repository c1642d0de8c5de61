package clientaddr

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver knows which peers may say who the client is.
type Resolver struct {
	trusted []netip.Prefix
}

// NewResolver trusts the forwarding headers of peers in the given networks.
func NewResolver(trusted []netip.Prefix) Resolver {
	return Resolver{trusted: trusted}
}

// ParsePrefixes reads trusted proxies given as CIDRs or single addresses
// ("10.0.0.0/8", "192.0.2.7", "2001:db8::/32"); each item may itself be a
// comma-separated list, as an environment variable holds them.
func ParsePrefixes(items []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range items {
		for _, s := range strings.Split(item, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if p, err := netip.ParsePrefix(s); err == nil {
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR such as 10.0.0.0/8", s)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

func (rv Resolver) isTrusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range rv.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve returns the client's address. Only a trusted peer's headers count:
// X-Forwarded-For when present, else RFC 7239 Forwarded. Their hops are read
// from the right (the nearest proxy's entry) leftwards past trusted proxies;
// the first address that is not one is the client. A hop that is not an
// address (garbage, "unknown", an obfuscated name) ends the walk at the last
// trusted hop, since nothing to its left can be checked.
func (rv Resolver) Resolve(r *http.Request) string {
	peer := peerAddr(r.RemoteAddr)
	if len(rv.trusted) == 0 || !peer.IsValid() || !rv.isTrusted(peer) {
		return addrOrRaw(peer, r.RemoteAddr)
	}
	hops := forwardedFor(r.Header)
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = a
		if !rv.isTrusted(a) {
			break
		}
	}
	return client.String()
}

// forwardedFor lists the forwarded hops, leftmost (farthest) first.
func forwardedFor(h http.Header) []string {
	if xff := h.Values("X-Forwarded-For"); len(xff) > 0 {
		var hops []string
		for _, v := range xff {
			for _, s := range strings.Split(v, ",") {
				hops = append(hops, strings.TrimSpace(s))
			}
		}
		return hops
	}
	var hops []string
	for _, v := range h.Values("Forwarded") {
		for _, elem := range strings.Split(v, ",") {
			hop := ""
			for _, pair := range strings.Split(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
					hop = strings.Trim(strings.TrimSpace(val), `"`)
				}
			}
			// An element without for= is a hop we cannot name.
			hops = append(hops, hop)
		}
	}
	return hops
}

// parseHop reads "192.0.2.1", "192.0.2.1:4711", "2001:db8::1" or
// "[2001:db8::1]:4711".
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func addrOrRaw(a netip.Addr, raw string) string {
	if a.IsValid() {
		return a.String()
	}
	return raw
}

type key struct{}

// Middleware resolves each request's client address once and keeps it in the
// request's context for everything downstream.
func (rv Resolver) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, rv.Resolve(r))))
	})
}

// FromRequest returns the address Middleware resolved, or the TCP peer for a
// request that did not pass through it (a handler tested on its own).
func FromRequest(r *http.Request) string {
	if a, ok := r.Context().Value(key{}).(string); ok {
		return a
	}
	return Resolver{}.Resolve(r)
}

// Key is what per-address limits count by: the IPv4 address, or the /64 of an
// IPv6 address, since one host commonly holds a whole /64.
func Key(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Is4() {
		return addr
	}
	p, err := a.Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}
