// Package sqlstore holds the store.Tx method bodies that server/store/sqlite
// and server/store/postgres share: each rule is written once, against Conn
// (the small query interface both backends' transactions satisfy), with the
// real differences between the two SQL dialects named in a Dialect value.
//
// A backend's transaction embeds Tx and implements Conn; what only one
// backend has stays in its package: connections and pools, pragmas, the
// prepared-statement cache, migrations, checkpoints, event ids and the
// text search.
//
// Queries are written with ? placeholders (the Postgres store numbers them).
// Time columns are Unix nanoseconds; booleans are passed and scanned as Go
// bools (SQLite stores them as 0 and 1) and nullable columns are scanned
// into pointers.
package sqlstore

import (
	"time"

	"github.com/meet-dev/meet/api"
)

// Row is one result row (database/sql's *sql.Row, pgx.Row).
type Row interface {
	Scan(dest ...any) error
}

// Rows are the rows of a query (database/sql's *sql.Rows; pgx.Rows through
// an adapter, its Close returning no error).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Conn is what the shared bodies ask of a backend's transaction.
type Conn interface {
	// Exec runs a statement and returns the number of rows it changed.
	Exec(query string, args ...any) (int64, error)
	Row(query string, args ...any) Row
	Query(query string, args ...any) (Rows, error)
	// Insert runs an INSERT and returns the id of the new row.
	Insert(query string, args ...any) (int64, error)
	// Guard runs fn so that a constraint violation it hits (a conflict the
	// caller answers) leaves the transaction usable.
	Guard(fn func() error) error
}

// Searchable is the free-text search, which each backend does its own way:
// SQLite's FTS5 tables, kept by triggers, and a suffix table; Postgres's
// pg_trgm indexes over Go-folded copies (name_lc, text_lc) that the writes
// of searched text store beside it.
type Searchable interface {
	// InsertCustomer inserts c with its profile and tags columns and
	// returns its id.
	InsertCustomer(c *api.Customer, profile, tags string) (int64, error)
	// UpdateCustomerRow writes c's name, profile and tags (not_found when
	// there is no such customer).
	UpdateCustomerRow(c *api.Customer, profile, tags string) error
	// InsertMemo inserts m (with Created set) and returns its id.
	InsertMemo(m *api.Memo) (int64, error)
	// TextCondition matches free text (trimmed, not empty) against the
	// chat's customer name and number and its memos, for a page of chats
	// (page) or for counts.
	TextCondition(text string, page bool) (TextMatch, error)
}

// TextMatch is a condition over chats c and its arguments.
type TextMatch struct {
	Cond         string
	Args         []any
	JoinCustomer bool // Cond reads the chat's customer as u
}

// EventLog is how a backend writes events: SQLite inserts each as it is
// appended; Postgres holds them back and numbers them at the end of the
// transaction.
type EventLog interface {
	// WriteEvent takes one checked event (At set, Data JSON).
	WriteEvent(e *api.Event) error
	// FlushEvents writes events held back, so that reads see them.
	FlushEvents() error
}

// Tx implements the store.Tx methods both backends share. A backend's
// transaction embeds it, with Conn, Search and Events set to itself.
type Tx struct {
	Conn   Conn
	Search Searchable
	Events EventLog
	D      *Dialect
	Now    time.Time // one timestamp per transaction
	Write  bool      // an Update's transaction (a View's cannot Append)
}

// UpdateOne runs a statement and returns not_found when it touched no row.
func (t *Tx) UpdateOne(what string, id any, query string, args ...any) error {
	n, err := t.Conn.Exec(query, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return NotFound(what, id)
	}
	return nil
}

// Int64s runs a one-column query.
func (t *Tx) Int64s(query string, args ...any) ([]int64, error) {
	return column[int64](t.Conn, query, args)
}

// Strings runs a one-column query.
func (t *Tx) Strings(query string, args ...any) ([]string, error) {
	return column[string](t.Conn, query, args)
}

func column[T any](c Conn, query string, args []any) ([]T, error) {
	rows, err := c.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
