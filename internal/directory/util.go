package directory

import (
	"errors"
	"fmt"
	"time"

	"github.com/firstkey/firstkey/internal/domain"
	"github.com/firstkey/firstkey/internal/store"
)

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return stamp(*t)
}

// stamp is a time as audit records and Graph write it: ISO 8601 in UTC.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// listResult turns a backend's unsupported-filter error into a rule violation the
// caller can show; other errors pass through wrapped.
func listResult[T any](items []T, total int, err error) ([]T, int, error) {
	if errors.Is(err, store.ErrUnsupportedFilter) {
		return nil, 0, &domain.Error{Kind: domain.KindUnsupported, Code: "Request_UnsupportedQuery", Message: err.Error()}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("list: %w", err)
	}
	return items, total, nil
}
