package mixer

import (
	"runtime"
	"sync"
	"time"
)

// Clock drives many mixers from one 20 ms ticker: every period it hands
// each registered mixer's tick to a small pool of workers, instead of one
// goroutine and one timer per mixer waking up on its own. A mixer whose
// previous tick is still running when the next is due skips that tick (it
// counts as late).
type Clock struct {
	period  time.Duration
	work    chan *clockEntry
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	mixers  map[*Mixer]*clockEntry
	batch   []*clockEntry
	closeMu sync.Once
}

type clockEntry struct {
	m       *Mixer
	removed bool          // guarded by Clock.mu
	busy    bool          // queued or ticking, guarded by Clock.mu
	done    chan struct{} // closed after the tick in progress, when removing
}

// NewClock starts a clock with workers goroutines (0: GOMAXPROCS).
func NewClock(workers int) *Clock {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	c := &Clock{
		period: Period,
		work:   make(chan *clockEntry, 1024),
		stop:   make(chan struct{}),
		mixers: map[*Mixer]*clockEntry{},
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

func (c *Clock) add(m *Mixer) {
	c.mu.Lock()
	m.next = time.Now().Add(c.period)
	c.mixers[m] = &clockEntry{m: m}
	c.mu.Unlock()
}

// remove unregisters m and waits for its tick in progress, if any.
func (c *Clock) remove(m *Mixer) {
	c.mu.Lock()
	e := c.mixers[m]
	delete(c.mixers, m)
	var wait chan struct{}
	if e != nil {
		e.removed = true
	}
	if e != nil && e.busy {
		e.done = make(chan struct{})
		wait = e.done
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
	t := time.NewTicker(c.period)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		c.mu.Lock()
		c.batch = c.batch[:0]
		for _, e := range c.mixers {
			if !e.busy {
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
			c.mu.Lock()
			removed := e.removed
			c.mu.Unlock()
			if !removed {
				e.m.tick(time.Now())
			}
			c.mu.Lock()
			e.busy = false
			if e.done != nil {
				close(e.done)
				e.done = nil
			}
			c.mu.Unlock()
		}
	}
}
