package mixer

import (
	"runtime"
	"sync"
	"time"
)

// Clock drives many mixers from one timer instead of one goroutine and
// one timer per mixer: the 20 ms period is cut into clockSlots slots, each
// mixer is given the least used slot, and at the start of every slot that
// holds mixers the clock hands them to a small pool of workers (a lone
// one it ticks itself). Spreading the mixers over the period keeps the
// work of a tick from arriving all at once; sleeping through empty slots
// keeps a server with a few calls from waking every 2 ms. A mixer still
// busy when it is due again ticks once more right after (as a ticker's
// one buffered tick would), then falls back into step.
type Clock struct {
	work    chan *clockEntry
	stop    chan struct{}
	kick    chan struct{} // a mixer was added: the next wake-up may be earlier
	wg      sync.WaitGroup
	closeMu sync.Once

	mu    sync.Mutex
	slots [clockSlots]map[*Mixer]*clockEntry
	batch []*clockEntry

	hold, release func() // WithBatch's (no-ops without it)
}

// ClockOption configures NewClock.
type ClockOption func(*Clock)

// WithBatch has each worker call hold before the first mixer it ticks and
// release once no mixer is waiting for a worker: what the mixers send
// between the two can go out together (meetd holds its operators' shared
// socket, internal/udpbatch). A packet waits at most for the rest of its
// worker's run of mixers, the rooms due in the same 2 ms slot.
func WithBatch(hold, release func()) ClockOption {
	return func(c *Clock) { c.hold, c.release = hold, release }
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
func NewClock(workers int, opts ...ClockOption) *Clock {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	c := &Clock{work: make(chan *clockEntry, 4096), stop: make(chan struct{}), kick: make(chan struct{}, 1),
		hold: func() {}, release: func() {}}
	for _, o := range opts {
		o(c)
	}
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

// slotStep is one slot's length.
const slotStep = Period / clockSlots

// slotNum counts slots since the Unix epoch: a clock may sleep a whole
// period and wake in the same slot of it again, which slotOf cannot tell.
func slotNum(t time.Time) int64 { return t.UnixNano() / int64(slotStep) }

// slotOf is t's slot within the period.
func slotOf(t time.Time) int { return int(slotNum(t) % clockSlots) }

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
	due := now.Truncate(slotStep).Add(slotStep)
	for slotOf(due) != best {
		due = due.Add(slotStep)
	}
	m.next = due
	c.slots[best][m] = &clockEntry{m: m, slot: best}
	select {
	case c.kick <- struct{}{}:
	default:
	}
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
	t := time.NewTimer(slotStep)
	defer t.Stop()
	last := slotNum(time.Now()) // slots up to here are done
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		case <-c.kick: // t is re-armed below (Reset leaves no stale tick since Go 1.23)
		}
		// Every slot since the last one, also those of a timer that was
		// late.
		now := time.Now()
		abs := slotNum(now)
		cur := int(abs % clockSlots)
		c.mu.Lock()
		c.batch = c.batch[:0]
		if abs < last {
			last = abs - 1 // the wall clock was set back: go on from now
		}
		last = max(last, abs-clockSlots) // each slot once, however long the sleep
		for ; last < abs; last++ {
			for _, e := range c.slots[(last+1)%clockSlots] {
				if e.busy {
					e.pending = true
					continue
				}
				e.busy = true
				c.batch = append(c.batch, e)
			}
		}
		// Sleep to the start of the next slot that holds a mixer; with
		// none, until one is added.
		wait := time.Duration(-1)
		for k := 1; k <= clockSlots; k++ {
			if len(c.slots[(cur+k)%clockSlots]) > 0 {
				wait = now.Truncate(slotStep).Add(time.Duration(k) * slotStep).Sub(now)
				break
			}
		}
		c.mu.Unlock()
		if wait >= 0 {
			t.Reset(wait)
		}
		if len(c.batch) == 1 {
			c.hold() // a handover to a worker would cost a wake-up more
			c.tick(c.batch[0])
			c.release()
			continue
		}
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
		var e *clockEntry
		select {
		case <-c.stop:
			return
		case e = <-c.work:
		}
		c.hold()
		for e != nil {
			c.tick(e)
			select {
			case e = <-c.work:
			default:
				e = nil // nothing waiting: release before sleeping
			}
		}
		c.release()
	}
}

// tick runs e's mixer once, and again while it fell due meanwhile, unless
// it was removed.
func (c *Clock) tick(e *clockEntry) {
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
			return
		}
	}
}
