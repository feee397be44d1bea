package trunk

import (
	"hash/maphash"
	"strings"
	"sync"
	"time"
)

// recentCalls remembers the SIP Call-IDs (and INVITE branches) of calls that
// ended in the last `ttl`, so an INVITE retransmission that arrives after
// the call is over does not start a new one. Bounded in size and age.
//
// It holds up to max entries for ttl (the trunk's: 32 s of Call-IDs and
// 5 min of call IDs, 65,536 each), so it keeps a 64-bit hash of each key
// (with a seed of its own: no caller can choose colliding keys, and an
// accidental collision among 65,536 entries has a chance of about 4·10⁻¹⁵
// per lookup) and the time as nanoseconds: about 60 bytes an entry instead
// of 200 with the Call-ID strings, which at 1,000 calls/s was 10 MB of live
// heap that grew for the first minutes of a run.
type recentCalls struct {
	ttl  time.Duration
	max  int
	seed maphash.Seed

	mu    sync.Mutex
	seen  map[uint64]string // hash of the Call-ID → branch
	order []recentEntry     // insertion order, for expiry
	head  int
}

type recentEntry struct {
	key uint64
	at  int64 // Unix nanoseconds
}

func newRecentCalls(ttl time.Duration, max int) *recentCalls {
	return &recentCalls{ttl: ttl, max: max, seed: maphash.MakeSeed(), seen: make(map[uint64]string)}
}

func (r *recentCalls) add(callID, branch string, now time.Time) {
	k := maphash.String(r.seed, callID)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(now)
	if _, ok := r.seen[k]; ok {
		return
	}
	for len(r.seen) >= r.max {
		r.popOldest()
	}
	// A copy: the branch may be a slice of a whole Via header.
	r.seen[k] = strings.Clone(branch)
	r.order = append(r.order, recentEntry{k, now.UnixNano()})
}

func (r *recentCalls) lookup(callID string, now time.Time) (string, bool) {
	k := maphash.String(r.seed, callID)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(now)
	b, ok := r.seen[k]
	return b, ok
}

func (r *recentCalls) expire(now time.Time) {
	cut := now.Add(-r.ttl).UnixNano()
	for r.head < len(r.order) && r.order[r.head].at < cut {
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
	delete(r.seen, r.order[r.head].key)
	r.order[r.head] = recentEntry{}
	r.head++
}

func (r *recentCalls) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}
