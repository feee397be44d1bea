package cluster_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/cluster"
	"github.com/meet-dev/meet/server/cluster/natstest"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/postgres/pgtest"
)

// BenchmarkEventFanout measures how long a committed event takes from node
// A's commit hook to node B's bus: NATS JetStream publish, B's ordered
// consumer and sequencer, over a real Postgres and an in-process (but real,
// TCP) NATS server on loopback. Events are written one at a time; wall
// clock, on a shared machine.
func BenchmarkEventFanout(b *testing.B) {
	srv := natstest.Start(b)
	url := pgtest.URL(b)
	var mu sync.Mutex
	committed := map[int64]time.Time{}
	arrived := make(chan api.Event, 1024)

	ncA, err := nats.Connect(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer ncA.Close()
	evA, err := cluster.NewEvents(ncA, "a", func([]api.Event) {}, cluster.WithEventsLogger(quiet()))
	if err != nil {
		b.Fatal(err)
	}
	dbA := postgresAt(url)(b, func(evs []api.Event) {
		now := time.Now()
		mu.Lock()
		for _, e := range evs {
			committed[e.ID] = now
		}
		mu.Unlock()
		evA.Committed(evs)
	})
	defer dbA.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go evA.Run(ctx, dbA)

	ncB, err := nats.Connect(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer ncB.Close()
	evB, err := cluster.NewEvents(ncB, "b", func(evs []api.Event) {
		for _, e := range evs {
			arrived <- e
		}
	}, cluster.WithEventsLogger(quiet()), cluster.WithPoll(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	dbB := postgresAt(url)(b, evB.Committed)
	defer dbB.Close()
	go evB.Run(ctx, dbB)
	time.Sleep(500 * time.Millisecond) // both consumers subscribed

	write := func() int64 {
		// Postgres gives an event its id as the transaction ends: read
		// it after Update returns.
		e := &api.Event{Type: api.EvChannelUpdated, ActorID: 1}
		if err := dbA.Update(ctx, func(tx store.Tx) error { return tx.Append(e) }); err != nil {
			b.Fatal(err)
		}
		return e.ID
	}
	wait := func(id int64) time.Time {
		timeout := time.After(10 * time.Second)
		for {
			select {
			case e := <-arrived:
				if e.ID == id {
					return time.Now()
				}
			case <-timeout:
				b.Fatalf("event %d never reached node b", id)
			}
		}
	}
	for range 20 { // warm up
		wait(write())
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		id := write()
		at := wait(id)
		mu.Lock()
		lat = append(lat, at.Sub(committed[id]))
		mu.Unlock()
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(q(0.5), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
	b.ReportMetric(0, "ns/op")
	if st := evB.Stats(); st.Remote == 0 {
		b.Fatalf("node b received nothing over NATS: %+v", st)
	}
}
