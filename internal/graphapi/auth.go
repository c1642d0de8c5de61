package graphapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/firstkey/firstkey/internal/clientaddr"
	"github.com/firstkey/firstkey/internal/domain"
)

func unauthenticated(msg string) error {
	return &domain.Error{Kind: domain.KindUnauthenticated, Code: "InvalidAuthenticationToken", Message: msg}
}

// authenticate verifies the bearer token and builds the actor from the caller's
// current state (roles, permissions), so that a withdrawn role takes effect at once.
func (h *Handler) authenticate(r *http.Request) (*call, error) {
	hdr := strings.TrimSpace(r.Header.Get("Authorization"))
	if hdr == "" {
		return nil, unauthenticated("Access token is empty.")
	}
	scheme, token, _ := strings.Cut(hdr, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, unauthenticated("The Authorization header must carry a Bearer access token.")
	}
	if token == "" {
		return nil, unauthenticated("Access token is empty.")
	}
	id, err := h.verify(r.Context(), token)
	if err != nil {
		if domain.KindOf(err) != 0 {
			return nil, err
		}
		return nil, fmt.Errorf("verify access token: %w", err)
	}
	ip := clientaddr.FromRequest(r)
	var actor domain.Actor
	switch {
	case id.IsApp && id.ClientID != "":
		actor, err = h.dir.AppActor(r.Context(), id.ClientID, ip)
	case !id.IsApp && id.UserID != "":
		actor, err = h.dir.UserActor(r.Context(), id.UserID, ip)
	default:
		return nil, unauthenticated("Access token validation failure: the token names no application or user.")
	}
	if err != nil {
		return nil, err
	}
	return &call{actor: actor, id: id}, nil
}

// requireDelegated refuses application tokens on /me, in Graph's words.
func requireDelegated(c *call) error {
	if c.id.IsApp {
		return &apiError{status: http.StatusBadRequest, code: "BadRequest",
			message: "/me request is only valid with delegated authentication flow."}
	}
	return nil
}
