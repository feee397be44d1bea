package jitter

import (
	"time"

	"github.com/meet-dev/meet/audio/rtpseq"
)

// ticked is the state of a ticked playout (Policy.Margin > 0).
type ticked struct {
	est      adaptive      // its interarrival jitter estimate only
	boost    time.Duration // added to the margin after an underrun
	goodPops int           // packets played since the last underrun
	run      int           // packets played this drain window
	waitMin  time.Duration // the shortest wait among them
}

// boostPops packets played (3 s of 20 ms) without an underrun take the
// boost off the margin.
const boostPops = 150

// TickMargin is how long a packet should have waited when its tick plays
// it (ticked policies; else 0): the policy's margin plus twice the
// interarrival jitter (at most a period), plus a period for a while after
// an underrun.
func (b *Buffer[T]) TickMargin() time.Duration {
	t := b.tk
	if t == nil {
		return 0
	}
	j := time.Duration(t.est.jitter / float64(b.pol.ClockRate) * float64(time.Second))
	return min(b.pol.Margin+2*j, b.pol.Period) + t.boost
}

// alignedStart is where playout may start at now: the newest packet (of
// the last Max) that has waited the margin, so the first one waits less
// than a period more than it must. Nothing without a clock.
func (b *Buffer[T]) alignedStart(now time.Time) (uint16, bool) {
	if b.tk == nil || now.IsZero() || !b.any {
		return 0, false
	}
	m := b.TickMargin()
	for s, n := b.highest, 0; n < b.pol.Max; s, n = s-1, n+1 {
		if sl := b.ring.At(s); b.ring.Has(s) && !sl.Arrival.IsZero() && now.Sub(sl.Arrival) >= m {
			return s, true
		}
	}
	return 0, false
}

// tickPlayed books the wait of a packet played (ticked policies): at the
// end of a window in which every packet waited a period or more beyond
// the margin, that many periods of delay go (the packets at the cursor are
// dropped, or owed to PopOwed under Policy.Accelerate; each later one then
// waits a period less at its tick). Any other drain the policy has runs
// too.
func (b *Buffer[T]) tickPlayed(wait time.Duration) {
	t := b.tk
	if t.goodPops++; t.goodPops >= boostPops {
		t.boost = 0
	}
	if t.run == 0 || wait < t.waitMin {
		t.waitMin = wait
	}
	if t.run++; t.run < b.pol.Window {
		return
	}
	t.run = 0
	n := int((t.waitMin - b.TickMargin()) / b.pol.Period)
	if b.pol.Accelerate {
		b.owe(n)
		return
	}
	for ; n > 0 && !rtpseq.Before(b.highest, b.next); n-- {
		b.dropNext()
		b.st.Drained++
	}
}

// tickUnderrun books an underrun (ticked policies): the margin grows by a
// period for a while, and the drain window starts again.
func (b *Buffer[T]) tickUnderrun() {
	t := b.tk
	t.boost, t.goodPops, t.run = b.pol.Period, 0, 0
}
