package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlstore"
)

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tx implements store.Tx over one SQL transaction: the shared bodies of
// sqlstore.Tx over this package's Conn (the methods below) and dialect.
type tx struct {
	sqlstore.Tx
	ctx    context.Context
	q      querier
	events []api.Event
	sqlTx  *sql.Tx    // q, when statements may come from stmts
	stmts  *stmtCache // prepared statements of the pool (nil: none)
	missed []string   // queries run unprepared, for stmts.finish
	// The transaction's copies of the cached statements it ran: a grouped
	// write runs the same few statements for hundreds of calls, and
	// sql.Tx.StmtContext allocates and locks for each copy (they share the
	// connection's prepared statement either way).
	copies map[*sql.Stmt]*sql.Stmt
}

var _ store.Tx = (*tx)(nil)

// newTx is a transaction over q; sqlTx and stmts are nil for none.
func newTx(ctx context.Context, q querier, sqlTx *sql.Tx, stmts *stmtCache, now time.Time, write bool) *tx {
	t := &tx{ctx: ctx, q: q, sqlTx: sqlTx, stmts: stmts}
	t.Tx = sqlstore.Tx{Conn: t, Search: t, Events: t, D: &dialect, Now: now, Write: write}
	return t
}

// dialect is SQLite's SQL where it differs from Postgres's.
var dialect = sqlstore.Dialect{
	MapErr:       mapErr,
	InsertIgnore: func(into string) string { return "INSERT OR IGNORE INTO " + into },
	EmailIs:      "email=?", // the column is COLLATE NOCASE
	In: func(ids []int64) (string, []any) {
		ph, args := placeholders(ids)
		return " IN (" + ph + ")", args
	},
	IndexedBy:   func(index string) string { return " INDEXED BY " + index },
	NoIndex:     func(col string) string { return "+" + col },
	TaggedChats: func(bool) string { return ` FROM chat_tags g JOIN chats c ON c.id = g.chat_id` },
	CountIf:     func(cond string) string { return "coalesce(sum(" + cond + "), 0)" },
	Sum:         func(col string) string { return "sum(" + col + ")" },
	False:       "0",
	TagList:     "group_concat(tag, ';')",
	Greatest:    "max",
	LockRow:     "",                     // the writer connection takes one transaction at a time
	FillCalls:   sqlstore.FillCallsEach, // one prepared statement per call beats an IN list of varying length, which would be parsed anew
}

// stmt returns the transaction's copy of query's prepared statement, or nil
// (then the query runs unprepared and is noted for the cache).
func (t *tx) stmt(query string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	if st := t.stmts.get(query); st != nil {
		if c := t.copies[st]; c != nil {
			return c
		}
		c := t.sqlTx.StmtContext(t.ctx, st)
		if t.copies == nil {
			t.copies = map[*sql.Stmt]*sql.Stmt{}
		}
		t.copies[st] = c
		return c
	}
	t.missed = append(t.missed, query)
	return nil
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	if st := t.stmt(query); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.q.ExecContext(t.ctx, query, args...)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(query); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.q.QueryContext(t.ctx, query, args...)
}

func (t *tx) row(query string, args ...any) *sql.Row {
	if st := t.stmt(query); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.q.QueryRowContext(t.ctx, query, args...)
}

// Exec, Row, Query, Insert and Guard are the sqlstore.Conn of the shared bodies.

func (t *tx) Exec(query string, args ...any) (int64, error) {
	res, err := t.exec(query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *tx) Row(query string, args ...any) sqlstore.Row { return t.row(query, args...) }

func (t *tx) Query(query string, args ...any) (sqlstore.Rows, error) {
	rows, err := t.query(query, args...)
	if err != nil { // not a typed nil in the interface
		return nil, err
	}
	return rows, nil
}

func (t *tx) Insert(query string, args ...any) (int64, error) {
	res, err := t.exec(query, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// Guard runs fn: a failed statement leaves an SQLite transaction usable.
func (t *tx) Guard(fn func() error) error { return fn() }

// placeholders returns "?,?,?" with n marks and the ids as args.
func placeholders(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?,", len(ids)), ","), args
}
