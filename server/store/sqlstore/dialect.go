package sqlstore

// Dialect names what differs between the SQL of the two backends; the
// shared bodies ask it instead of testing which backend they run on.
type Dialect struct {
	// MapErr turns a driver error into an api error with a stable code.
	MapErr func(error) error
	// InsertIgnore is an INSERT of into ("table(cols) VALUES (...)") that
	// does nothing when the row exists.
	InsertIgnore func(into string) string
	// EmailIs is the condition matching staff.email case-insensitively
	// against one parameter.
	EmailIs string
}
