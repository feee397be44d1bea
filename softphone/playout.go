package softphone

import (
	"context"
	"time"
)

// maxLateWait is how long a playout tick waits for a packet that is due but
// has not arrived before it conceals the frame instead.
const maxLateWait = frameDuration / 2

// earlyPlay is how long before its time a frame may be played by the
// packet that brings it (see onPacket).
const earlyPlay = frameDuration / 2

// playClock is the playout's clock, guarded by the receiver's mutex: when
// the next frame is due, and whether a late packet is awaited.
type playClock struct {
	t    *time.Timer      // the timer arm started last: fires at late, else at next
	fire func(gen uint64) // what t runs (the receiver's tick); nil when no playout runs
	gen  uint64           // counts the timers arm made; a replaced one does nothing
	next time.Time        // when the next frame is due
	late time.Time        // waiting for a late packet until then; zero when not
}

// arm sets the timer for what the clock waits for next.
//
// It stops the timer and starts a new one rather than resetting it: a Go
// timer reset to a later time keeps its old place in the runtime's heap
// until that old time passes, and a netpoller that goes to sleep meanwhile
// sleeps only until then. On a steady stream, where each packet pushes the
// timer on by a frame, that was one wake-up for nothing per frame (a
// third of meet phone's wake-ups in a call, seen with strace: an empty
// epoll_pwait ~4 ms after each packet). Adding the new timer clears the
// stopped one from the heap's head.
func (c *playClock) arm(now time.Time) {
	if c.fire == nil {
		return
	}
	at := c.next
	if !c.late.IsZero() {
		at = c.late
	}
	if c.t != nil {
		c.t.Stop()
	}
	c.gen++
	gen, fire := c.gen, c.fire
	c.t = time.AfterFunc(at.Sub(now), func() { fire(gen) })
}

// playout writes one frame to the speaker every 20 ms until ctx is done.
//
// It keeps to the wall clock: frames missed while the process was starved
// are played late (up to 200 ms worth) rather than lost, so a recording
// keeps its real length; a sound card has played silence meanwhile, so for
// one those frames are skipped instead (as for any sink after 200 ms).
//
// The clock follows the packets, so that they wait a few ms for their slot
// rather than up to a whole frame: when a stream starts (the jitter buffer
// is ready) it is set to that packet's arrival plus a small margin; when a
// packet is due but late, the tick waits for it (up to maxLateWait) and
// plays it on arrival, keeping the clock; only a packet later than that is
// concealed (which puts the stream a frame later, see jitterBuffer). When
// packets have waited longer than the margin for a second, the clock moves
// earlier by the excess.
//
// While a stream plays, the goroutine that reads a packet plays the frame
// due next when it is held and due within earlyPlay (see onPacket), and
// pushes the timer on: on a steady stream the timer never fires, and each
// 20 ms costs the process one wake-up (the packet's) instead of three (the
// packet's, and the timer's two: Go's netpoller sleeps in whole
// milliseconds, so a timer wakes it once early and once on time). The
// timer only plays silence, conceals, and waits for late packets.
func (r *receiver) playout(ctx context.Context) {
	r.mu.Lock()
	now := time.Now()
	r.clk.fire = r.timerFired
	r.clk.next = now.Add(frameDuration)
	r.clk.arm(now)
	r.mu.Unlock()
	<-ctx.Done()
	r.mu.Lock()
	r.clk.t.Stop()
	r.clk.fire = nil
	r.mu.Unlock()
}

// timerFired is the playout timer's work, unless the timer was replaced
// (or playout ended) while it fired.
func (r *receiver) timerFired(gen uint64) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.clk.fire == nil || gen != r.clk.gen {
		return
	}
	r.tickLocked(now)
}

// tick is the playout timer's work at now.
func (r *receiver) tick(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tickLocked(now)
}

func (r *receiver) tickLocked(now time.Time) {
	c := &r.clk
	switch {
	case !c.late.IsZero() && now.Before(c.late):
		// A packet moved the clock on while the timer fired: nothing due.
	case !c.late.IsZero(): // waited long enough: conceal
		c.late = time.Time{}
		c.next = c.next.Add(frameDuration - r.playOnceLocked(now))
	default:
		if behind := now.Sub(c.next); behind > 10*frameDuration || (r.paced != nil && behind >= frameDuration) {
			// Starved: skip the frames whose time has passed, keeping
			// the clock's phase, instead of bursting.
			n := behind / frameDuration
			if r.jb != nil {
				r.jb.skip(int(n))
			}
			c.next = c.next.Add(n * frameDuration)
		}
		for !c.next.After(now) {
			if c.next.Add(frameDuration).After(now) && r.awaitLateLocked() {
				c.late = now.Add(maxLateWait)
				break
			}
			c.next = c.next.Add(frameDuration - r.playOnceLocked(now))
		}
	}
	c.arm(now)
}

// onPacket runs the clock after a packet was taken into the jitter buffer
// at now, in the goroutine that read it; the caller holds r.mu. A stream
// that is ready to start sets the clock; an awaited late packet is played
// at once; the frame due next, held and due within earlyPlay, is played
// at once too, and the timer pushed on to the frame after it.
func (r *receiver) onPacket(now time.Time) {
	c := &r.clk
	if c.fire == nil || r.jb == nil {
		return
	}
	switch {
	case !c.late.IsZero():
		if r.jb.waiting() {
			return // not the awaited one; the timer still runs until late
		}
		c.late = time.Time{}
	case r.jb.ready():
		c.next = now.Add(r.jb.margin())
		c.arm(now)
		return
	case !r.jb.nextHeld() || now.Before(c.next.Add(-earlyPlay)):
		return
	}
	c.next = c.next.Add(frameDuration - r.playOnceLocked(now))
	c.arm(now)
}

// awaitLateLocked reports whether the frame due now has not arrived while
// the stream is playing; if so, the packet that brings it plays it. The
// caller holds r.mu.
func (r *receiver) awaitLateLocked() bool {
	return r.jb != nil && r.jb.waiting()
}
