package graphapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/firstkey/firstkey/internal/metrics"
	"github.com/firstkey/firstkey/internal/ratelimit"
)

// throttle spends one request of the caller's allowance: per application for
// an application's token, per person for a delegated one (whichever
// application they use). Over it, the answer is Graph's 429 tooManyRequests
// with Retry-After.
func (h *Handler) throttle(ctx context.Context, c *call) error {
	l, key, who, limit := h.appRate, "app:"+c.id.ClientID, "application", metrics.LimitGraphApp
	if !c.id.IsApp {
		l, key, who, limit = h.userRate, "user:"+c.id.UserID, "user", metrics.LimitGraphUser
	}
	ok, wait := l.Allow(key)
	if ok {
		return nil
	}
	metrics.RateLimited(ctx, limit)
	secs := ratelimit.RetryAfter(wait)
	return &apiError{status: http.StatusTooManyRequests, code: "tooManyRequests",
		message: fmt.Sprintf("Too many requests from this %s (more than %d in %s). Retry after %d seconds.",
			who, l.Rate().Attempts, l.Rate().Per, secs),
		header: http.Header{"Retry-After": {strconv.Itoa(secs)}}}
}
