// Package jitter is the one receive jitter buffer under the trunk's, the
// room's and the softphone's audio: RTP payloads in by sequence number,
// one packet (or a loss to conceal) out per playout tick.
//
// Buffer owns the mechanics every user shares: the ring of packets
// (audio/rtpseq), duplicate, late and too-old packets, the playout cursor,
// the signal to conceal a missing packet (with the packet after it, for
// Opus FEC), the depth and its target, and the counters. What differs
// between the users is a Policy value: a fixed or an adaptive target, how
// playout starts, how it catches up when too much is queued, and what a
// missing packet does to the cursor. Primed, Fixed and Adaptive build the
// three policies in use.
//
// It is pure logic: no I/O, no goroutines, no clock (arrival and playout
// times are passed in), no lock (the owner serialises calls).
package jitter

import (
	"fmt"
	"time"
)

// enumName is names[v], or kind(v) for a value without a name.
func enumName[T ~uint8](names []string, v T, kind string) string {
	if int(v) < len(names) {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", kind, uint8(v))
}

// Start says when playout starts (and restarts after the stream stopped).
type Start uint8

const (
	StartUnknown  Start = iota
	StartOnInsert       // as soon as Target packets are held, from the earliest (trunk)
	StartOnPop          // at a pop finding Target packets held, from the earliest (softphone)
	StartNewest         // at a pop finding the newest Target sequence numbers all held, from the first of them (room)
)

var startNames = []string{"unknown", "on-insert", "on-pop", "newest"}

func (s Start) String() string { return enumName(startNames, s, "Start") }

// CatchUp says how a queue grown too deep is cut back.
type CatchUp uint8

const (
	CatchUpUnknown CatchUp = iota
	TrimOnInsert           // an insert leaving more than Max held drops the oldest (trunk)
	TrimOnPop              // a pop finding more than target+2 held drops the oldest (softphone; Accelerate: owes them, up to Max)
	JumpOnPop              // a pop finding the newest packet Max or more ahead jumps to the newest Target (room)
)

var catchUpNames = []string{"unknown", "trim-on-insert", "trim-on-pop", "jump-on-pop"}

func (c CatchUp) String() string { return enumName(catchUpNames, c, "CatchUp") }

// Drain says how delay left by a burst is given back once the flow is
// steady again: over a window of DrainWindow observations, the fewest
// packets queued beyond what the target asks for were never needed.
type Drain uint8

const (
	DrainNone    Drain = iota
	DrainByFrame       // the owner calls Buffer.Drain after each frame; the cushion above Target goes, gaps included (trunk)
	DrainOnPlay        // each played packet observes; spare packets go up to the first gap; the playout clock may run earlier (softphone)
	DrainByWait        // only the drain of a ticked policy (each played packet observes its wait; a period goes when every one of a window waited a period more than the margin: room)
)

var drainNames = []string{"none", "by-frame", "on-play", "by-wait"}

func (d Drain) String() string { return enumName(drainNames, d, "Drain") }

// Loss says what a pop does when the packet at the cursor is missing.
// Every mode conceals it (Lost, with the packet after it when held, for
// FEC) and stops playout after more than StopAfter consecutive misses
// with nothing to play (an underrun); they differ in what counts.
type Loss uint8

const (
	LossUnknown Loss = iota
	// LossAdvance: the cursor moves on at every miss; an underrun is
	// nothing held at or after the cursor; holes count as misses (room).
	LossAdvance
	// LossWait: at an underrun (nothing held) the cursor stays, waiting for
	// the same packet, which is more likely delayed than lost; a hole
	// (later packets held) moves on and ends the run of misses; stopping
	// also needs StopIdle without an arrival (softphone).
	LossWait
	// LossJump: the cursor moves on at every miss; an underrun is nothing
	// held; after StopAfter misses in a hole the cursor jumps to the
	// oldest held packet (trunk).
	LossJump
)

var lossNames = []string{"unknown", "advance", "wait", "jump"}

func (l Loss) String() string { return enumName(lossNames, l, "Loss") }

// Policy is how one user's buffer plays out. The zero value is not usable:
// build one with Primed, Fixed or Adaptive.
type Policy struct {
	Target  int // packets held before playout starts; the floor of an adaptive target
	Max     int // depth bound: see CatchUp; an adaptive target is at most Max
	Slots   int // sequence numbers the ring spans (rounded up to a power of two, at least 64)
	Start   Start
	CatchUp CatchUp
	Drain   Drain
	Window  int // observations in a drain window
	Loss    Loss

	StopAfter int           // consecutive misses tolerated before playout stops
	StopIdle  time.Duration // adaptive: stopping also needs this long without an arrival
	Restart   int           // a packet this far (sequence numbers) from the cursor restarts playout; 0: never

	// Ticked playout (Margin > 0, see WithTicks): the owner pops on its
	// own clock once every Period (a room's mixer tick), passing arrival
	// and pop times. A fixed number of packets waits anywhere from nothing
	// to a whole Period more than it must, by the phase of the tick
	// against the arrivals; a ticked buffer keeps each packet's wait
	// between the margin (Margin plus twice the interarrival jitter, at
	// most a Period) and a Period more instead: playout starts at a pop
	// from the newest packet that has waited the margin (else as Start
	// says), and a Period goes when every packet of a Window waited that
	// much more (besides the drain Drain says; DrainByWait: no other).
	// The margin is tight on purpose, so a
	// packet missing at its tick is more likely late than lost: an
	// underrun waits for it (whatever Loss says of holes), and adds a
	// Period to the margin for 3 s (150 packets played), so the delay it
	// cost is not drained straight back.
	Margin time.Duration
	Period time.Duration
	// Accelerate (ticked, or DrainOnPlay): a drain does not drop the
	// packet at the cursor but owes its period; the owner takes it with
	// Buffer.PopOwed after its pop and plays both packets' audio in a
	// period less (time compression: it removes pitch periods over the
	// next ticks), so the delay goes without a packet going unplayed.
	Accelerate bool

	// Adaptive target (Frame > 0): 1 + ⌊3·J/Frame⌋ frames of the RFC 3550
	// interarrival jitter J, plus a boost per underrun that decays.
	Frame     time.Duration
	ClockRate int
}

// String is the policy in one line, e.g. for a stage name or a test.
func (p Policy) String() string {
	target := fmt.Sprint(p.Target)
	if p.Frame > 0 {
		target = fmt.Sprintf("adaptive(%v@%d)", p.Frame, p.ClockRate)
	}
	s := fmt.Sprintf("target %s max %d start %v catch-up %v drain %v/%d loss %v stop %d",
		target, p.Max, p.Start, p.CatchUp, p.Drain, p.Window, p.Loss, p.StopAfter)
	if p.Margin > 0 {
		s += fmt.Sprintf(" ticked %v margin %v", p.Period, p.Margin)
	}
	if p.Accelerate {
		s += " accelerate"
	}
	return s
}

// Primed is the trunk's policy: play from the earliest packet once prime
// are held (≈ prime×20 ms of delay), keep at most max held (prime+2 at
// least), give back delay that stayed queued for 25 frames (500 ms),
// conceal up to 3 packets of a gap then jump over it, and restart on a
// packet more than 4×max away (a new stream, a restarted sender).
func Primed(prime, most int) Policy {
	prime = max(prime, 1)
	most = max(most, prime+2)
	return Policy{Target: prime, Max: most, Slots: 8*most + 2,
		Start: StartOnInsert, CatchUp: TrimOnInsert, Drain: DrainByFrame, Window: 25,
		Loss: LossJump, StopAfter: 3, Restart: 4 * most}
}

// Fixed is the room's policy for an operator's stream: a fixed target
// (packets), playout starting on the newest target packets so it begins
// fresh, a jump to the newest target when 6 packets (120 ms; or target,
// when that is more: a jump never moves the cursor back) are queued ahead,
// and a stop after 5 frames with nothing to play.
func Fixed(target int) Policy {
	return Policy{Target: target, Max: max(6, target), Start: StartNewest, CatchUp: JumpOnPop,
		Loss: LossAdvance, StopAfter: 5}
}

// Ticked is the room's policy for an operator's stream, popped once per
// mixer tick (period), RTP timestamps at clockRate: Fixed(target) for
// starting untimed, but ticked with a margin of 4 ms plus twice the
// interarrival jitter (each packet waits that to a period more at its
// tick), a period of delay given back when a whole second (50 packets)
// waited a period more than that, and an underrun that waits for the late
// packet.
func Ticked(target int, period time.Duration, clockRate int) Policy {
	p := Fixed(target).WithTicks(period, clockRate)
	p.Drain, p.Window, p.Loss = DrainByWait, 50, LossWait
	return p
}

// Accelerated is p with Accelerate (a ticked policy's drain owes the
// period to an owner that time-compresses instead of dropping a packet).
func (p Policy) Accelerated() Policy {
	p.Accelerate = true
	return p
}

// WithTicks is p popped on its owner's own clock every period, RTP
// timestamps at clockRate: ticked playout with a 4 ms margin (see
// Policy.Margin). The trunk's Primed(2, 10).WithTicks starts playout on
// the first packet when it has waited the margin at a tick (not a
// period later, on the second), its underruns wait, and the delay they
// add is given back once packets wait a period more than the margin for
// a window (25 frames) again. p needs a Window.
func (p Policy) WithTicks(period time.Duration, clockRate int) Policy {
	p.Margin, p.Period, p.ClockRate = 4*time.Millisecond, period, clockRate
	return p
}

// Adaptive is the softphone's policy: a target following the measured
// jitter (frame: one packet's duration, at clockRate), at most 10 packets;
// the oldest dropped while more than target+2 wait; spare packets that
// waited a whole second (50 frames) skipped; an underrun waits for the
// late packet; playout stops after 3 misses and 3 frames without an arrival.
func Adaptive(frame time.Duration, clockRate int) Policy {
	return Policy{Target: 1, Max: 10, Start: StartOnPop, CatchUp: TrimOnPop,
		Drain: DrainOnPlay, Window: 50, Loss: LossWait, StopAfter: 3, StopIdle: 3 * frame,
		Frame: frame, ClockRate: clockRate}
}
