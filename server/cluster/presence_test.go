package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/cluster"
	"github.com/meet-dev/meet/server/cluster/natstest"
)

type fakeSignaller struct{ offers map[int64]int }

func (f *fakeSignaller) Offer(_ context.Context, staffID int64, _ string) (string, error) {
	f.offers[staffID]++
	return "answer", nil
}
func (f *fakeSignaller) Online(staffID int64) bool { return f.offers[staffID] > 0 }

// TestPresenceOneNodePerSoftphone: a member's softphone connects through
// one node of the cluster at a time; a live node's claim refuses the
// others (conflict), a released or dead node's claim is taken over.
func TestPresenceOneNodePerSoftphone(t *testing.T) {
	srv := natstest.Start(t)
	db := testDB(t)
	r := &reaped{st: db, got: map[string][]string{}, ended: map[string]int{}}
	const ttl = 600 * time.Millisecond
	la := startLeases(t, srv.URL(), "a", db, r, ttl)
	startLeases(t, srv.URL(), "b", db, r, ttl)
	ctx := context.Background()
	presence := func(node string) (*cluster.Presence, *fakeSignaller, cluster.Signaller) {
		nc, err := nats.Connect(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		p, err := cluster.NewPresence(ctx, nc, node, quiet())
		if err != nil {
			t.Fatal(err)
		}
		f := &fakeSignaller{offers: map[int64]int{}}
		return p, f, p.Guard(f)
	}
	pa, fa, sa := presence("a")
	_, fb, sb := presence("b")

	if _, err := sa.Offer(ctx, 7, "sdp"); err != nil {
		t.Fatal(err)
	}
	if _, err := sa.Offer(ctx, 7, "sdp"); err != nil { // reconnect to the same node
		t.Fatal(err)
	}
	if _, err := sb.Offer(ctx, 7, "sdp"); api.CodeOf(err) != api.CodeConflict || fb.offers[7] != 0 {
		t.Fatalf("second node's offer for a member connected to a: %v (offers %v)", err, fb.offers)
	}
	if _, err := sb.Offer(ctx, 8, "sdp"); err != nil { // another member
		t.Fatal(err)
	}
	pa.Release(ctx, 7)
	if _, err := sb.Offer(ctx, 7, "sdp"); err != nil {
		t.Fatalf("after a released it: %v", err)
	}
	if _, err := sa.Offer(ctx, 7, "sdp"); api.CodeOf(err) != api.CodeConflict || fa.offers[7] != 2 {
		t.Fatalf("a's offer for a member now on b: %v", err)
	}
	// a dies: b takes its member over once a's lease ran out.
	if _, err := sa.Offer(ctx, 9, "sdp"); err != nil {
		t.Fatal(err)
	}
	la.cancel()
	<-la.err
	time.Sleep(ttl + 100*time.Millisecond)
	if _, err := sb.Offer(ctx, 9, "sdp"); err != nil {
		t.Fatalf("member of a dead node: %v", err)
	}
}
