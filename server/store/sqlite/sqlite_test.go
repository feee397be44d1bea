package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

func openTest(t *testing.T, opts ...Option) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meet.db")
	db, err := Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

type fixture struct {
	channel api.Channel
	team    api.Team
	staff   api.Staff
	chat    api.Chat
}

func seed(t *testing.T, db *DB) fixture {
	t.Helper()
	var f fixture
	err := db.Update(context.Background(), func(tx store.Tx) error {
		f.channel = api.Channel{Name: "support", Timezone: "Europe/Berlin", Numbers: []string{"+4930123"}, RingTimeoutS: 20}
		if err := tx.CreateChannel(&f.channel); err != nil {
			return err
		}
		f.team = api.Team{ChannelID: f.channel.ID, Name: "first line", AutoAssign: true}
		if err := tx.CreateTeam(&f.team); err != nil {
			return err
		}
		f.staff = api.Staff{Email: "ann@example.com", Name: "Ann", Role: api.RoleOperator,
			Channels: []int64{f.channel.ID}, Teams: []int64{f.team.ID}}
		if err := tx.CreateStaff(&f.staff, "hash"); err != nil {
			return err
		}
		f.chat = api.Chat{ChannelID: f.channel.ID, Customer: api.Customer{Number: "+4917000", Name: "Bob Müller"}}
		if err := tx.CreateChat(&f.chat); err != nil {
			return err
		}
		return tx.Append(&api.Event{Type: api.EvChatCreated, ChannelID: f.channel.ID, ChatID: f.chat.ID})
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLockedDatabaseIsStorageUnavailable(t *testing.T) {
	db, path := openTest(t, WithBusyTimeout(100*time.Millisecond))
	f := seed(t, db)
	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	err = db.Update(context.Background(), func(tx store.Tx) error { return tx.AddTag(f.chat.ID, "x") })
	if api.CodeOf(err) != api.CodeStorageUnavailable {
		t.Fatalf("locked write: %v", err)
	}
	// Reads still work in WAL mode.
	if err := db.View(context.Background(), func(tx store.Tx) error { _, err := tx.Chat(f.chat.ID); return err }); err != nil {
		t.Fatalf("read while locked: %v", err)
	}
	conn.ExecContext(context.Background(), "ROLLBACK")
	if err := db.Update(context.Background(), func(tx store.Tx) error { return tx.AddTag(f.chat.ID, "x") }); err != nil {
		t.Fatalf("write after unlock: %v", err)
	}
}

func TestReadOnlyFileAndRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meet.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f := seed(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	ro, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if !ro.ReadOnly() {
		t.Fatal("not opened read-only")
	}
	err = ro.View(context.Background(), func(tx store.Tx) error {
		c, err := tx.Chat(f.chat.ID)
		if err == nil && c.Customer.Number != "+4917000" {
			t.Errorf("chat after reopen = %+v", c)
		}
		return err
	})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	err = ro.Update(context.Background(), func(tx store.Tx) error { return tx.AddTag(f.chat.ID, "x") })
	if api.CodeOf(err) != api.CodeReadOnly {
		t.Fatalf("write to read-only file: %v", err)
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	db, path := openTest(t)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new database file mode = %v %v, want 0600", fi.Mode(), err)
	}
	db.Close()
	db2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	var n int
	rows, err := db2.Query(context.Background(), `SELECT count(*) FROM schema_version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		rows.Scan(&n)
	}
	rows.Close()
	ms, _ := migrations()
	if n != len(ms) || SchemaVersion() < 1 {
		t.Fatalf("schema_version rows %d, migrations %d", n, len(ms))
	}
}

// A migration file renamed after it was applied (0002_core_polish.sql →
// 0002_call_history_chat_counts.sql) is recognised by its number: opening
// a database that recorded the old name applies nothing again.
func TestRenamedMigrationNotReapplied(t *testing.T) {
	db, path := openTest(t)
	ctx := context.Background()
	if _, err := db.w.ExecContext(ctx, `UPDATE schema_version SET name = '0002_core_polish.sql' WHERE version = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2, err := Open(path)
	if err != nil {
		t.Fatalf("reopening after the rename: %v", err)
	}
	defer db2.Close()
	var n int
	var name string
	if err := db2.r.QueryRowContext(ctx, `SELECT count(*), max(name) FROM schema_version WHERE version = 2`).Scan(&n, &name); err != nil {
		t.Fatal(err)
	}
	if n != 1 || name != "0002_core_polish.sql" {
		t.Fatalf("version 2 recorded %d times, as %q", n, name)
	}
}
