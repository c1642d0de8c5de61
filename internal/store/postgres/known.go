package postgres

import "github.com/firstkey/firstkey/internal/store/sqlstore"

// Migrations are the schema migrations this build knows, in order: what
// `firstkey doctor` compares a database's schema_migrations with, without
// migrating it.
func Migrations() ([]sqlstore.Migration, error) {
	return sqlstore.Migrations(migrationFiles, "migrations")
}
