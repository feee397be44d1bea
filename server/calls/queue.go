package calls

import "sync"

// queue runs side effects (trunk and media calls) and asynchronous inputs
// (guidance finished, events from the bus) one at a time, in the order they
// were queued, on one worker goroutine that never holds the manager's lock.
// Nothing that holds the manager's lock ever waits for the trunk or the room,
// so the trunk may call back into the manager from any goroutine.
type queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []func()
	busy   bool
	closed bool
	done   chan struct{}
}

func newQueue() *queue {
	q := &queue{done: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	go q.run()
	return q
}

// push queues fs; false when the queue is closed (fs will never run).
func (q *queue) push(fs ...func()) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	if len(fs) > 0 {
		q.items = append(q.items, fs...)
		q.cond.Broadcast()
	}
	return true
}

func (q *queue) run() {
	defer close(q.done)
	q.mu.Lock()
	for {
		for len(q.items) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.items) == 0 && q.closed {
			q.mu.Unlock()
			return
		}
		f := q.items[0]
		q.items[0] = nil
		q.items = q.items[1:]
		q.busy = true
		q.mu.Unlock()
		f()
		q.mu.Lock()
		q.busy = false
		q.cond.Broadcast()
	}
}

// drain waits until everything queued so far, and everything it queued in
// turn, has run.
func (q *queue) drain() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for (len(q.items) > 0 || q.busy) && !(q.closed && len(q.items) == 0 && !q.busy) {
		q.cond.Wait()
	}
}

// close runs what is queued, then stops the worker.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
	<-q.done
}
