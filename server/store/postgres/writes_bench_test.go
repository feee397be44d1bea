package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// BenchmarkConcurrentWrites: writers on two handles (two nodes) each run
// write transactions shaped like a call's set-up — a customer, a chat, a
// call, two events — against one real Postgres over loopback (pgtest:
// fsync off). tx/s is what the database takes in with `writers`
// transactions in flight. Only the events' ids and the commit take turns
// (the bodies run side by side), so more writers help as far as there are
// cores and I/O waits to overlap; on a 2-core machine shared with the
// client, the figure is bounded by CPU and says little about that.
// Wall-clock (see the bench table's load note).
func BenchmarkConcurrentWrites(b *testing.B) {
	url := migratedURL(b)
	open := func() *DB {
		db, err := Open(context.Background(), url, WithLogger(quiet))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}
	nodes := []*DB{open(), open()}
	ctx := context.Background()
	var ch api.Channel
	if err := nodes[0].Update(ctx, func(tx store.Tx) error {
		ch = api.Channel{Name: "bench", Timezone: "UTC"}
		return tx.CreateChannel(&ch)
	}); err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	one := func(db *DB) error {
		n := seq.Add(1)
		return db.Update(ctx, func(tx store.Tx) error {
			cust := api.Customer{Number: fmt.Sprintf("+8190%08d", n)}
			if err := tx.CreateCustomer(&cust); err != nil {
				return err
			}
			chat := api.Chat{ChannelID: ch.ID, Medium: api.MediumPhone, State: api.ChatOpened, Customer: cust}
			if err := tx.CreateChat(&chat); err != nil {
				return err
			}
			c := api.Call{ChatID: chat.ID, ChannelID: ch.ID, Direction: api.Inbound, From: cust.Number, To: "+81500000011",
				State: api.CallWaiting, Created: time.Now()}
			if err := tx.CreateCall(&c); err != nil {
				return err
			}
			if err := tx.Append(&api.Event{Type: api.EvChatCreated, ChannelID: ch.ID, ChatID: chat.ID}); err != nil {
				return err
			}
			return tx.Append(&api.Event{Type: api.EvCallCreated, ChannelID: ch.ID, ChatID: chat.ID, CallID: c.ID})
		})
	}
	for _, writers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			const perRun = 400
			b.ResetTimer()
			t0 := time.Now()
			total := 0
			for range b.N {
				var wg sync.WaitGroup
				var left atomic.Int64
				left.Store(perRun)
				errs := make(chan error, writers)
				for w := range writers {
					db := nodes[w%len(nodes)]
					wg.Go(func() {
						for left.Add(-1) >= 0 {
							if err := one(db); err != nil {
								errs <- err
								return
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				if err := <-errs; err != nil {
					b.Fatal(err)
				}
				total += perRun
			}
			b.ReportMetric(float64(total)/time.Since(t0).Seconds(), "tx/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
