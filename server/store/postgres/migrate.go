package postgres

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migrations are numbered files migrations/NNNN_name.sql, applied in number
// order, each in its own transaction, recorded in schema_version. Nodes that
// start at once take turns through an advisory lock, so each runs once.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateLock is the advisory lock key that serialises migrations ("meetmigr").
const migrateLock = 0x6d6565746d696772

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	seen := map[int]string{}
	for _, f := range files {
		base := path.Base(f)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", base)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share number %d", prev, base, v)
		}
		seen[v] = base
		b, err := migrationFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// SchemaVersion is the highest embedded migration number.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// SchemaHash identifies the exact embedded schema (all migration texts).
func SchemaHash() string {
	ms, _ := migrations()
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%s\n%s\n", m.name, m.sql)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

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
		if applied[m.version] {
			continue
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			tx.Rollback(ctx)
			return fmt.Errorf("%s: %w", m.name, mapErr(err))
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_version(version, name, applied) VALUES ($1, $2, $3)`,
			m.version, m.name, d.now().UnixNano()); err != nil {
			tx.Rollback(ctx)
			return mapErr(err)
		}
		if err := tx.Commit(ctx); err != nil {
			return mapErr(err)
		}
		d.log.Info("applied migration", "name", m.name)
	}
	return nil
}
