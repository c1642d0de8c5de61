package console

import (
	"context"
	"net/http"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/oidc"
)

// KeyRotator rotates the token signing keys: the token service's RotateKeys.
type KeyRotator interface {
	RotateKeys(ctx context.Context, actor domain.Actor) error
}

func (h *Handler) mountKeys(rt router) {
	rt.page(Prefix+"/keys", domain.ActManageKeys, h.keysPage)
	rt.form(Prefix+"/keys/rotate", h.rotateKeys)
}

// keysPage is keys.html's data.
type keysPage struct {
	Keys      any
	CanRotate bool
	JWKS      string
}

func (h *Handler) keysPage(w http.ResponseWriter, r *http.Request, a *Admin) error {
	keys, err := h.dir.ListSigningKeys(r.Context(), a.Actor, oidc.SigningAlgorithmNames()...)
	if err != nil {
		return err
	}
	h.render(w, r, a, http.StatusOK, "keys.html", view{Title: "Signing keys", Page: keysPage{Keys: keys, CanRotate: h.keys != nil,
		JWKS: h.issuer + oidc.KeysPath}})
	return nil
}

// rotateKeys signs with a new key from now on; the old one stays published
// until the tokens it signed have expired.
func (h *Handler) rotateKeys(w http.ResponseWriter, r *http.Request, a *Admin) error {
	if err := a.Actor.Require(domain.ActManageKeys); err != nil {
		return err
	}
	if h.keys == nil {
		return &domain.Error{Kind: domain.KindUnsupported, Message: "This server cannot rotate its signing keys from the console; use firstkey keys rotate."}
	}
	if err := h.keys.RotateKeys(r.Context(), a.Actor); err != nil {
		return err
	}
	return h.done(w, r, a, Prefix+"/keys", "A new key signs tokens from now on. The old key stays published until the tokens it signed have expired.")
}
