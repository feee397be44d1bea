// Package eventbus fans committed events out to live subscribers (WebSocket
// clients, the call lifecycle, automations). It never blocks a publisher: a
// subscriber that falls behind by more than its buffer is dropped — its
// channel is closed — and must catch up from the store (events are stored
// before they are published, so nothing is lost).
package eventbus

import (
	"sync"
	"sync/atomic"

	"github.com/meet-dev/meet/api"
)

// Bus is an in-process event fan-out. The zero value is not usable; call New.
type Bus struct {
	mu        sync.Mutex
	subs      map[*sub]struct{}
	published atomic.Uint64
	dropped   atomic.Uint64
}

type sub struct {
	ch     chan api.Event
	closed bool
}

// New returns an empty bus.
func New() *Bus { return &Bus{subs: map[*sub]struct{}{}} }

// Publish hands events to every subscriber in order. Call it with events in
// id order (the store's OnCommit does).
func (b *Bus) Publish(evs []api.Event) {
	if len(evs) == 0 {
		return
	}
	b.published.Add(uint64(len(evs)))
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		for _, e := range evs {
			select {
			case s.ch <- e:
				continue
			default:
			}
			// Too slow: drop the subscriber so it resynchronises from the store.
			s.closed = true
			close(s.ch)
			delete(b.subs, s)
			b.dropped.Add(1)
			break
		}
	}
}

// Subscribe returns a channel of events published from now on and a cancel
// function (safe to call more than once). A closed channel before cancel
// means the subscriber fell more than buffer events behind.
func (b *Bus) Subscribe(buffer int) (<-chan api.Event, func()) {
	if buffer < 1 {
		buffer = 1
	}
	s := &sub{ch: make(chan api.Event, buffer)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s.ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if !s.closed {
			s.closed = true
			close(s.ch)
			delete(b.subs, s)
		}
	}
}

// Subscribers is the number of live subscriptions.
func (b *Bus) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Published counts every event ever published.
func (b *Bus) Published() uint64 { return b.published.Load() }

// Dropped counts subscribers dropped for being too slow.
func (b *Bus) Dropped() uint64 { return b.dropped.Load() }
