// Package sqlstore implements store.Store once over database/sql, for every SQL
// backend. The SQL is written by hand with `?` placeholders; a backend supplies a
// small Dialect for the few things that differ (placeholder style, row locks, how
// times are stored and how constraint errors look) and its own migrations.
//
// Times are stored and returned in UTC, truncated to microseconds (the precision
// of PostgreSQL's timestamptz). Slices (redirect URIs, permissions, AMR, policy
// targets) come back non-nil.
package sqlstore
