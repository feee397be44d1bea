package trunk

import (
	"sync"
	"time"
)

// recentCalls remembers the SIP Call-IDs (and INVITE branches) of calls that
// ended in the last `ttl`, so an INVITE retransmission that arrives after
// the call is over does not start a new one. Bounded in size and age.
type recentCalls struct {
	ttl time.Duration
	max int

	mu    sync.Mutex
	seen  map[string]string // Call-ID → branch
	order []recentEntry     // insertion order, for expiry
	head  int
}

type recentEntry struct {
	callID string
	at     time.Time
}

func newRecentCalls(ttl time.Duration, max int) *recentCalls {
	return &recentCalls{ttl: ttl, max: max, seen: make(map[string]string)}
}

func (r *recentCalls) add(callID, branch string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(now)
	if _, ok := r.seen[callID]; ok {
		return
	}
	for len(r.seen) >= r.max {
		r.popOldest()
	}
	r.seen[callID] = branch
	r.order = append(r.order, recentEntry{callID, now})
}

func (r *recentCalls) lookup(callID string, now time.Time) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(now)
	b, ok := r.seen[callID]
	return b, ok
}

func (r *recentCalls) expire(now time.Time) {
	for r.head < len(r.order) && now.Sub(r.order[r.head].at) > r.ttl {
		r.popOldest()
	}
	if r.head > 1024 && r.head > len(r.order)/2 {
		r.order = append(r.order[:0], r.order[r.head:]...)
		r.head = 0
	}
}

func (r *recentCalls) popOldest() {
	if r.head >= len(r.order) {
		return
	}
	delete(r.seen, r.order[r.head].callID)
	r.order[r.head] = recentEntry{}
	r.head++
}

func (r *recentCalls) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}
