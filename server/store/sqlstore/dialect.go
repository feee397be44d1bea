package sqlstore

import "github.com/meet-dev/meet/api"

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
	// In is the test "is one of ids", after a column ("c.id"+in), and its
	// arguments.
	In func(ids []int64) (string, []any)
	// IndexedBy is the hint to read a table through the named index, after
	// the table's name ("" where the planner needs none).
	IndexedBy func(index string) string
	// NoIndex is col written so that the planner does not read it
	// through an index (SQLite's unary +), where a walk in id order is
	// faster.
	NoIndex func(col string) string
	// TaggedChats is the FROM clause of chats c with tag g (g.chat_id),
	// for a page of chats or (page false) for counts.
	TaggedChats func(page bool) string
	// CountIf is the aggregate counting the rows where cond holds.
	CountIf func(cond string) string
	// Sum is the aggregate summing an integer column, as an integer.
	Sum func(col string) string
	// False is the literal false.
	False string
	// TagList is the aggregate of a chat's tags (tag) joined by ";".
	TagList string
	// Greatest is the function of the larger of two values.
	Greatest string
	// LockRow follows a SELECT in a write transaction to lock the rows it
	// reads until the commit ("" where write transactions take turns).
	LockRow string
	// FillCalls reads the participants and ring attempts of calls:
	// FillCallsEach or FillCallsAtOnce.
	FillCalls func(t *Tx, calls []api.Call) error
}
