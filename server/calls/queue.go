package calls

import "sync"

// queue runs side effects (trunk and media calls) and asynchronous inputs
// (guidance finished, events from the bus) outside the manager's lock, in
// lanes: one lane per call, so one call's effects run in the order they were
// queued while different calls proceed in parallel (a slow or stuck SIP
// dialog never holds up the others). Nothing that holds the manager's lock
// ever waits for the trunk or the room, so the trunk may call back into the
// manager from any goroutine. A lane's goroutine exists only while the lane
// has work.
type queue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	lanes   map[int64][]func()
	pending int // queued or running
	closed  bool
	workers sync.WaitGroup
}

// laneGeneral carries work that belongs to no call (re-evaluation).
const laneGeneral int64 = 0

func newQueue() *queue {
	q := &queue{lanes: map[int64][]func(){}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// push queues fs on lane; false when the queue is closed (fs will never run).
func (q *queue) push(lane int64, fs ...func()) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	if len(fs) == 0 {
		return true
	}
	items, busy := q.lanes[lane]
	q.lanes[lane] = append(items, fs...)
	q.pending += len(fs)
	if !busy {
		q.workers.Add(1)
		go q.work(lane)
	}
	return true
}

// work runs lane until it is empty.
func (q *queue) work(lane int64) {
	defer q.workers.Done()
	q.mu.Lock()
	for len(q.lanes[lane]) > 0 {
		items := q.lanes[lane]
		f := items[0]
		items[0] = nil
		q.lanes[lane] = items[1:]
		q.mu.Unlock()
		f()
		q.mu.Lock()
		q.pending--
		q.cond.Broadcast()
	}
	delete(q.lanes, lane)
	q.mu.Unlock()
}

// drain waits until everything queued so far, and everything it queued in
// turn, has run.
func (q *queue) drain() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.pending > 0 {
		q.cond.Wait()
	}
}

// close refuses new work, runs what is queued and waits for the workers.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.drain()
	q.workers.Wait()
}
