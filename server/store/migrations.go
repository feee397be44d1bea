package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one numbered schema step, a file NNNN_name.sql. Both stores
// apply them in number order, each in its own transaction, and record the
// number (not the name: a file may be renamed to say what it adds).
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads the *.sql files of dir in fsys, sorted by number;
// a malformed name or two files sharing a number is an error.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var ms []Migration
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
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: base, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// SchemaVersion is the highest number in ms (0 when empty).
func SchemaVersion(ms []Migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// SchemaHash identifies the exact schema of ms (all names and texts).
func SchemaHash(ms []Migration) string {
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%s\n%s\n", m.Name, m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Embedded are a store's migration files, embedded in its binary: the
// *.sql files of Dir in FS.
type Embedded struct {
	FS  fs.FS
	Dir string
}

// Migrations reads them (LoadMigrations).
func (e Embedded) Migrations() ([]Migration, error) { return LoadMigrations(e.FS, e.Dir) }

// Version is the highest migration number.
func (e Embedded) Version() int {
	ms, _ := e.Migrations()
	return SchemaVersion(ms)
}

// Hash identifies the exact schema (all migration names and texts).
func (e Embedded) Hash() string {
	ms, _ := e.Migrations()
	return SchemaHash(ms)
}
