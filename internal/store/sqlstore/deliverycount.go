package sqlstore

import (
	"context"

	"github.com/firstkey/firstkey/internal/domain"
)

// CountPendingDeliveries counts on the deliveries_due index (status first).
func (s *Store) CountPendingDeliveries(ctx context.Context) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM deliveries WHERE status = ?`, domain.DeliveryPending).Scan(&n); err != nil {
		return 0, s.fail("count pending deliveries", err)
	}
	return n, nil
}
