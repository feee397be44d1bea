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
	if b, ok := r.lookup("a", t0.Add(500*time.Millisecond)); !ok || b != "z9hG4bK1" {
		t.Fatalf("lookup: %q %v", b, ok)
	}
	if _, ok := r.lookup("a", t0.Add(2*time.Second)); ok {
		t.Fatal("entry must expire after ttl")
	}
	for i := range 10 {
		r.add(fmt.Sprint(i), "", t0.Add(3*time.Second))
	}
	if n := r.len(); n != 3 {
		t.Fatalf("size %d, want bound 3", n)
	}
	if _, ok := r.lookup("9", t0.Add(3*time.Second)); !ok {
		t.Fatal("newest entry evicted")
	}
	if _, ok := r.lookup("0", t0.Add(3*time.Second)); ok {
		t.Fatal("oldest entry kept beyond bound")
	}
}
