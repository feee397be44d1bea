package store

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Backend names a store implementation.
type Backend int

const (
	BackendUnknown Backend = iota
	BackendSQLite
	BackendPostgres
)

func (b Backend) String() string {
	switch b {
	case BackendSQLite:
		return "sqlite"
	case BackendPostgres:
		return "postgres"
	}
	return "unknown"
}

// DSN is a parsed --db value.
type DSN struct {
	Backend Backend
	// Target is the SQLite file path, or the Postgres URL as given.
	Target string
}

// String is the DSN for messages: a Postgres URL without its password.
func (d DSN) String() string {
	if d.Backend != BackendPostgres {
		return d.Target
	}
	u, err := url.Parse(d.Target)
	if err != nil {
		return "postgres://…"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// schemeLike is "name:" at the start of a value, as in a URL.
var schemeLike = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// ParseDSN reads a --db value (MEETD_DB):
//   - postgres://… or postgresql://… (a Postgres URL, as libpq takes it);
//   - sqlite:PATH or sqlite://PATH, or a plain file path: a SQLite file.
//
// Anything else that looks like a URL (another scheme such as mysql://…, or
// "name:" before the path) is an error, never a file name: a mistyped URL
// must not silently create a SQLite file in a folder named after it.
func ParseDSN(s string) (DSN, error) {
	if strings.TrimSpace(s) == "" {
		return DSN{}, fmt.Errorf("--db is empty: give a SQLite file path or a postgres:// URL")
	}
	m := schemeLike.FindStringSubmatch(s)
	if m == nil {
		return DSN{Backend: BackendSQLite, Target: s}, nil
	}
	switch strings.ToLower(m[1]) {
	case "postgres", "postgresql":
		if !strings.HasPrefix(s[len(m[0]):], "//") {
			return DSN{}, fmt.Errorf("--db %q: a Postgres URL looks like postgres://user:password@host:5432/dbname", s)
		}
		if _, err := url.Parse(s); err != nil {
			return DSN{}, fmt.Errorf("--db: invalid Postgres URL: %v", err)
		}
		return DSN{Backend: BackendPostgres, Target: s}, nil
	case "sqlite", "sqlite3", "file":
		path := strings.TrimPrefix(s[len(m[0]):], "//")
		if path == "" {
			return DSN{}, fmt.Errorf("--db %q: sqlite: needs a file path, e.g. sqlite:/var/lib/meetd/meetd.db", s)
		}
		return DSN{Backend: BackendSQLite, Target: path}, nil
	}
	if len(m[1]) == 1 && len(s) > 2 && (s[2] == '\\' || s[2] == '/') {
		return DSN{Backend: BackendSQLite, Target: s}, nil // a Windows drive letter, C:\…
	}
	return DSN{}, fmt.Errorf("--db %q: unknown database scheme %q: use a SQLite file path (or sqlite:PATH) or a postgres:// URL", s, m[1]+":")
}
