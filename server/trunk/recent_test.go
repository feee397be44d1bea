package trunk

import (
	"fmt"
	"testing"
	"time"
)

func TestRecentCallsExpireAndBound(t *testing.T) {
	r := newRecentCalls(time.Second, 3)
	t0 := time.Unix(1000, 0)
	r.add("a", "z9hG4bK1", t0)
	if ok, same := r.lookup("a", "z9hG4bK1", t0.Add(500*time.Millisecond)); !ok || !same {
		t.Fatalf("lookup: %v %v", ok, same)
	}
	if ok, same := r.lookup("a", "z9hG4bK2", t0.Add(500*time.Millisecond)); !ok || same {
		t.Fatalf("lookup with another branch: %v %v", ok, same)
	}
	if ok, _ := r.lookup("a", "z9hG4bK1", t0.Add(2*time.Second)); ok {
		t.Fatal("entry must expire after ttl")
	}
	for i := range 10 {
		r.add(fmt.Sprint(i), "", t0.Add(3*time.Second))
	}
	if n := r.len(); n != 3 {
		t.Fatalf("size %d, want bound 3", n)
	}
	if ok, _ := r.lookup("9", "", t0.Add(3*time.Second)); !ok {
		t.Fatal("newest entry evicted")
	}
	if ok, _ := r.lookup("0", "", t0.Add(3*time.Second)); ok {
		t.Fatal("oldest entry kept beyond bound")
	}
}

func TestEndedCallsExpireAndBound(t *testing.T) {
	e := newEndedCalls(endedTTL, 3)
	t0 := time.Unix(1000, 0)
	e.add(41, t0)
	if !e.has(41, t0.Add(endedTTL-time.Second)) || e.has(42, t0) {
		t.Fatal("has: want 41 only")
	}
	if e.has(41, t0.Add(endedTTL+time.Second)) {
		t.Fatal("an ended call's ID must be forgotten after endedTTL")
	}
	for id := range int64(10) {
		e.add(id, t0.Add(time.Minute))
	}
	if n := e.len(); n != 3 || !e.has(9, t0.Add(time.Minute)) || e.has(0, t0.Add(time.Minute)) {
		t.Fatalf("size %d: want the newest 3", n)
	}
}
