package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

func testEventsOfOtherProcesses(t *testing.T, h Harness) {
	var mu sync.Mutex
	var got []int64
	db := h.Open(t, Options{OnCommit: func(evs []api.Event) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range evs {
			got = append(got, e.ID)
		}
	}})
	other := h.Reopen(t, db, Options{}) // another process, e.g. `meetd admin`
	ctx := context.Background()
	appendOne := func(d store.Store) {
		t.Helper()
		if err := d.Update(ctx, func(tx store.Tx) error { return tx.Append(&api.Event{Type: api.EvChannelUpdated}) }); err != nil {
			t.Fatal(err)
		}
	}
	appendOne(db)    // 1, handed at commit
	appendOne(other) // 2, external
	appendOne(other) // 3, external
	appendOne(db)    // 4: 2 and 3 are handed first
	appendOne(other) // 5, external: only SyncExternal sees it
	if err := db.SyncExternal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.SyncExternal(ctx); err != nil { // nothing new: no repeats
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Fatalf("handed %v, want [1 2 3 4 5]", got)
	}
}

// testEventIDsInCommitOrder has writers on two handles (two processes or
// nodes) append events in transactions that stay open a while, and a reader
// that follows the log with EventsSince: ids must become visible in order,
// without a gap that a later commit fills (a replay "since N" would skip
// it). Each handle's OnCommit hook must see every event once, in order.
func testEventIDsInCommitOrder(t *testing.T, h Harness) {
	type tally struct {
		mu  sync.Mutex
		ids []int64
	}
	var hooks [2]tally
	hook := func(i int) func([]api.Event) {
		return func(evs []api.Event) {
			hooks[i].mu.Lock()
			defer hooks[i].mu.Unlock()
			for _, e := range evs {
				hooks[i].ids = append(hooks[i].ids, e.ID)
			}
		}
	}
	a := h.Open(t, Options{OnCommit: hook(0)})
	b := h.Reopen(t, a, Options{OnCommit: hook(1)})
	ctx := context.Background()
	const writers, txs, perTx = 6, 8, 3
	stop := make(chan struct{})
	readerDone := make(chan error, 1)
	go func() {
		var last int64
		for {
			var evs []api.Event
			if err := a.View(ctx, func(tx store.Tx) (err error) { evs, err = tx.EventsSince(last, 0); return }); err != nil {
				readerDone <- err
				return
			}
			for _, e := range evs {
				if e.ID != last+1 {
					readerDone <- fmt.Errorf("after event %d the reader saw %d", last, e.ID)
					return
				}
				last = e.ID
			}
			select {
			case <-stop:
				if last == writers*txs*perTx {
					readerDone <- nil
					return
				}
			default:
			}
			time.Sleep(time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			db := []store.DB{a, b}[w%2]
			for i := 0; i < txs; i++ {
				err := db.Update(ctx, func(tx store.Tx) error {
					for j := 0; j < perTx; j++ {
						if err := tx.Append(&api.Event{Type: api.EvChannelUpdated, StaffID: int64(w)}); err != nil {
							return err
						}
						time.Sleep(time.Millisecond) // keep the transaction open across other writers
					}
					return nil
				})
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(stop)
	select {
	case err := <-readerDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the reader never saw every event")
	}
	for i, db := range []store.DB{a, b} {
		if err := db.SyncExternal(ctx); err != nil {
			t.Fatal(err)
		}
		hooks[i].mu.Lock()
		ids := hooks[i].ids
		hooks[i].mu.Unlock()
		if len(ids) != writers*txs*perTx {
			t.Fatalf("handle %d: hook saw %d events, want %d", i, len(ids), writers*txs*perTx)
		}
		for j, id := range ids {
			if id != int64(j+1) {
				t.Fatalf("handle %d: hook saw %v…, want 1, 2, 3, … in order", i, ids[:j+1])
			}
		}
	}
}
