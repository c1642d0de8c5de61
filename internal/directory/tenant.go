package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/firstkey/firstkey/internal/store"
)

const settingTenantID = "tenant_id"

// TenantID returns the directory's tenant id, a GUID that names this
// directory the way Entra names a tenant: in the Entra-style authority paths
// (/{tenant}/v2.0/…) and in the tid claim of tokens. It is made once, when the
// directory is initialised or, for a directory older than tenant ids, on the
// first start that asks for it; every replica reads the same one, since only
// the first writer's value is ever stored.
func (s *Service) TenantID(ctx context.Context) (string, error) {
	id, err := s.store.GetSetting(ctx, settingTenantID)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("read tenant id: %w", err)
	}
	err = s.store.PutSetting(ctx, settingTenantID, uuid.NewString(), true)
	if err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return "", fmt.Errorf("store tenant id: %w", err)
	}
	// Read back what was stored: another replica may have been first.
	id, err = s.store.GetSetting(ctx, settingTenantID)
	if err != nil {
		return "", fmt.Errorf("read tenant id: %w", err)
	}
	return id, nil
}
