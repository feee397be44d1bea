package device

import "sync"

// ring is a bounded FIFO of samples between a writer goroutine and the
// device goroutine. When full, the oldest samples are dropped so latency
// stays bounded.
type ring struct {
	mu   sync.Mutex
	buf  []int16
	r, n int // read index, samples held
}

func newRing(capacity int) *ring { return &ring{buf: make([]int16, max(1, capacity))} }

// write appends s and returns how many old samples had to be dropped.
func (q *ring) write(s []int16) (dropped int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := len(q.buf)
	if len(s) > c {
		dropped += len(s) - c
		s = s[len(s)-c:]
	}
	if over := q.n + len(s) - c; over > 0 {
		q.r = (q.r + over) % c
		q.n -= over
		dropped += over
	}
	w := (q.r + q.n) % c
	k := copy(q.buf[w:], s)
	copy(q.buf, s[k:])
	q.n += len(s)
	return dropped
}

// read fills dst with up to len(dst) samples and returns how many.
func (q *ring) read(dst []int16) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(dst), q.n)
	c := len(q.buf)
	k := copy(dst[:n], q.buf[q.r:min(c, q.r+n)])
	copy(dst[k:n], q.buf)
	q.r = (q.r + n) % c
	q.n -= n
	return n
}

func (q *ring) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n
}

func (q *ring) reset() {
	q.mu.Lock()
	q.r, q.n = 0, 0
	q.mu.Unlock()
}
