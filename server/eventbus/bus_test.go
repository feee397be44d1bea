package eventbus

import (
	"testing"

	"github.com/meet-dev/meet/api"
)

func evs(from, to int64) []api.Event {
	var out []api.Event
	for i := from; i <= to; i++ {
		out = append(out, api.Event{ID: i, Type: api.EvChatUpdated})
	}
	return out
}

func TestFanOutInOrder(t *testing.T) {
	b := New()
	a, cancelA := b.Subscribe(10)
	c, cancelC := b.Subscribe(10)
	defer cancelA()
	b.Publish(evs(1, 5))
	for _, ch := range []<-chan api.Event{a, c} {
		for want := int64(1); want <= 5; want++ {
			if e := <-ch; e.ID != want {
				t.Fatalf("got %d want %d", e.ID, want)
			}
		}
	}
	cancelC()
	cancelC() // idempotent
	if _, ok := <-c; ok {
		t.Fatal("cancelled channel not closed")
	}
	if b.Subscribers() != 1 || b.Published() != 5 {
		t.Fatalf("subscribers %d published %d", b.Subscribers(), b.Published())
	}
}

func TestSlowSubscriberDroppedNotBlocking(t *testing.T) {
	b := New()
	slow, cancel := b.Subscribe(3)
	defer cancel()
	fast, cancelFast := b.Subscribe(100)
	defer cancelFast()
	b.Publish(evs(1, 10)) // must not block
	n := 0
	for range slow {
		n++
	}
	if n != 3 {
		t.Fatalf("slow subscriber got %d before close, want 3", n)
	}
	if len(fast) != 10 || b.Dropped() != 1 || b.Subscribers() != 1 {
		t.Fatalf("fast %d dropped %d subs %d", len(fast), b.Dropped(), b.Subscribers())
	}
}
