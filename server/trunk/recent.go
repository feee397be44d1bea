package trunk

import (
	"hash/maphash"
	"sync"
	"time"
)

// recent remembers 64-bit keys (with a value each) for ttl, up to max of
// them: past max the oldest goes first. It keeps the key and the time as
// nanoseconds, nothing else, because at 1,000 calls/s the trunk's two
// lists hold tens of thousands of entries.
type recent[V any] struct {
	ttl time.Duration
	max int

	mu    sync.Mutex
	seen  map[uint64]V
	order []recentEntry // insertion order, for expiry
	head  int
}

type recentEntry struct {
	key uint64
	at  int64 // Unix nanoseconds
}

func newRecent[V any](ttl time.Duration, max int) *recent[V] {
	return &recent[V]{ttl: ttl, max: max, seen: make(map[uint64]V)}
}

func (r *recent[V]) put(k uint64, v V, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(now)
	if _, ok := r.seen[k]; ok {
		return
	}
	for len(r.seen) >= r.max {
		r.popOldest()
	}
	r.seen[k] = v
	r.order = append(r.order, recentEntry{k, now.UnixNano()})
}

func (r *recent[V]) get(k uint64, now time.Time) (V, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(now)
	v, ok := r.seen[k]
	return v, ok
}

func (r *recent[V]) expire(now time.Time) {
	cut := now.Add(-r.ttl).UnixNano()
	for r.head < len(r.order) && r.order[r.head].at < cut {
		r.popOldest()
	}
	if r.head > 1024 && r.head > len(r.order)/2 {
		r.order = append(r.order[:0], r.order[r.head:]...)
		r.head = 0
	}
}

func (r *recent[V]) popOldest() {
	if r.head >= len(r.order) {
		return
	}
	delete(r.seen, r.order[r.head].key)
	r.order[r.head] = recentEntry{}
	r.head++
}

func (r *recent[V]) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}

// recentCalls remembers the SIP Call-IDs (and INVITE branches) of calls that
// ended in the last `ttl`, so an INVITE retransmission that arrives after
// the call is over does not start a new one. Bounded in size and age.
//
// It holds up to max entries for ttl (the trunk's: 32 s, 65,536), so it
// keeps 64-bit hashes of each Call-ID and branch (with a seed of its own:
// no caller can choose colliding keys, and an accidental collision among
// 65,536 entries has a chance of about 4·10⁻¹⁵ per lookup) instead of the
// strings: about 60 bytes an entry (measured with 60,000); with the
// Call-ID strings it was 200, with the branch strings 100.
type recentCalls struct {
	seed            maphash.Seed
	*recent[uint64] // hash of the Call-ID → hash of the branch
}

func newRecentCalls(ttl time.Duration, max int) *recentCalls {
	return &recentCalls{seed: maphash.MakeSeed(), recent: newRecent[uint64](ttl, max)}
}

func (r *recentCalls) add(callID, branch string, now time.Time) {
	r.put(maphash.String(r.seed, callID), maphash.String(r.seed, branch), now)
}

// lookup reports whether a call with callID ended recently and whether its
// INVITE had this branch (a retransmission of it, not a new request).
func (r *recentCalls) lookup(callID, branch string, now time.Time) (seen, sameBranch bool) {
	b, ok := r.get(maphash.String(r.seed, callID), now)
	return ok, ok && b == maphash.String(r.seed, branch)
}

// endedCalls remembers the IDs of calls that ended in the last ttl, up to
// max of them, so a late action on one fails at once with ErrCallEnded: a
// set of the IDs themselves, about 60 bytes an entry (it was 75, as
// strings hashed into recentCalls).
type endedCalls struct{ *recent[struct{}] }

func newEndedCalls(ttl time.Duration, max int) endedCalls {
	return endedCalls{newRecent[struct{}](ttl, max)}
}

func (e endedCalls) add(callID int64, now time.Time) { e.put(uint64(callID), struct{}{}, now) }

func (e endedCalls) has(callID int64, now time.Time) bool {
	_, ok := e.get(uint64(callID), now)
	return ok
}
