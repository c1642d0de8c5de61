package web

import (
	"net/http"
	"strconv"

	"github.com/firstkey/firstkey/internal/clientaddr"
	"github.com/firstkey/firstkey/internal/metrics"
	"github.com/firstkey/firstkey/internal/ratelimit"
)

// limited applies the per-address limit to a sign-in endpoint. It slows down
// guessing from one address; the lock-outs in the directory stop guessing
// spread over many addresses. With a shared allowance (replicas on
// PostgreSQL) the store's count decides, and this process's count in memory is
// a cheap first gate that turns a flood away without writing to the database.
func (h *Handler) limited(jsonAPI bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := clientIP(r)
		ok, wait := h.limiter.Allow(clientaddr.Key(ip))
		if ok && h.shared {
			var err error
			ok, wait, err = h.dir.TakeAddressAllowance(r.Context(), ip, h.limiter.Rate())
			if err != nil {
				h.serverError(w, r, "sign-in rate limit", err)
				return
			}
		}
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		metrics.RateLimited(r.Context(), metrics.LimitSignInAddress)
		secs := ratelimit.RetryAfter(wait)
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

// clientIP is the client's address as the server resolved it: the peer, or
// what a trusted proxy forwarded (see package clientaddr).
func clientIP(r *http.Request) string { return clientaddr.FromRequest(r) }
