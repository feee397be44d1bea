// Package sqlite is the embedded default store.Store: one SQLite file in WAL
// mode (modernc.org/sqlite, no cgo), numbered embedded migrations and one
// transaction helper. Writes go through a single connection so they are
// serialised in Go (no SQLITE_BUSY between our own goroutines) and committed
// events reach the OnCommit hook in id order.
//
// The store.Tx and store.Reports bodies are server/store/sqlstore's, shared
// with the Postgres store; this package gives them its connection (tx's
// Exec, Row, Query, Insert, Guard), its SQL where it differs (dialect), its
// FTS5 text search and its event writes.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlstore"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is a store.Store backed by one SQLite file.
type DB struct {
	sqlstore.Reports
	path     string
	w        *sql.DB // one connection, writes
	r        *sql.DB // readers, query_only
	ws, rs   *stmtCache
	mu       sync.Mutex
	readOnly bool
	onCommit func([]api.Event)
	handed   int64 // highest event id given to onCommit (guarded by mu)
	log      *slog.Logger
	busy     time.Duration
	now      func() time.Time

	// The checkpointer (see checkpointLoop): its own connection, so WAL
	// checkpoints, and their fsync, happen beside the writer, not inside
	// a commit of it.
	cp     *sql.DB
	dirty  atomic.Bool // a write committed since the last checkpoint
	cpStop chan struct{}
	cpDone chan struct{}
	cpOnce sync.Once // Close stops it once
}

var _ store.Store = (*DB)(nil)

// Option configures Open.
type Option func(*DB)

// WithOnCommit receives the events of every committed write transaction, in
// id order, after the commit succeeded. It must not block for long.
func WithOnCommit(f func([]api.Event)) Option { return func(d *DB) { d.onCommit = f } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(d *DB) { d.log = l } }

// WithBusyTimeout sets how long a write waits for a lock held by another
// process before failing with storage_unavailable (default 5 s).
func WithBusyTimeout(t time.Duration) Option { return func(d *DB) { d.busy = t } }

// WithClock sets the clock used for created/updated stamps (tests).
func WithClock(now func() time.Time) Option { return func(d *DB) { d.now = now } }

// readers is the size of the read pool.
const readers = 8

