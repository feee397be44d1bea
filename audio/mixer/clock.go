package mixer

import (
	"runtime"
	"sync"
	"time"
)

// Clock drives many mixers from one ticker instead of one goroutine and
// one timer per mixer: the 20 ms period is cut into clockSlots slots, each
// mixer is given the least used slot, and every slot the clock hands the
// mixers due in it to a small pool of workers. Spreading the mixers over
// the period keeps the work of a tick from arriving all at once. A mixer
// still busy when it is due again ticks once more right after (as a
// ticker's one buffered tick would), then falls back into step.
type Clock struct {
	work    chan *clockEntry
	stop    chan struct{}
	wg      sync.WaitGroup
	closeMu sync.Once

	mu    sync.Mutex
	slots [clockSlots]map[*Mixer]*clockEntry
	batch []*clockEntry
}

const clockSlots = 10 // 2 ms apart

type clockEntry struct {
	m    *Mixer
	slot int
	// Guarded by Clock.mu.
	removed bool
	busy    bool          // queued or ticking
	pending bool          // due again while busy
	done    chan struct{} // closed after the tick in progress, when removing
}

// NewClock starts a clock with workers goroutines (0: GOMAXPROCS).
func NewClock(workers int) *Clock {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	c := &Clock{work: make(chan *clockEntry, 4096), stop: make(chan struct{})}
	for i := range c.slots {
		c.slots[i] = map[*Mixer]*clockEntry{}
	}
	c.wg.Add(1 + workers)
	go c.run()
	for range workers {
		go c.worker()
	}
	return c
}

// Close stops the clock and its workers; mixers still registered stop
// ticking. It is idempotent.
func (c *Clock) Close() {
	c.closeMu.Do(func() {
		close(c.stop)
		c.wg.Wait()
	})
}

func slotOf(t time.Time) int { return int(t.UnixNano()/int64(Period/clockSlots)) % clockSlots }

func (c *Clock) add(m *Mixer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	best := 0
	for i := range c.slots {
		if len(c.slots[i]) < len(c.slots[best]) {
			best = i
		}
	}
	// The first due time: the next start of slot best.
	now := time.Now()
	step := Period / clockSlots
	due := now.Truncate(step).Add(step)
	for slotOf(due) != best {
		due = due.Add(step)
	}
	m.next = due
	c.slots[best][m] = &clockEntry{m: m, slot: best}
}

// remove unregisters m and waits for its tick in progress, if any.
func (c *Clock) remove(m *Mixer) {
	c.mu.Lock()
	var e *clockEntry
	for i := range c.slots {
		if x := c.slots[i][m]; x != nil {
			e = x
			delete(c.slots[i], m)
		}
	}
	var wait chan struct{}
	if e != nil {
		e.removed = true
		if e.busy {
			e.done = make(chan struct{})
			wait = e.done
		}
	}
	c.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-c.stop: // workers are gone: nothing runs any more
		}
	}
}

func (c *Clock) run() {
	defer c.wg.Done()
	t := time.NewTicker(Period / clockSlots)
	defer t.Stop()
	last := slotOf(time.Now()) // slots up to here are done
	for {
		var now time.Time
		select {
		case <-c.stop:
			return
		case now = <-t.C:
		}
		// Every slot since the last one, also those of a ticker that was
		// late or dropped a tick.
		cur := slotOf(now)
		c.mu.Lock()
		c.batch = c.batch[:0]
		for last != cur {
			last = (last + 1) % clockSlots
			for _, e := range c.slots[last] {
				if e.busy {
					e.pending = true
					continue
				}
				e.busy = true
				c.batch = append(c.batch, e)
			}
		}
		c.mu.Unlock()
		for _, e := range c.batch {
			select {
			case c.work <- e:
			case <-c.stop:
				return
			}
		}
	}
}

func (c *Clock) worker() {
	defer c.wg.Done()
	for {
		select {
		case <-c.stop:
			return
		case e := <-c.work:
			for {
				c.mu.Lock()
				removed := e.removed
				c.mu.Unlock()
				if !removed {
					e.m.tick(time.Now())
				}
				c.mu.Lock()
				again := e.pending && !e.removed
				e.pending = false
				if !again {
					e.busy = false
					if e.done != nil {
						close(e.done)
						e.done = nil
					}
				}
				c.mu.Unlock()
				if !again {
					break
				}
			}
		}
	}
}
