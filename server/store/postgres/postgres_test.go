package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/postgres/pgtest"
)

var quiet = slog.New(slog.DiscardHandler)

// Nodes that start at once on a new database migrate it once between them.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	dbs := make([]*DB, 4)
	errs := make([]error, 4)
	for i := range dbs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			dbs[i], errs[i] = Open(context.Background(), url, WithLogger(quiet))
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	var n, max int
	err := dbs[0].pool.QueryRow(context.Background(), `SELECT count(*), max(version) FROM schema_version`).Scan(&n, &max)
	ms, _ := migrations()
	if err != nil || n != len(ms) || max != SchemaVersion() {
		t.Fatalf("schema_version: %d rows, max %d (%v); %d migrations, version %d", n, max, err, len(ms), SchemaVersion())
	}
	dbs[0].Close()
	again := openURL(t, url) // reopening applies nothing
	if err := again.pool.QueryRow(context.Background(), `SELECT count(*) FROM schema_version`).Scan(&n); err != nil || n != len(ms) {
		t.Fatalf("after reopen: %d rows (%v)", n, err)
	}
}

// A database that cannot be reached is storage_unavailable; a bad URL is
// bad_request.
func TestUnreachableAndBadURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = Open(ctx, fmt.Sprintf("postgres://meet@127.0.0.1:%d/meet?sslmode=disable&connect_timeout=2", port), WithLogger(quiet))
	if api.CodeOf(err) != api.CodeStorageUnavailable {
		t.Errorf("unreachable: %v (code %s)", err, api.CodeOf(err))
	}
	if _, err := Open(ctx, "postgres://meet@127.0.0.1:notaport/x", WithLogger(quiet)); api.CodeOf(err) != api.CodeBadRequest {
		t.Errorf("bad URL: %v", err)
	}
}

// A write that waits for a lock held elsewhere longer than the busy timeout
// fails with storage_unavailable and keeps nothing; reads go on.
func TestLockedIsStorageUnavailable(t *testing.T) {
	url := migratedURL(t)
	db := openURL(t, url, WithBusyTimeout(200*time.Millisecond))
	other := openURL(t, url)
	ctx := context.Background()
	var ch api.Channel
	if err := db.Update(ctx, func(tx store.Tx) error { ch = api.Channel{Name: "support"}; return tx.CreateChannel(&ch) }); err != nil {
		t.Fatal(err)
	}
	hold := make(chan struct{})
	held := make(chan struct{})
	// The other transaction holds the event counter: it appended an event
	// and read the log, which writes its events (and locks the counter)
	// there and then.
	go other.Update(ctx, func(tx store.Tx) error {
		if err := tx.Append(&api.Event{Type: api.EvChannelUpdated}); err != nil {
			return err
		}
		if _, err := tx.LastEventID(); err != nil {
			return err
		}
		close(held)
		<-hold
		return nil
	})
	<-held
	err := db.Update(ctx, func(tx store.Tx) error {
		c := api.Channel{Name: "sales"}
		if err := tx.CreateChannel(&c); err != nil {
			return err
		}
		return tx.Append(&api.Event{Type: api.EvChannelUpdated, ChannelID: c.ID})
	})
	if api.CodeOf(err) != api.CodeStorageUnavailable {
		t.Errorf("locked write: %v", err)
	}
	if err := db.View(ctx, func(tx store.Tx) error { _, err := tx.Channel(ch.ID); return err }); err != nil {
		t.Errorf("read while locked: %v", err)
	}
	close(hold)
	time.Sleep(50 * time.Millisecond)
	err = db.Update(ctx, func(tx store.Tx) error { c := api.Channel{Name: "sales"}; return tx.CreateChannel(&c) })
	if err != nil {
		t.Fatalf("write after unlock: %v", err)
	}
}

// Write transactions run side by side: one that is open (busy with its
// own rows) does not hold up another's commit, events and all; the event
// ids still follow commit order — the later commit gets the higher id.
func TestWritesDoNotSerialise(t *testing.T) {
	url := migratedURL(t)
	a, b := openURL(t, url), openURL(t, url)
	ctx := context.Background()
	var first, second api.Event
	inside, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- a.Update(ctx, func(tx store.Tx) error {
			c := api.Channel{Name: "slow"}
			if err := tx.CreateChannel(&c); err != nil {
				return err
			}
			first = api.Event{Type: api.EvChannelUpdated, ChannelID: c.ID}
			if err := tx.Append(&first); err != nil {
				return err
			}
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	quick, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := b.Update(quick, func(tx store.Tx) error {
		c := api.Channel{Name: "quick"}
		if err := tx.CreateChannel(&c); err != nil {
			return err
		}
		second = api.Event{Type: api.EvChannelUpdated, ChannelID: c.ID}
		return tx.Append(&second)
	})
	if err != nil {
		t.Fatalf("a write while another transaction is open: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if second.ID == 0 || first.ID != second.ID+1 {
		t.Fatalf("ids: the open transaction's event %d, the quick one's %d; want commit order (quick first, no gap)", first.ID, second.ID)
	}
}
