package calls

import (
	"slices"
	"testing"
	"time"
)

func TestManualClock(t *testing.T) {
	c := NewManualClock(t0)
	var got []string
	at := func(name string) func() {
		return func() { got = append(got, name+"@"+c.Now().Sub(t0).String()) }
	}
	c.AfterFunc(3*time.Second, at("c"))
	c.AfterFunc(time.Second, at("a"))
	stopped := c.AfterFunc(2*time.Second, at("never"))
	c.AfterFunc(time.Second, func() {
		at("b")()
		c.AfterFunc(time.Second, at("chained")) // scheduled by a timer, due within this Advance
	})
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop should succeed once")
	}
	if n, ok := c.Next(); !ok || !n.Equal(t0.Add(time.Second)) || c.Pending() != 3 {
		t.Errorf("next %v %v pending %d", n, ok, c.Pending())
	}
	c.Advance(2500 * time.Millisecond)
	want := []string{"a@1s", "b@1s", "chained@2s"}
	if !slices.Equal(got, want) {
		t.Errorf("fired %v, want %v", got, want)
	}
	if !c.Now().Equal(t0.Add(2500 * time.Millisecond)) {
		t.Errorf("now %v", c.Now())
	}
	c.Advance(time.Second)
	if got[len(got)-1] != "c@3s" || c.Pending() != 0 {
		t.Errorf("fired %v pending %d", got, c.Pending())
	}
}

func TestQueue(t *testing.T) {
	q := newQueue()
	var order []int
	for i := range 5 {
		q.push(7, func() {
			order = append(order, i)
			if i == 2 {
				q.push(7, func() { order = append(order, 99) }) // queued by a queued item
			}
		})
	}
	q.drain()
	if !slices.Equal(order, []int{0, 1, 2, 3, 4, 99}) {
		t.Errorf("order %v", order)
	}
	q.push(7, func() { order = append(order, 5) })
	q.close()
	if order[len(order)-1] != 5 {
		t.Error("close must run what was queued")
	}
	if q.push(7, func() { t.Error("ran after close") }) {
		t.Error("push after close accepted")
	}
	q.drain() // returns at once on a closed queue
}
