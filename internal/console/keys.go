package console

import (
	"context"

	"github.com/firstkey/firstkey/internal/domain"
)

// KeyRotator rotates the token signing keys: the token service's RotateKeys.
type KeyRotator interface {
	RotateKeys(ctx context.Context, actor domain.Actor) error
}

func (h *Handler) mountKeys(rt router) {}