// Open opens (creating when missing) the database at path and applies pending
// migrations. A file without any write permission bit is opened read-only:
// reads work and every write fails with the read_only code.
func Open(path string, opts ...Option) (*DB, error) {
	d := &DB{path: path, log: slog.Default(), busy: 5 * time.Second, now: time.Now}
	d.Reports = sqlstore.NewReports(d, &dialect)
	for _, o := range opts {
		o(d)
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.Mode().Perm()&0o222 == 0:
		d.readOnly = true
		d.log.Warn("database file is read-only; writes will fail", "path", path)
	case os.IsNotExist(err):
		// Password and token hashes live here: owner-only from the start
		// (SQLite gives the -wal and -shm files the same permissions).
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", path, err)
		}
		f.Close()
	}
	if d.w, err = sql.Open("sqlite", d.dsn(true)); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d.w.SetMaxOpenConns(1)
	d.w.SetConnMaxIdleTime(0)
	if d.r, err = sql.Open("sqlite", d.dsn(false)); err != nil {
		d.w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Keep every reader open: database/sql keeps 2 idle by default, so
	// under load the others were closed after each transaction and the
	// next one paid for a new connection (file open, pragmas) and re-parsed
	// every prepared statement on it (a quarter of meetd's CPU per call).
	d.r.SetMaxOpenConns(readers)
	d.r.SetMaxIdleConns(readers)
	d.r.SetConnMaxIdleTime(0)
	if err := d.w.Ping(); err != nil {
		d.Close()
		return nil, fmt.Errorf("open %s: %w", path, mapErr(err))
	}
	if err := d.migrate(context.Background()); err != nil {
		d.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	d.ws, d.rs = newStmtCache(d.w), newStmtCache(d.r)
	if !d.readOnly {
		if err := d.startCheckpointer(); err != nil {
			d.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	if err := d.View(context.Background(), func(tx store.Tx) (err error) { d.handed, err = tx.LastEventID(); return }); err != nil {
		d.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return d, nil
}

func (d *DB) dsn(write bool) string {
	return d.dsnBusy(write, d.busy)
}

func (d *DB) dsnBusy(write bool, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	switch {
	case d.readOnly:
		q.Set("mode", "ro")
	case write:
		q.Add("_pragma", "journal_mode(WAL)")
		// Statement journals in memory: every insert that fires triggers
		// (FTS, customer suffixes, chat counts) keeps one, and in a grouped
		// transaction it outgrew SQLite's 64 KiB in-memory spill limit and
		// went to a temp file: a pwrite per page touched, 7 % of meetd's CPU
		// at 1,000 calls/s. The writer sorts nothing big, so the temp b-trees
		// this also keeps in memory stay small.
		q.Add("_pragma", "temp_store(MEMORY)")
		// Checkpoints are the checkpointer's (see checkpointLoop), not
		// the commit's that crosses SQLite's 1,000-page mark.
		q.Add("_pragma", "wal_autocheckpoint(0)")
		// When the WAL starts again from its beginning, the file is cut
		// back to this size: a burst of writes leaves no gigabyte-long
		// -wal file behind (see walRestartFrames).
		q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", walSizeLimit))
		q.Set("_txlock", "immediate")
	default:
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + (&url.URL{Path: d.path}).EscapedPath() + "?" + q.Encode()
}

// Path is the database file.
func (d *DB) Path() string { return d.path }

// ReadOnly reports whether the file was opened read-only.
func (d *DB) ReadOnly() bool { return d.readOnly }

// Close closes both pools.
func (d *DB) Close() error {
	var errs []error
	if d.cpStop != nil {
		d.cpOnce.Do(func() {
			close(d.cpStop)
			<-d.cpDone
			errs = append(errs, d.cp.Close())
		})
	}
	d.ws.close()
	d.rs.close()
	if d.w != nil && !d.readOnly {
		d.w.Exec(`PRAGMA optimize`) // refresh planner statistics where useful; best effort
	}
	if d.r != nil {
		errs = append(errs, d.r.Close())
	}
	if d.w != nil {
		errs = append(errs, d.w.Close())
	}
	return errors.Join(errs...)
}

// Update runs fn in one write transaction; events it appended are handed to
// the OnCommit hook after the commit.
func (d *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	if d.readOnly {
		return api.Errorf(api.CodeReadOnly, "database %s is read-only", d.path)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	sqlTx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	t := newTx(ctx, sqlTx, sqlTx, d.ws, d.now().UTC(), true)
	// Statements are prepared once the writer connection is free again
	// (deferred calls run last first: the rollback, a no-op after a commit,
	// goes before).
	defer func() { d.ws.finish(ctx, t.missed) }()
	defer sqlTx.Rollback()
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return mapErr(err)
	}
	if err := sqlTx.Commit(); err != nil {
		sqlTx.Rollback()
		return mapErr(err)
	}
	d.dirty.Store(true)
	if d.onCommit != nil && len(t.events) > 0 {
		// Events another process (meetd admin) committed before ours go first.
		if first := t.events[0].ID; first > d.handed+1 {
			if err := sqlstore.HandStored(ctx, d, &d.handed, first, d.onCommit); err != nil {
				d.log.Warn("reading events of other processes", "err", err)
			}
		}
		d.onCommit(t.events)
		d.handed = t.events[len(t.events)-1].ID
	}
	return nil
}

// SyncExternal hands events that other processes (e.g. `meetd admin`)
// appended to the OnCommit hook, in id order and once. The server calls it
// every few seconds; events of this process are handed at commit anyway.
func (d *DB) SyncExternal(ctx context.Context) error {
	if d.onCommit == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return sqlstore.HandStored(ctx, d, &d.handed, 0, d.onCommit)
}

// View runs fn in a read-only transaction (a consistent snapshot).
func (d *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	sqlTx, err := d.r.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	t := newTx(ctx, sqlTx, sqlTx, d.rs, d.now().UTC(), false)
	defer func() { d.rs.finish(ctx, t.missed) }()
	defer sqlTx.Rollback()
	return mapErr(fn(t))
}

// Query gives read access to the raw database for reporting code (stats,
// exports) that streams large results; rows come from a reader connection.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := d.r.QueryContext(ctx, query, args...)
	return rows, mapErr(err)
}

// checkpointEvery is how often the checkpointer copies the WAL's committed
// pages into the database file (when something was written meanwhile).
const checkpointEvery = 250 * time.Millisecond

// walRestartFrames is the WAL length (in pages) past which the
// checkpointer also restarts the WAL (see checkpoint); walSizeLimit is the
// size the -wal file is cut back to when it starts again.
const (
	walRestartFrames = 16384 // 64 MiB of 4 KiB pages
	walSizeLimit     = 64 << 20
)

// restartBusy is how long a restarting checkpoint waits for the writer and
// for readers of the WAL's old frames. It holds the write lock while it
// waits for the readers, so every write waits as long: a few ms, then it
// gives up and tries again at the next tick.
const restartBusy = 10 * time.Millisecond

// startCheckpointer opens the checkpointer's connection and starts it.
func (d *DB) startCheckpointer() error {
	// A short busy timeout: a passive checkpoint never waits anyway, and a
	// restarting one must not hold the write lock for long (restartBusy).
	cp, err := sql.Open("sqlite", d.dsnBusy(true, restartBusy))
	if err != nil {
		return err
	}
	cp.SetMaxOpenConns(1)
	cp.SetConnMaxIdleTime(0)
	if err := cp.Ping(); err != nil {
		cp.Close()
		return mapErr(err)
	}
	d.cp, d.cpStop, d.cpDone = cp, make(chan struct{}), make(chan struct{})
	go d.checkpointLoop()
	return nil
}

// checkpointLoop runs passive WAL checkpoints from its own connection.
// SQLite's automatic checkpoint runs inside the commit that crosses 1,000
// WAL pages, with an fsync of the database file: every write queued behind
// that commit (all calls' set-ups, grouped by server/calls) waited for it,
// a stall the set-up delay policy then shed INVITEs for. A passive
// checkpoint runs beside readers and the writer and blocks neither. When
// the database is closed SQLite checkpoints what is left.
func (d *DB) checkpointLoop() {
	defer close(d.cpDone)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-d.cpStop:
			return
		case <-t.C:
		}
		if !d.dirty.Swap(false) {
			continue
		}
		if err := d.checkpoint(walRestartFrames); err != nil {
			d.dirty.Store(true) // try again next time
			d.log.Warn("WAL checkpoint failed", "path", d.path, "err", err)
		}
	}
}

// checkpoint copies the WAL's committed pages into the database file
// (passive: it waits for no one). When the WAL holds restartAt pages or
// more it then also restarts it, so the next write goes to its beginning.
//
// Without that the WAL grew for as long as the load lasted: SQLite starts
// the WAL again only when a write begins while no reader uses it, and
// under load (calls' routing reads from 8 connections beside 100
// grouped writes a second) some reader always did: 0.8 to 2.2 GB of -wal
// file and 1.5 to 4.4 MB more of its index (-shm, mapped into meetd's
// RSS) after 60 s at 1,000 calls/s, growing further with a longer run. A
// restarting checkpoint blocks new writes while it waits for the readers
// that began before it to finish; readers that begin meanwhile read the
// database file, not the WAL, so it waits at most for the longest read in
// progress, or restartBusy, whichever is shorter (then it tries again).
func (d *DB) checkpoint(restartAt int) error {
	var busy, logged, done int
	if err := d.cp.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &done); err != nil {
		return err
	}
	if logged < restartAt {
		return nil
	}
	// busy = 1 when readers did not finish in time: not an error, the
	// next tick tries again.
	return d.cp.QueryRow(`PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &logged, &done)
}
