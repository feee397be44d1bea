package cluster_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/meet-dev/meet/server/cluster"
	"github.com/meet-dev/meet/server/cluster/natstest"
)

// TestStaffClaimsExclusive: three nodes ring the same members for their
// own calls at the same moment, over and over: each member is taken by
// exactly one node (compare-and-set in NATS KV), a claim released is free
// again, a seat overrides a ring, and a dead node's claims are free.
func TestStaffClaimsExclusive(t *testing.T) {
	srv := natstest.Start(t)
	db := testDB(t)
	r := &reaped{st: db, got: map[string][]string{}, ended: map[string]int{}}
	const ttl = 800 * time.Millisecond
	nodes := []string{"a", "b", "c"}
	leases := map[string]*leaseNode{}
	claims := map[string]*cluster.StaffClaims{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, n := range nodes {
		leases[n] = startLeases(t, srv.URL(), n, db, r, ttl)
		nc, err := nats.Connect(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		p, err := cluster.NewPresence(ctx, nc, n, quiet())
		if err != nil {
			t.Fatal(err)
		}
		go p.Watch(ctx)
		c, err := cluster.NewStaffClaims(ctx, nc, n, p, quiet())
		if err != nil {
			t.Fatal(err)
		}
		go c.Watch(ctx)
		claims[n] = c
		waitFor(t, "the lease view", func() bool { return p.Live(n) })
	}

	const members, rounds = 5, 20
	for round := range rounds {
		won := make([][]string, members)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i, n := range nodes {
			callID := int64(round*10 + i + 1)
			for s := range members {
				wg.Go(func() {
					if claims[n].Ring(int64(s+1), callID) {
						mu.Lock()
						won[s] = append(won[s], n)
						mu.Unlock()
					}
				})
			}
		}
		wg.Wait()
		for s, w := range won {
			if len(w) != 1 {
				t.Fatalf("round %d: member %d rung by %v, want exactly one node", round, s+1, w)
			}
			claims[w[0]].Release(int64(s+1), int64(round*10+indexOf(nodes, w[0])+1))
		}
	}

	// a rings member 1 for call 100; b may not, c's seat (an accept) wins.
	if !claims["a"].Ring(1, 100) || claims["b"].Ring(1, 200) {
		t.Fatal("a free member: a's ring must win and b's fail")
	}
	waitFor(t, "b's view of a's claim", func() bool { return claims["b"].Elsewhere(1, 200) })
	claims["c"].Seat(1, 300)
	if claims["a"].Ring(1, 100) {
		t.Fatal("a rang a member seated in c's call")
	}
	claims["a"].Release(1, 100) // not a's any more: nothing happens
	if node, call, _ := claims["b"].HolderOf(ctx, 1); node != "c" || call != 300 {
		t.Fatalf("holder of member 1: %s/%d, want c/300", node, call)
	}
	// c dies: its claims are free for the others.
	leases["c"].cancel()
	<-leases["c"].err
	waitFor(t, "c's lease to run out", func() bool { return !claims["a"].Elsewhere(1, 100) })
	if !claims["a"].Ring(1, 100) {
		t.Fatal("a could not take a member held by a dead node")
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
