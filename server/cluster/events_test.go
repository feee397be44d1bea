package cluster_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/cluster"
	"github.com/meet-dev/meet/server/cluster/natstest"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/postgres"
	"github.com/meet-dev/meet/server/store/postgres/pgtest"
	"github.com/meet-dev/meet/server/store/sqlite"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// node is one meetd's event side: its own connection to the shared
// database and to NATS, its relay, and what its local bus received.
type node struct {
	name   string
	db     store.Store
	ev     *cluster.Events
	mu     sync.Mutex
	got    []api.Event
	cancel context.CancelFunc
	done   chan struct{}
}

// opener opens one node's connection to the shared database.
type opener func(t testing.TB, onCommit func([]api.Event)) store.Store

func sqliteAt(path string) opener {
	return func(t testing.TB, onCommit func([]api.Event)) store.Store {
		db, err := sqlite.Open(path, sqlite.WithOnCommit(onCommit), sqlite.WithLogger(quiet()))
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
}

func postgresAt(url string) opener {
	return func(t testing.TB, onCommit func([]api.Event)) store.Store {
		db, err := postgres.Open(context.Background(), url, postgres.WithOnCommit(onCommit), postgres.WithLogger(quiet()))
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
}

func startNode(t testing.TB, name string, open opener, natsURL string, opts ...cluster.EventsOption) *node {
	t.Helper()
	n := &node{name: name, done: make(chan struct{})}
	nc, err := nats.Connect(natsURL, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	n.ev, err = cluster.NewEvents(nc, name, n.deliver, opts...)
	if err != nil {
		t.Fatal(err)
	}
	n.db = open(t, n.ev.Committed)
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	go func() {
		defer close(n.done)
		if err := n.ev.Run(ctx, n.db); err != nil {
			t.Errorf("%s: run: %v", name, err)
		}
	}()
	t.Cleanup(func() { n.stop(); n.db.Close() })
	return n
}

func (n *node) stop() {
	n.cancel()
	<-n.done
}

func (n *node) deliver(evs []api.Event) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, evs...)
}

func (n *node) events() []api.Event {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]api.Event(nil), n.got...)
}

// write commits k events in one transaction on n.
func (n *node) write(t *testing.T, k int) {
	t.Helper()
	err := n.db.Update(context.Background(), func(tx store.Tx) error {
		for range k {
			if err := tx.Append(&api.Event{Type: api.EvChannelUpdated, ActorID: 1}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// stored is every event in the database after id.
func stored(t *testing.T, db store.Store, after int64) []api.Event {
	t.Helper()
	var all []api.Event
	for {
		var evs []api.Event
		if err := db.View(context.Background(), func(tx store.Tx) (err error) { evs, err = tx.EventsSince(after, 1000); return }); err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return all
		}
		all = append(all, evs...)
		after = evs[len(evs)-1].ID
	}
}

// waitAll waits until n's bus holds exactly want's ids, in order, once.
func waitAll(t *testing.T, n *node, want []api.Event) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := n.events()
		if len(got) >= len(want) || time.Now().After(deadline) {
			if len(got) != len(want) {
				t.Fatalf("%s: got %d events, want %d", n.name, len(got), len(want))
			}
			for i := range want {
				if got[i].ID != want[i].ID {
					t.Fatalf("%s: event %d is id %d, want %d (order or duplicate)", n.name, i, got[i].ID, want[i].ID)
				}
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitStarted(t *testing.T, ns ...*node) {
	t.Helper()
	// Run has read the newest id and subscribed once a first write is seen;
	// give the consumers a moment to be created.
	deadline := time.Now().Add(10 * time.Second)
	for _, n := range ns {
		for n.ev.Stats().Last == 0 && time.Now().Before(deadline) {
			n.write(t, 1)
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestEventsAcrossNodes: two nodes over one database (a real Postgres, and
// one SQLite file) and a real NATS server; each node's bus receives every
// event of both, in id order, once.
func TestEventsAcrossNodes(t *testing.T) {
	t.Run("postgres", func(t *testing.T) { testEventsAcrossNodes(t, postgresAt(pgtest.URL(t))) })
	t.Run("sqlite", func(t *testing.T) { testEventsAcrossNodes(t, sqliteAt(filepath.Join(t.TempDir(), "meet.db"))) })
}

func testEventsAcrossNodes(t *testing.T, open opener) {
	srv := natstest.Start(t)
	// No database poll: whatever B receives came over NATS (or was read to
	// close a gap NATS showed).
	a := startNode(t, "a", open, srv.URL(), cluster.WithPoll(time.Hour))
	b := startNode(t, "b", open, srv.URL(), cluster.WithPoll(time.Hour))
	waitStarted(t, a, b)
	base := max(a.ev.Stats().Last, b.ev.Stats().Last)
	// Quiesce: both start at base.
	waitLast(t, a, base)
	waitLast(t, b, base)
	a.mu.Lock()
	a.got = nil
	a.mu.Unlock()
	b.mu.Lock()
	b.got = nil
	b.mu.Unlock()

	// Only A writes: B hears everything from NATS.
	for i := range 50 {
		a.write(t, 1+i%3)
	}
	want := stored(t, a.db, base)
	waitAll(t, b, want)
	waitAll(t, a, want)
	if st := b.ev.Stats(); st.Remote == 0 {
		t.Fatalf("b received nothing over NATS: %+v", st)
	}

	// Both write at once, NATS restarts in the middle: still every event,
	// in order, once, on both.
	var wg sync.WaitGroup
	for _, n := range []*node{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				n.write(t, 1+i%2)
				if i == 50 && n == a {
					srv.Restart()
				}
			}
		}()
	}
	wg.Wait()
	a.write(t, 1) // after the restart: its publish shows B (and A) any gap
	b.write(t, 1)
	want = stored(t, a.db, base)
	waitAll(t, a, want)
	waitAll(t, b, want)
}

func waitLast(t *testing.T, n *node, id int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for n.ev.Stats().Last < id {
		if time.Now().After(deadline) {
			t.Fatalf("%s: stuck at %d, want %d", n.name, n.ev.Stats().Last, id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestEventsPollFindsUnpublished: a node that dies between its commit and
// its publish (here: never connected its relay) loses nobody the event; the
// survivors' database poll delivers it.
func TestEventsPollFindsUnpublished(t *testing.T) {
	srv := natstest.Start(t)
	url := pgtest.URL(t)
	b := startNode(t, "b", postgresAt(url), srv.URL(), cluster.WithPoll(50*time.Millisecond))
	waitStarted(t, b)
	base := b.ev.Stats().Last
	b.mu.Lock()
	b.got = nil
	b.mu.Unlock()
	dead := postgresAt(url)(t, nil) // a node whose events never reach NATS
	defer dead.Close()
	if err := dead.Update(context.Background(), func(tx store.Tx) error {
		return tx.Append(&api.Event{Type: api.EvChannelUpdated})
	}); err != nil {
		t.Fatal(err)
	}
	waitAll(t, b, stored(t, dead, base))
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testDB opens a fresh SQLite store in the test's directory, closed with
// the test.
func testDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "meet.db"), sqlite.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
