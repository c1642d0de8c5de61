package sqlstore

import "context"

// CacheVersion reads the counter that the database's triggers move with every
// change to the policies, the applications and the set of groups.
func (s *Store) CacheVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.queryRow(ctx, "SELECT version FROM cache_version WHERE id = 1").Scan(&v); err != nil {
		return 0, s.fail("read cache version", err)
	}
	return v, nil
}
