package web

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
)

// limiter is an in-memory token bucket per source address. It slows down guessing
// from one address; the per-account lock-out and the per-pass cap in the
// directory stop guessing spread over many addresses. Each replica counts on its
// own, which is enough for a limit meant to be generous to people.
type limiter struct {
	mu      sync.Mutex
	rate    Rate
	clock   domain.Clock
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the memory the limiter holds; past it, full buckets (addresses
// quiet long enough to have their whole allowance back) are forgotten.
const maxBuckets = 10000

func newLimiter(r Rate, clock domain.Clock) *limiter {
	return &limiter{rate: r, clock: clock, buckets: map[string]*bucket{}}
}

// allow takes one attempt from key's allowance, or says how long until one is back.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	capacity := float64(l.rate.Attempts)
	perToken := l.rate.Per / time.Duration(l.rate.Attempts)
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.prune(now, capacity, perToken)
		}
		b = &bucket{tokens: capacity, last: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(capacity, b.tokens+float64(elapsed)/float64(perToken))
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * float64(perToken))
}

func (l *limiter) prune(now time.Time, capacity float64, perToken time.Duration) {
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.last))/float64(perToken) >= capacity {
			delete(l.buckets, k)
		}
	}
}

// limited applies the per-address limit to a sign-in endpoint.
func (h *Handler) limited(jsonAPI bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := clientIP(r)
		ok, wait := h.limiter.allow(addressKey(ip))
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		secs := int(math.Ceil(wait.Seconds()))
		if secs < 1 {
			secs = 1
		}
		// The address and path only: never the username or pass that came with it.
		h.log.WarnContext(r.Context(), "sign-in rate limit reached", "ip", ip, "path", r.URL.Path, "retry_after_seconds", secs)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		msg := "Too many sign-in attempts from your network. Wait " + waitText(secs) + " and try again."
		if jsonAPI {
			writeError(w, http.StatusTooManyRequests, "tooManyRequests", msg)
			return
		}
		h.renderMessage(w, r, http.StatusTooManyRequests, "Please wait a moment", msg)
	})
}

func waitText(secs int) string {
	if secs <= 90 {
		return strconv.Itoa(secs) + " seconds"
	}
	return strconv.Itoa((secs+59)/60) + " minutes"
}

// addressKey is what the limiter counts by: the IPv4 address, or the /64 of an
// IPv6 address, since one host commonly holds a whole /64.
func addressKey(ip string) string {
	parsed := net.ParseIP(ip)
	if parsed == nil || parsed.To4() != nil {
		return ip
	}
	return parsed.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// clientIP is the peer address. Deployments behind a proxy get forwarded-header
// support with an explicit list of trusted proxies, never by trusting any header.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
