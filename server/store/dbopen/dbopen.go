// Package dbopen opens the store a --db value names: a SQLite file (the
// embedded default) or a Postgres database (postgres://…), see
// store.ParseDSN. It is the one place that picks a store implementation.
package dbopen

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/postgres"
	"github.com/meet-dev/meet/server/store/sqlite"
)

// Options configure Open.
type Options struct {
	OnCommit    func([]api.Event) // committed events, in id order (nil: none)
	Logger      *slog.Logger      // nil: slog.Default()
	BusyTimeout time.Duration     // how long a write waits for a lock (0: the store's default)
	// MustExist refuses to create a SQLite file that is not there yet
	// (commands that only read, e.g. meetd route simulate).
	MustExist bool
}

// Open parses dsn and opens its store, applying pending migrations. A new
// SQLite file's directory is created.
func Open(ctx context.Context, dsn string, o Options) (store.DB, error) {
	d, err := store.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	switch d.Backend {
	case store.BackendPostgres:
		opts := []postgres.Option{postgres.WithLogger(o.Logger)}
		if o.OnCommit != nil {
			opts = append(opts, postgres.WithOnCommit(o.OnCommit))
		}
		if o.BusyTimeout > 0 {
			opts = append(opts, postgres.WithBusyTimeout(o.BusyTimeout))
		}
		return postgres.Open(ctx, d.Target, opts...)
	case store.BackendSQLite:
		if o.MustExist {
			if _, err := os.Stat(d.Target); err != nil {
				return nil, fmt.Errorf("database %s: %w", d.Target, err)
			}
		} else if err := os.MkdirAll(filepath.Dir(d.Target), 0o750); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		opts := []sqlite.Option{sqlite.WithLogger(o.Logger)}
		if o.OnCommit != nil {
			opts = append(opts, sqlite.WithOnCommit(o.OnCommit))
		}
		if o.BusyTimeout > 0 {
			opts = append(opts, sqlite.WithBusyTimeout(o.BusyTimeout))
		}
		return sqlite.Open(d.Target, opts...)
	}
	return nil, fmt.Errorf("--db %s: unsupported database", d)
}
