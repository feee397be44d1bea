package sqlite

import (
	"context"
	"embed"
	"fmt"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// Migrations are numbered files migrations/NNNN_name.sql, applied in number
// order, each in its own transaction, recorded in schema_version. Numbers
// 0100 and up are reserved for statistics and automation tables.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

var embedded = store.Embedded{FS: migrationFS, Dir: "migrations"}

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
	applied := map[int]bool{}
	rows, err := d.r.QueryContext(ctx, `SELECT version FROM schema_version`)
	if err == nil {
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return mapErr(err)
			}
			applied[v] = true
		}
		rows.Close()
	}
	var pending []store.Migration
	for _, m := range ms {
		if !applied[m.Version] {
			pending = append(pending, m)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	if d.readOnly {
		return api.Errorf(api.CodeReadOnly, "database is read-only and needs %d migration(s)", len(pending))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := d.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)`); err != nil {
		return mapErr(err)
	}
	for _, m := range pending {
		tx, err := d.w.BeginTx(ctx, nil)
		if err != nil {
			return mapErr(err)
		}
		var done int
		tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_version WHERE version = ?`, m.Version).Scan(&done)
		if done > 0 { // applied by another process meanwhile
			tx.Rollback()
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", m.Name, mapErr(err))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version(version, name, applied) VALUES (?, ?, ?)`,
			m.Version, m.Name, d.now().UnixNano()); err != nil {
			tx.Rollback()
			return mapErr(err)
		}
		if err := tx.Commit(); err != nil {
			return mapErr(err)
		}
		d.log.Info("applied migration", "name", m.Name)
	}
	return nil
}
