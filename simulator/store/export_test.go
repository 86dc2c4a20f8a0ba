package store

// OpenSQLiteAtVersion opens a SQLite store with its schema at version v
// (migrated up to v only), to test migrations.
func OpenSQLiteAtVersion(dir string, v int) (*SQLite, error) { return openSQLite(dir, v) }

// SchemaVersion is the current schema version.
var SchemaVersion = len(migrations)

// ApplicationID is the database's application_id.
const ApplicationID = applicationID

// SetFileLimit sets ReadFile's size limit until the test ends.
func SetFileLimit(t interface{ Cleanup(func()) }, n int) {
	old := fileLimit
	fileLimit = n
	t.Cleanup(func() { fileLimit = old })
}
