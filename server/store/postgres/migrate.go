package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/meet-dev/meet/server/store"
)

// Migrations are numbered files migrations/NNNN_name.sql, applied in number
// order, each in its own transaction, recorded in schema_version. Nodes that
// start at once take turns through an advisory lock, so each runs once.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

var embedded = store.Embedded{FS: migrationFS, Dir: "migrations"}

// migrateLock is the advisory lock key that serialises migrations ("meetmigr").
const migrateLock = 0x6d6565746d696772

func migrations() ([]store.Migration, error) { return embedded.Migrations() }

// SchemaVersion is the highest embedded migration number.
func SchemaVersion() int { return embedded.Version() }

// SchemaHash identifies the exact embedded schema (all migration texts).
func SchemaHash() string { return embedded.Hash() }

func (d *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
		return mapErr(err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrateLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied BIGINT NOT NULL)`); err != nil {
		return mapErr(err)
	}
	applied := map[int]bool{}
	rows, err := conn.Query(ctx, `SELECT version FROM schema_version`)
	if err != nil {
		return mapErr(err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return mapErr(err)
		}
		applied[v] = true
	}
	rows.Close()
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			tx.Rollback(ctx)
			return fmt.Errorf("%s: %w", m.Name, mapErr(err))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_version(version, name, applied) VALUES ($1, $2, $3)`,
			m.Version, m.Name, d.now().UnixNano()); err != nil {
			tx.Rollback(ctx)
			return mapErr(err)
		}
		if err := tx.Commit(ctx); err != nil {
			return mapErr(err)
		}
		d.log.Info("applied migration", "name", m.Name)
	}
	return nil
}
