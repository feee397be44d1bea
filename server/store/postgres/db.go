// Package postgres is the store.Store for more than one machine: Postgres
// through pgx (github.com/jackc/pgx/v5), numbered embedded migrations and
// one transaction helper, with the same semantics and api error codes as
// server/store/sqlite.
//
// Events and commit order: every change appends its event in the same
// transaction. Appended events wait in the transaction until its body is
// done; then their ids are taken from the one-row event_counter table
// (UPDATE ... RETURNING), which row-locks the counter until the commit, and
// they are inserted in one statement. Only that last step and the commit
// go one transaction at a time; the bodies of write transactions run side
// by side (an earlier design took the counter first and serialised every
// write transaction from begin to commit, which capped calls/s at what one
// connection could do, however many nodes). Event ids stay gapless and in
// commit order, across every process and node on the database: a reader
// that has seen event N has seen every event below N, so a WebSocket
// replay "since N" never skips an event that commits later with a lower
// id. Nothing else is locked after the counter (events have no foreign
// keys), so the counter cannot be part of a deadlock; transactions without
// events never touch it. A transaction that reads events after appending
// some writes them (and takes the counter) at that point. Read
// transactions (View) never wait for it. Committed events reach the
// OnCommit hook in id order, once; events committed by other processes
// (meetd admin, other nodes) are read back and handed in order too.
//
// The store.Tx and store.Reports bodies are server/store/sqlstore's, shared
// with the SQLite store; this package gives them its connection (tx's Exec,
// Row, Query, Insert, Guard), its SQL where it differs (dialect), its
// pg_trgm text search and its event writes.
package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlstore"
)

// DB is a store.Store backed by a Postgres database.
type DB struct {
	sqlstore.Reports
	pool     *pgxpool.Pool
	url      string // without password, for messages
	onCommit func([]api.Event)
	hmu      sync.Mutex // guards handed and serialises onCommit
	handed   int64      // highest event id given to onCommit
	log      *slog.Logger
	now      func() time.Time
	maxConns int32
	lockWait time.Duration
}

var _ store.Store = (*DB)(nil)

// Option configures Open.
type Option func(*DB)

// WithOnCommit receives the events of every committed write transaction, in
// id order, after the commit succeeded. It must not block for long.
func WithOnCommit(f func([]api.Event)) Option { return func(d *DB) { d.onCommit = f } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(d *DB) { d.log = l } }

// WithClock sets the clock used for created/updated stamps (tests).
func WithClock(now func() time.Time) Option { return func(d *DB) { d.now = now } }

// WithMaxConns caps the connection pool (default 16, or the URL's pool_max_conns).
func WithMaxConns(n int32) Option { return func(d *DB) { d.maxConns = n } }

// WithBusyTimeout sets how long a statement waits for a lock held by another
// transaction before failing with storage_unavailable (default 5 s).
func WithBusyTimeout(t time.Duration) Option { return func(d *DB) { d.lockWait = t } }

// Open connects to the database at url (postgres://… or postgresql://…),
// applies pending migrations and returns the store.
func Open(ctx context.Context, url string, opts ...Option) (*DB, error) {
	d := &DB{log: slog.Default(), now: time.Now, lockWait: 5 * time.Second}
	d.Reports = sqlstore.NewReports(d, &dialect)
	for _, o := range opts {
		o(d)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, api.Errorf(api.CodeBadRequest, "database URL: %v", err)
	}
	d.url = redact(cfg)
	switch {
	case d.maxConns > 0:
		cfg.MaxConns = d.maxConns
	case !strings.Contains(url, "pool_max_conns"):
		// pgx's default is max(4, CPUs): too few for a node whose WebSocket
		// replays and API reads run beside the writer.
		cfg.MaxConns = 16
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["lock_timeout"] = fmt.Sprint(d.lockWait.Milliseconds())
	cfg.ConnConfig.RuntimeParams["application_name"] = "meetd"
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	if d.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("open %s: %w", d.url, mapErr(err))
	}
	if err := d.pool.Ping(ctx); err != nil {
		d.pool.Close()
		return nil, fmt.Errorf("open %s: %w", d.url, mapErr(err))
	}
	if err := d.migrate(ctx); err != nil {
		d.pool.Close()
		return nil, fmt.Errorf("migrate %s: %w", d.url, err)
	}
	if err := d.View(ctx, func(tx store.Tx) (err error) { d.handed, err = tx.LastEventID(); return }); err != nil {
		d.pool.Close()
		return nil, fmt.Errorf("open %s: %w", d.url, err)
	}
	return d, nil
}

// redact is the URL without its password.
func redact(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("postgres://%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// URL is the database address without the password.
func (d *DB) URL() string { return d.url }

// Close closes the pool.
func (d *DB) Close() error {
	d.pool.Close()
	return nil
}

// Pool is the connection pool, for code that needs Postgres itself
// (LISTEN/NOTIFY, session advisory locks). Prefer the store interfaces.
func (d *DB) Pool() *pgxpool.Pool { return d.pool }

// Update runs fn in one read-committed write transaction; events it
// appended are handed to the OnCommit hook after the commit.
func (d *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	pgTx, err := d.pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return mapErr(err)
	}
	t := newTx(ctx, pgTx, d.now().UTC(), true)
	if err := fn(t); err != nil {
		pgTx.Rollback(context.WithoutCancel(ctx))
		return mapErr(err)
	}
	// The events last, under the counter's lock until the commit: see the
	// package doc on commit order and locks.
	if err := t.FlushEvents(); err != nil {
		pgTx.Rollback(context.WithoutCancel(ctx))
		return mapErr(err)
	}
	if err := pgTx.Commit(ctx); err != nil {
		pgTx.Rollback(context.WithoutCancel(ctx))
		return mapErr(err)
	}
	if d.onCommit != nil && len(t.events) > 0 {
		d.hand(ctx, t.events)
	}
	return nil
}

// hand gives committed events to onCommit in id order, once: events of
// other transactions (of this or other processes) with lower ids that were
// not handed yet are read back and go first; events already handed (read
// back by a transaction that committed after ours) are skipped.
func (d *DB) hand(ctx context.Context, evs []api.Event) {
	d.hmu.Lock()
	defer d.hmu.Unlock()
	if first := evs[0].ID; first > d.handed+1 {
		if err := sqlstore.HandStored(ctx, d, &d.handed, first, d.onCommit); err != nil {
			d.log.Warn("reading events of other transactions", "err", err)
		}
	}
	for len(evs) > 0 && evs[0].ID <= d.handed {
		evs = evs[1:]
	}
	if len(evs) == 0 {
		return
	}
	d.onCommit(evs)
	d.handed = evs[len(evs)-1].ID
}

// SyncExternal hands events that other processes (meetd admin, other
// nodes) committed to the OnCommit hook, in id order and once. The server
// calls it every few seconds; events of this process are handed at commit.
func (d *DB) SyncExternal(ctx context.Context) error {
	if d.onCommit == nil {
		return nil
	}
	d.hmu.Lock()
	defer d.hmu.Unlock()
	return sqlstore.HandStored(ctx, d, &d.handed, 0, d.onCommit)
}

// View runs fn in a read-only transaction with one snapshot (repeatable read).
func (d *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	pgTx, err := d.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return mapErr(err)
	}
	defer pgTx.Rollback(context.WithoutCancel(ctx))
	t := newTx(ctx, pgTx, d.now().UTC(), false)
	if err := fn(t); err != nil {
		return mapErr(err)
	}
	return nil
}
