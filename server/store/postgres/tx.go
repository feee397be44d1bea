package postgres

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlstore"
)

// tx implements store.Tx over one pgx transaction: the shared bodies of
// sqlstore.Tx over this package's Conn (the methods below) and dialect.
type tx struct {
	sqlstore.Tx
	ctx    context.Context
	q      pgx.Tx
	events []api.Event
	// pending are events appended and not yet written: they get their ids
	// (and are inserted) at the end of the transaction (FlushEvents).
	pending []*api.Event
}

var _ store.Tx = (*tx)(nil)

func newTx(ctx context.Context, q pgx.Tx, now time.Time, write bool) *tx {
	t := &tx{ctx: ctx, q: q}
	t.Tx = sqlstore.Tx{Conn: t, Search: t, Events: t, D: &dialect, Now: now, Write: write}
	return t
}

// dialect is Postgres's SQL where it differs from SQLite's.
var dialect = sqlstore.Dialect{
	MapErr:       mapErr,
	InsertIgnore: func(into string) string { return "INSERT INTO " + into + " ON CONFLICT DO NOTHING" },
	EmailIs:      "lower(email)=lower(?)", // the unique index is on lower(email)
	In:           func(ids []int64) (string, []any) { return " = ANY(?)", []any{ids} },
	IndexedBy:    func(string) string { return "" },
	NoIndex:      func(col string) string { return col },
	TaggedChats: func(page bool) string {
		if page {
			// A page looks each tagged chat up by key (the OFFSET 0 fence
			// keeps the planner from merge-joining a walk over all chats,
			// which reads thousands of rows when the other filters are rare).
			return ` FROM chat_tags g CROSS JOIN LATERAL (SELECT * FROM chats c0 WHERE c0.id = g.chat_id OFFSET 0) c`
		}
		return ` FROM chat_tags g JOIN chats c ON c.id = g.chat_id`
	},
	CountIf:   func(cond string) string { return "count(*) FILTER (WHERE " + cond + ")" },
	Sum:       func(col string) string { return "sum(" + col + ")::bigint" }, // sum of bigint is numeric
	False:     "false",
	TagList:   "string_agg(tag, ';' ORDER BY tag)",
	Greatest:  "greatest",
	LockRow:   " FOR UPDATE",
	FillCalls: sqlstore.FillCallsAtOnce, // each query is a round trip
}

// Queries are written with ? placeholders, like the SQLite store's, and
// numbered ($1, $2, …) once per distinct text.
var rebound sync.Map // string → string

func rebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	s := b.String()
	rebound.Store(q, s)
	return s
}

func (t *tx) exec(query string, args ...any) (pgconn.CommandTag, error) {
	return t.q.Exec(t.ctx, rebind(query), cleanArgs(args)...)
}

func (t *tx) query(query string, args ...any) (pgx.Rows, error) {
	return t.q.Query(t.ctx, rebind(query), cleanArgs(args)...)
}

func (t *tx) row(query string, args ...any) pgx.Row {
	return t.q.QueryRow(t.ctx, rebind(query), cleanArgs(args)...)
}

// Exec, Row, Query, Insert and Guard are the sqlstore.Conn of the shared bodies.

func (t *tx) Exec(query string, args ...any) (int64, error) {
	tag, err := t.exec(query, args...)
	return tag.RowsAffected(), err
}

func (t *tx) Row(query string, args ...any) sqlstore.Row { return t.row(query, args...) }

func (t *tx) Query(query string, args ...any) (sqlstore.Rows, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

// pgRows are pgx.Rows as sqlstore.Rows (pgx's Close returns nothing; its
// error is Err's).
type pgRows struct{ pgx.Rows }

func (r pgRows) Close() error { r.Rows.Close(); return nil }

// cleanArgs makes text arguments storable: Postgres refuses a NUL or
// invalid UTF-8 in text (SQLite stores any bytes), and a caller name from
// a SIP header may hold either. They become U+FFFD instead of failing the
// whole transaction (a call record, say).
func cleanArgs(args []any) []any {
	for i, a := range args {
		if s, ok := a.(string); ok && (!utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0) {
			args[i] = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
		}
	}
	return args
}

// Insert runs an INSERT … RETURNING id.
func (t *tx) Insert(query string, args ...any) (int64, error) {
	var id int64
	err := t.row(query+` RETURNING id`, args...).Scan(&id)
	return id, err
}

// Guard runs fn in a savepoint, so a constraint violation it hits (a
// conflict the caller may answer by reading on) leaves the transaction usable.
func (t *tx) Guard(fn func() error) error {
	sp, err := t.q.Begin(t.ctx)
	if err != nil {
		return err
	}
	outer := t.q
	t.q = sp
	err = fn()
	t.q = outer
	if err != nil {
		sp.Rollback(t.ctx)
		return err
	}
	return sp.Commit(t.ctx)
}

// fold is the case folding of the search columns (name_lc, text_lc) and of
// search text: Go's, so it does not depend on the database's locale.
func fold(s string) string { return strings.ToLower(s) }
