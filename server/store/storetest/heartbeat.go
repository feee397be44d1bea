package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/meet-dev/meet/server/store"
)

func testHeartbeats(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	ctx := context.Background()
	last := func(node string) time.Time {
		var at time.Time
		if err := db.View(ctx, func(tx store.Tx) (err error) { at, err = tx.LastBeat(node); return }); err != nil {
			t.Fatal(err)
		}
		return at
	}
	if !last("").IsZero() {
		t.Fatal("a beat before any was written")
	}
	t1 := time.Date(2026, 1, 1, 9, 0, 0, 123, time.UTC)
	for _, at := range []time.Time{t1.Add(-time.Second), t1} {
		if err := db.Update(ctx, func(tx store.Tx) error { return tx.Beat("", at) }); err != nil {
			t.Fatal(err)
		}
	}
	if got := last(""); !got.Equal(t1) {
		t.Fatalf("last beat %v, want %v", got, t1)
	}
	if !last("node-b").IsZero() {
		t.Fatal("beats are per node")
	}
}
