package cluster_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/cluster"
	"github.com/meet-dev/meet/server/cluster/natstest"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
)

// reaped records which node ended which lost node's calls.
type reaped struct {
	st    store.Store
	mu    sync.Mutex
	got   map[string][]string // lost node → reapers
	ended map[string]int      // lost node → calls ended
}

// endCalls ends the node's live calls in the store (what
// calls.Manager.EndNodeCalls does, minus the rest of the lifecycle).
func (r *reaped) endCalls(by string) func(context.Context, string) (int, error) {
	return func(ctx context.Context, node string) (int, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got[node] = append(r.got[node], by)
		n := 0
		err := r.st.Update(ctx, func(tx store.Tx) error {
			live, err := tx.LiveCalls(0)
			if err != nil {
				return err
			}
			for _, c := range live {
				if c.Node == node {
					c.State, c.MissedReason = api.CallEnded, api.ReasonNodeLost
					if err := tx.UpdateCall(&c); err != nil {
						return err
					}
					n++
				}
			}
			return nil
		})
		r.ended[node] += n
		return n, err
	}
}

func (r *reaped) of(node string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got[node]...)
}

type leaseNode struct {
	l      *cluster.Leases
	cancel context.CancelFunc
	err    chan error
}

func startLeases(t *testing.T, url, name string, st store.Store, r *reaped, ttl time.Duration) *leaseNode {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	l, err := cluster.NewLeases(nc, name, st, r.endCalls(name), cluster.WithLeaseTTL(ttl), cluster.WithLeasesLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := l.Register(ctx); err != nil {
		t.Fatal(err)
	}
	n := &leaseNode{l: l, cancel: cancel, err: make(chan error, 1)}
	go func() { n.err <- l.Run(ctx) }()
	t.Cleanup(cancel)
	return n
}

// TestLeases: a node that stops renewing (as after kill -9) has its calls
// ended by exactly one survivor within a few TTLs; so does a node that owns
// live calls without ever holding a lease; live nodes are left alone.
func TestLeases(t *testing.T) {
	srv := natstest.Start(t)
	db := testDB(t)
	ghostCall(t, db, "ghost")
	r := &reaped{st: db, got: map[string][]string{}, ended: map[string]int{}}
	const ttl = 800 * time.Millisecond
	startLeases(t, srv.URL(), "a", db, r, ttl)
	startLeases(t, srv.URL(), "b", db, r, ttl)
	c := startLeases(t, srv.URL(), "c", db, r, ttl)
	time.Sleep(2 * ttl)
	if got := r.of("c"); len(got) != 0 {
		t.Fatalf("live node c reaped by %v", got)
	}
	c.cancel() // c stops renewing
	<-c.err
	killed := time.Now()
	deadline := killed.Add(5 * ttl)
	for len(r.of("c")) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(killed)
	time.Sleep(2 * ttl) // would a second survivor reap it again?
	if got := r.of("c"); len(got) != 1 || got[0] == "c" {
		t.Fatalf("lost node c reaped by %v, want exactly one survivor", got)
	}
	if took > 3*ttl {
		t.Errorf("c's calls ended %v after it stopped, want within 3 TTLs", took)
	}
	r.mu.Lock()
	ghostEnded := r.ended["ghost"]
	r.mu.Unlock()
	if got := r.of("ghost"); len(got) == 0 || ghostEnded != 1 {
		// Two survivors may both look (the second finds nothing left).
		t.Errorf("lease-less node with one live call: reaped by %v, %d calls ended, want 1", got, ghostEnded)
	}
	if got := r.of("a"); len(got) != 0 {
		t.Errorf("live node a reaped by %v", got)
	}
}

// TestLeaseFenced: a node whose lease another node took over stops.
func TestLeaseFenced(t *testing.T) {
	srv := natstest.Start(t)
	db := testDB(t)
	r := &reaped{st: db, got: map[string][]string{}, ended: map[string]int{}}
	a := startLeases(t, srv.URL(), "a", db, r, 400*time.Millisecond)
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	kv, err := js.KeyValue(context.Background(), cluster.LeaseBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(context.Background(), "a", []byte(`{"node":"a","state":"reaping","by":"z"}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-a.err:
		if !errors.Is(err, cluster.ErrFenced) {
			t.Fatalf("Run = %v, want ErrFenced", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a kept running on a lease taken over")
	}
}

// ghostCall stores a live call owned by node.
func ghostCall(t *testing.T, db *sqlite.DB, node string) {
	t.Helper()
	err := db.Update(context.Background(), func(tx store.Tx) error {
		ch := api.Channel{Name: "support", Timezone: "UTC"}
		if err := tx.CreateChannel(&ch); err != nil {
			return err
		}
		chat := api.Chat{ChannelID: ch.ID, Medium: api.MediumPhone, State: api.ChatOpened, Customer: api.Customer{Number: "+1"}}
		if err := tx.CreateChat(&chat); err != nil {
			return err
		}
		return tx.CreateCall(&api.Call{ChatID: chat.ID, ChannelID: ch.ID, Direction: api.Inbound, From: "+1", To: "+2",
			State: api.CallWaiting, Created: time.Now(), Node: node})
	})
	if err != nil {
		t.Fatal(err)
	}
}
