package scim

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/firstkey/firstkey/internal/directory"
	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/metrics"
)

func unauthenticated(msg string) error {
	return &domain.Error{Kind: domain.KindUnauthenticated, Message: msg}
}

// authenticate accepts a provisioning token (the long-lived secret that
// provisioning tools are configured with) or an access token from the token
// endpoint, and builds the actor from the caller's current state. Then the
// caller's allowance is charged; failed attempts are charged to the address.
func (h *Handler) authenticate(r *http.Request) (*call, error) {
	ip := clientIP(r)
	actor, err := h.actor(r, ip)
	if err != nil {
		if domain.KindOf(err) == domain.KindUnauthenticated {
			if ok, wait := h.limiter.allow("ip:" + ip); !ok {
				metrics.RateLimited(r.Context(), metrics.LimitSCIMAddress)
				return nil, tooManyRequests(wait)
			}
		}
		return nil, err
	}
	key := "app:" + actor.AppID
	if actor.Type == domain.ActorUser {
		key = "user:" + actor.UserID
	}
	if ok, wait := h.limiter.allow(key); !ok {
		metrics.RateLimited(r.Context(), metrics.LimitSCIM)
		return nil, tooManyRequests(wait)
	}
	return &call{actor: actor}, nil
}

func (h *Handler) actor(r *http.Request, ip string) (domain.Actor, error) {
	hdr := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, token, _ := strings.Cut(hdr, " ")
	token = strings.TrimSpace(token)
	switch {
	case hdr == "":
		return domain.Actor{}, unauthenticated("The request carries no Authorization header; send Authorization: Bearer <token>.")
	case !strings.EqualFold(scheme, "Bearer") || token == "":
		return domain.Actor{}, unauthenticated("The Authorization header must carry a Bearer token.")
	case strings.HasPrefix(token, directory.ProvisioningTokenPrefix):
		return h.dir.ProvisioningActor(r.Context(), token, ip)
	}
	if h.verify == nil {
		return domain.Actor{}, unauthenticated("The token is not valid.")
	}
	id, err := h.verify(r.Context(), token)
	if err != nil {
		if domain.KindOf(err) != 0 {
			return domain.Actor{}, err
		}
		return domain.Actor{}, fmt.Errorf("verify access token: %w", err)
	}
	switch {
	case id.IsApp && id.ClientID != "":
		return h.dir.AppActor(r.Context(), id.ClientID, ip)
	case !id.IsApp && id.UserID != "":
		return h.dir.UserActor(r.Context(), id.UserID, ip)
	}
	return domain.Actor{}, unauthenticated("The token names no application or user.")
}

func tooManyRequests(wait time.Duration) error {
	secs := int(wait.Seconds()) + 1
	e := errorf(http.StatusTooManyRequests, "", "Too many requests from this client; retry after %d seconds.", secs)
	e.header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
	return e
}

// clientIP is the peer address. Forwarding headers are not trusted here: the
// server in front decides whether a proxy's word counts.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
