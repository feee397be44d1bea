package store

import "testing"

func TestParseDSN(t *testing.T) {
	for _, c := range []struct {
		in      string
		backend Backend
		target  string
	}{
		{"meetd.db", BackendSQLite, "meetd.db"},
		{"/var/lib/meetd/meetd.db", BackendSQLite, "/var/lib/meetd/meetd.db"},
		{"./data/m.db", BackendSQLite, "./data/m.db"},
		{"dir with: colon/m.db", BackendSQLite, "dir with: colon/m.db"},
		{"sqlite:/tmp/m.db", BackendSQLite, "/tmp/m.db"},
		{"sqlite:///tmp/m.db", BackendSQLite, "/tmp/m.db"},
		{"sqlite:rel.db", BackendSQLite, "rel.db"},
		{"postgres://meet:pw@127.0.0.1:5432/meet?sslmode=disable", BackendPostgres, "postgres://meet:pw@127.0.0.1:5432/meet?sslmode=disable"},
		{"postgresql://localhost/meet", BackendPostgres, "postgresql://localhost/meet"},
		{"POSTGRES://localhost/meet", BackendPostgres, "POSTGRES://localhost/meet"},
	} {
		d, err := ParseDSN(c.in)
		if err != nil || d.Backend != c.backend || d.Target != c.target {
			t.Errorf("ParseDSN(%q) = %+v, %v; want %s %q", c.in, d, err, c.backend, c.target)
		}
	}
	for _, in := range []string{"", "  ", "foo://x/y", "mysql://root@localhost/meet", "postgres:meet", "http://example.com/db",
		"sqlite:", "postgres:/tmp/x.db", "redis:6379"} {
		if d, err := ParseDSN(in); err == nil {
			t.Errorf("ParseDSN(%q) = %+v, want an error", in, d)
		}
	}
	if s := (DSN{Backend: BackendPostgres, Target: "postgres://u:secret@h/db"}).String(); s != "postgres://u:xxxxx@h/db" {
		t.Errorf("redacted = %q", s)
	}
}
