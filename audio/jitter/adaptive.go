package jitter

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrPolicy is wrapped by Policy.Validate's errors.
var ErrPolicy = errors.New("jitter: invalid policy")

// Validate reports a policy New cannot play out.
func (p Policy) Validate() error {
	switch {
	case p.Start == StartUnknown || p.Start > StartNewest:
		return fmt.Errorf("%w: start %v", ErrPolicy, p.Start)
	case p.CatchUp == CatchUpUnknown || p.CatchUp > JumpOnPop:
		return fmt.Errorf("%w: catch-up %v", ErrPolicy, p.CatchUp)
	case p.Loss == LossUnknown || p.Loss > LossJump:
		return fmt.Errorf("%w: loss %v", ErrPolicy, p.Loss)
	case p.Drain > DrainByWait, p.Drain != DrainNone && p.Window < 1:
		return fmt.Errorf("%w: drain %v over %d", ErrPolicy, p.Drain, p.Window)
	case p.Margin < 0, p.Margin > 0 && (p.Period <= 0 || p.Frame > 0 || p.ClockRate <= 0), p.Drain == DrainByWait && p.Margin <= 0, p.Margin > 0 && p.Window < 1, p.Accelerate && p.Margin <= 0 && p.Drain != DrainOnPlay:
		return fmt.Errorf("%w: ticked margin %v period %v frame %v drain %v", ErrPolicy, p.Margin, p.Period, p.Frame, p.Drain)
	case p.Target < 0 || p.Max < 1 || p.StopAfter < 0 || p.Restart < 0:
		return fmt.Errorf("%w: target %d max %d stop %d restart %d", ErrPolicy, p.Target, p.Max, p.StopAfter, p.Restart)
	case p.Frame < 0, p.Frame > 0 && p.ClockRate <= 0, p.Frame == 0 && (p.Drain == DrainOnPlay || p.StopIdle != 0):
		return fmt.Errorf("%w: adaptive frame %v at %d Hz, drain %v", ErrPolicy, p.Frame, p.ClockRate, p.Drain)
	}
	return nil
}

// adaptive is the state of an adaptive target: the RFC 3550 §6.4.1
// interarrival jitter estimate, the boost after underruns and the
// playout-clock hint of DrainOnPlay.
type adaptive struct {
	jitter    float64 // J, in timestamp units
	lastTrans float64
	haveTrans bool
	epoch     time.Time

	boost    int              // frames added after underruns
	goodPops int              // packets played since the last underrun or decay
	waitLow  [3]time.Duration // the three shortest waits of played packets, this window
	pull     time.Duration    // how much earlier the playout clock may run (see Early)
}

// observe updates J with one packet's timestamp and arrival.
func (a *adaptive) observe(ts uint32, arrival time.Time, clockRate int) {
	if a.epoch.IsZero() {
		a.epoch = arrival
	}
	r := arrival.Sub(a.epoch).Seconds() * float64(clockRate)
	transit := r - float64(ts)
	if a.haveTrans {
		d := math.Abs(transit - a.lastTrans)
		if d < float64(clockRate) { // ignore jumps of a second or more (a new stream)
			a.jitter += (d - a.jitter) / 16
		}
	}
	a.lastTrans, a.haveTrans = transit, true
}

// underrun deepens the target by one frame per underrun (not per frame of
// it) and forgets the good run and the clock hint.
func (a *adaptive) underrun(misses, most int) {
	if misses == 1 {
		a.boost = min(a.boost+1, most)
	}
	a.goodPops = 0
	a.pull = 0
}

// good counts a played packet; 150 in a row (3 s) take a frame of boost off.
func (a *adaptive) good() {
	if a.goodPops++; a.goodPops >= 150 && a.boost > 0 {
		a.boost--
		a.goodPops = 0
	}
}

// Target is how many packets to hold before and while playing: the
// policy's, or for an adaptive one 1 + ⌊3·J/frame⌋ + boost, within 1..Max.
func (b *Buffer[T]) Target() int {
	a := b.ad
	if a == nil {
		return b.pol.Target
	}
	jf := a.jitter / float64(b.pol.ClockRate) / b.pol.Frame.Seconds()
	t := b.pol.Target + int(math.Floor(3*jf)) + a.boost
	return min(max(t, 1), b.pol.Max)
}

// Ready reports whether a stopped buffer holds enough to start (StartOnPop):
// its owner may then play at once (plus Margin) instead of at its next tick.
func (b *Buffer[T]) Ready() bool {
	return !b.playing && b.held > 0 && b.held >= b.Target()
}

// Jitter is the RFC 3550 interarrival jitter (adaptive policies; else 0).
func (b *Buffer[T]) Jitter() time.Duration {
	if b.ad == nil {
		return 0
	}
	return time.Duration(b.ad.jitter / float64(b.pol.ClockRate) * float64(time.Second))
}

// Margin is how long after the arrival that made the buffer ready the first
// packet should play: slack for the next packets' jitter (2 ms plus twice
// the jitter, at most one frame).
func (b *Buffer[T]) Margin() time.Duration {
	return min(2*time.Millisecond+2*b.Jitter(), b.pol.Frame)
}

// Early returns, once, how much earlier the playout clock may run: played
// packets waited at least that much longer than the margin for a whole
// drain window (DrainOnPlay).
func (b *Buffer[T]) Early() time.Duration {
	if b.ad == nil {
		return 0
	}
	d := b.ad.pull
	b.ad.pull = 0
	return d
}
