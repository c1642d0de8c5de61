package postgres

// Exported for the external tests, which need storetest (and so cannot be in
// this package).
var (
	MigrationFiles = migrationFiles
	TestDialect    = dialect
)
