package calls

import "sync"

// lazyQueue runs queued items, in order, on up to workers goroutines that
// start when items wait and end when none do, handing each run up to
// batch items. The store writer (one worker, batches: one transaction for
// what queued meanwhile) and the store reads of inbound calls (a few
// workers, one read each) both run on one.
type lazyQueue[T any] struct {
	mu      sync.Mutex
	pending []T
	running int
	workers int
	batch   int
	run     func([]T)
}

// push queues x, starting a worker when fewer than workers run.
func (q *lazyQueue[T]) push(x T) {
	q.mu.Lock()
	q.pending = append(q.pending, x)
	if q.running < q.workers {
		q.running++
		go q.loop()
	}
	q.mu.Unlock()
}

func (q *lazyQueue[T]) loop() {
	for {
		q.mu.Lock()
		n := min(len(q.pending), q.batch)
		if n == 0 {
			q.running--
			q.pending = nil
			q.mu.Unlock()
			return
		}
		items := q.pending[:n:n]
		q.pending = q.pending[n:]
		q.mu.Unlock()
		q.run(items)
	}
}
