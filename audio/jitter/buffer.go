package jitter

import (
	"time"

	"github.com/meet-dev/meet/audio/rtpseq"
)

// Kind is what a pop yields for one playout tick.
type Kind uint8

const (
	None   Kind = iota // nothing to play: not started, or the stream stopped
	Packet             // the next packet in order
	Lost               // the packet is missing: conceal it (with the slot, when non-nil: the next packet, for FEC)
)

var kindNames = [...]string{"none", "packet", "lost"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(?)"
}

// Verdict is what an insert did with a packet.
type Verdict uint8

const (
	Stored    Verdict = iota
	Restarted         // stored after a restart (the packet was far from the cursor): drop what was derived from the old stream
	Late              // its turn was played already: dropped
	Duplicate         // a copy of a held packet: dropped
)

var verdictNames = [...]string{"stored", "restarted", "late", "duplicate"}

func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "Verdict(?)"
}

// Slot is one held packet; the owner may set its Codec after an insert.
type Slot[T any] = rtpseq.SlotOf[T]

// Stats are a buffer's counters since it was made.
type Stats struct {
	Received    uint64 // packets inserted (late and duplicate ones too)
	Late        uint64 // arrived after their turn was played
	Duplicate   uint64 // copies of a held packet
	Evicted     uint64 // held packets overwritten by one a whole ring later
	Trimmed     uint64 // held packets dropped by the depth bound (TrimOnInsert, TrimOnPop)
	Jumped      uint64 // sequence numbers the cursor jumped over (JumpOnPop)
	Drained     uint64 // sequence numbers the drain window dropped (DrainByFrame: gaps too; DrainOnPlay: held packets)
	Owed        uint64 // periods a drain or TrimOnPop owed instead of dropping packets (Policy.Accelerate)
	Accelerated uint64 // packets PopOwed gave for them, played time-compressed
	Skipped     uint64 // held packets dropped by Skip
	Dropped     uint64 // held packets dropped unplayed, for any of the reasons above or by PlayNewest
	Played      uint64 // packets played
	Lost        uint64 // frames to conceal (a missing packet or an underrun)
	FEC         uint64 // of which the next packet was held
	Restarts    uint64 // restarts on a packet far from the cursor
}

// Buffer holds packets by sequence number and plays them out under its
// Policy. Payloads are copied in; a slot a pop returns stays valid until
// the next insert. Not safe for concurrent use.
type Buffer[T any] struct {
	pol     Policy
	ring    rtpseq.RingOf[T] // sized at the first insert: a stream that sends nothing costs none
	sized   bool
	held    int    // packets in ring
	next    uint16 // the cursor: sequence number to play next
	playing bool
	highest uint16 // newest sequence number inserted (late ones aside)
	any     bool   // highest is valid
	misses  int    // consecutive misses (see Loss)
	owed    int    // periods drained but not yet taken (Policy.Accelerate)
	lastArr time.Time

	win window
	ad  *adaptive // nil for a fixed target
	tk  *ticked   // nil unless ticked (Policy.Margin > 0)

	loss       rtpseq.Counter
	waitSum    time.Duration // time played packets waited
	lastPlayed time.Time     // arrival of the last packet played
	st         Stats
}

// New returns an empty buffer playing out under p. It panics when p is
// not valid (see Policy.Validate): policies are built by the program.
func New[T any](p Policy) *Buffer[T] {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	b := &Buffer[T]{pol: p}
	if p.Frame > 0 {
		b.ad = &adaptive{}
	}
	if p.Margin > 0 {
		b.tk = &ticked{}
	}
	return b
}

// Policy is the buffer's policy.
func (b *Buffer[T]) Policy() Policy { return b.pol }

// Insert stores a copy of one packet: its sequence number, RTP timestamp
// and arrival time (both used by an adaptive target only).
func (b *Buffer[T]) Insert(seq uint16, ts uint32, arrival time.Time, payload []T) (Verdict, *Slot[T]) {
	b.st.Received++
	if b.ad != nil { // the clock and the loss count are the adaptive target's
		b.loss.Add(seq)
		b.ad.observe(ts, arrival, b.pol.ClockRate)
		b.lastArr = arrival
	}
	if b.tk != nil && !arrival.IsZero() {
		b.tk.est.observe(ts, arrival, b.pol.ClockRate)
	}
	if !b.sized {
		b.ring, b.sized = *rtpseq.NewRing[T](b.pol.Slots), true
	}
	v := Stored
	if b.playing && rtpseq.Before(seq, b.next) {
		if b.pol.Restart == 0 || int(b.next-seq) <= b.pol.Restart {
			b.st.Late++
			return Late, nil
		}
		b.restart() // far behind: the sender restarted its sequence
		v = Restarted
	}
	if !b.any || rtpseq.Before(b.highest, seq) {
		b.highest, b.any = seq, true
	}
	if b.ring.Has(seq) {
		b.st.Duplicate++
		return Duplicate, nil
	}
	if b.playing && b.pol.Restart > 0 && int(seq-b.next) > b.pol.Restart {
		b.restart() // far ahead: a new stream
		v = Restarted
	}
	if b.ring.At(seq).OK { // a packet a whole ring older: forget it
		b.held--
		b.st.Evicted++
		b.st.Dropped++
	}
	s := b.ring.Put(seq, payload)
	if b.ad != nil || b.tk != nil {
		s.Arrival = arrival
	}
	b.held++
	if !b.playing {
		if b.held == 1 || rtpseq.Before(seq, b.next) {
			b.next = seq
		}
		if b.pol.Start == StartOnInsert && b.held >= b.pol.Target {
			b.playing = true
		}
		return v, s
	}
	if b.pol.CatchUp == TrimOnInsert {
		for b.held > b.pol.Max {
			if b.dropNext() {
				b.st.Trimmed++
			}
		}
	}
	return v, s
}

// Pop yields what to play at now: the next packet (its slot), a loss to
// conceal (with the next packet's slot when held, for FEC) or nothing.
func (b *Buffer[T]) Pop(now time.Time) (Kind, *Slot[T]) {
	if !b.playing && !b.start(now) {
		return None, nil
	}
	switch b.pol.CatchUp {
	case TrimOnPop:
		keep := b.Target() + 2
		if b.pol.Accelerate { // the excess is owed to PopOwed (up to Max), the rest dropped
			b.owe(b.held - keep - b.owed)
			keep += b.owed
		}
		for b.held > keep {
			if b.dropNext() {
				b.st.Trimmed++
			}
		}
	case JumpOnPop:
		if depth := int(int16(b.highest - b.next)); depth >= b.pol.Max {
			to := b.highest - uint16(b.pol.Target) + 1
			b.dropRange(b.next, to)
			b.st.Jumped += uint64(int16(to - b.next))
			b.next = to
		}
	}
	for {
		if s := b.ring.Take(b.next); s != nil {
			b.held--
			b.next++
			b.misses = 0
			b.st.Played++
			if b.ad != nil {
				b.played(s, now)
			}
			if b.tk != nil && !now.IsZero() && !s.Arrival.IsZero() {
				b.tickPlayed(now.Sub(s.Arrival))
			}
			return Packet, s
		}
		if b.underrun() {
			b.misses++
			b.owed = 0 // a stream that needs its delay back has no packet to spare
			if b.ad != nil {
				b.ad.underrun(b.misses, b.pol.Max)
				b.win = window{}
			}
			if b.tk != nil && b.misses == 1 {
				b.tickUnderrun()
			}
			if b.misses > b.pol.StopAfter && (b.pol.StopIdle == 0 || now.Sub(b.lastArr) > b.pol.StopIdle) {
				b.stop() // the stream stopped: start again when it comes back
				return None, nil
			}
			b.st.Lost++
			if b.pol.Loss != LossWait && b.tk == nil { // ticked: wait for it too
				b.next++
			}
			return Lost, nil
		}
		// A hole: later packets are held.
		if b.pol.Loss == LossWait {
			b.misses = 0
		} else {
			b.misses++
		}
		if b.pol.Loss == LossJump && b.misses > b.pol.StopAfter {
			// A long gap: jump over it, to the oldest packet after the
			// cursor (held ones before it, left from before playout
			// started ahead of them, can never play; nothing left is an
			// underrun at the next pass).
			b.dropBefore(b.next)
			if s, ok := b.ring.Oldest(); ok {
				b.next = s
			}
			continue
		}
		b.st.Lost++
		b.next++
		if b.ring.Has(b.next) {
			b.st.FEC++
			return Lost, b.ring.At(b.next)
		}
		return Lost, nil
	}
}

// start starts playout at a pop at now when the policy's start condition
// holds; a ticked policy first looks for a packet that waited its margin.
func (b *Buffer[T]) start(now time.Time) bool {
	if s, ok := b.alignedStart(now); ok {
		if now.Sub(b.ring.At(s).Arrival) > b.TickMargin()+2*b.pol.Period {
			// Nothing came for two periods after s: the stream paused
			// there (a softphone sends nothing while its operator is
			// idle), and what is held up to s is from before the pause,
			// maybe the end of the last call. It goes; playout starts on
			// the packets after the pause once they have waited the
			// margin.
			n := b.ring.DropBefore(s + 1)
			b.held -= n
			b.st.Dropped += uint64(n)
			return false
		}
		// Everything held before s goes, also packets from further back
		// than the ring's span (a sender that jumped before playout
		// began): left behind, a loss jump could take one for the oldest
		// and move the cursor back to it.
		n := b.ring.DropBefore(s)
		b.held -= n
		b.st.Dropped += uint64(n)
		b.next = s
		if b.tk != nil {
			b.tk.run = 0
		}
		b.playing, b.misses = true, 0
		return true
	}
	switch b.pol.Start {
	case StartOnPop:
		if b.held == 0 || b.held < b.Target() {
			return false
		}
	case StartNewest:
		if !b.any {
			return false
		}
		from := b.highest - uint16(b.pol.Target) + 1
		if b.count(from) < b.pol.Target {
			return false
		}
		b.next = from
	default:
		return false
	}
	b.playing, b.misses = true, 0
	return true
}

// underrun reports whether nothing is there to play at or after the cursor.
func (b *Buffer[T]) underrun() bool {
	if b.pol.Loss == LossAdvance {
		return rtpseq.Before(b.highest, b.next)
	}
	return b.held == 0
}

// played books a packet taken for playout by an adaptive policy (the
// others have no clock).
func (b *Buffer[T]) played(s *Slot[T], now time.Time) {
	wait := now.Sub(s.Arrival)
	b.waitSum += wait
	b.lastPlayed = s.Arrival
	b.ad.good()
	if b.pol.Drain == DrainOnPlay {
		b.drainOnPlay(wait)
	}
}

// drainOnPlay watches, over a window of played packets, the fewest
// packets held beyond what the target asks for and the shortest waits.
// When every pop of the window had packets to spare, that many are
// skipped (under Policy.Accelerate: owed to PopOwed, one a pop, up to
// Max): after a stall several are, and one a window left the delay
// audible for seconds. When all played packets but two (which the playout
// then waits for) waited longer than the margin, the playout clock may run
// earlier by the excess, up to a frame per window (see Early).
func (b *Buffer[T]) drainOnPlay(wait time.Duration) {
	a := b.ad
	if b.win.run == 0 {
		a.waitLow = [3]time.Duration{wait, wait, wait}
	}
	for i := range a.waitLow {
		if wait < a.waitLow[i] {
			copy(a.waitLow[i+1:], a.waitLow[i:])
			a.waitLow[i] = wait
			break
		}
	}
	fewest, full := b.win.observe(b.held-(b.Target()-1), b.pol.Window)
	if !full {
		return
	}
	if excess := a.waitLow[2] - b.Margin(); excess > 2*time.Millisecond {
		a.pull = min(excess, b.pol.Frame)
	}
	if b.pol.Accelerate { // owed to PopOwed, less what is owed already
		b.owe(fewest - b.owed)
		return
	}
	for n := fewest; n > 0 && b.ring.Drop(b.next); n-- {
		b.held--
		b.st.Drained++
		b.st.Dropped++
		b.next++
	}
}

// Drain is called by the owner of a DrainByFrame buffer after each frame
// it played: when more than Target packets stayed queued after every
// frame of a window, that cushion was never needed, it is delay left by a
// burst, and goes (under Policy.Accelerate: is owed to PopOwed). One skip
// of a few frames is heard once; the delay would be heard for the rest of
// the call.
func (b *Buffer[T]) Drain() {
	if b.pol.Drain != DrainByFrame {
		return
	}
	fewest, full := b.win.observe(b.held, b.pol.Window)
	if !full {
		return
	}
	if b.pol.Accelerate { // owed to PopOwed, less what is owed already
		b.owe(min(fewest, b.held) - b.pol.Target - b.owed)
		return
	}
	for excess := fewest - b.pol.Target; excess > 0 && b.held > b.pol.Target; excess-- {
		b.dropNext()
		b.st.Drained++
	}
}

// owe adds n periods to what the drains (and TrimOnPop) owe
// (Policy.Accelerate), up to the policy's Max in all.
func (b *Buffer[T]) owe(n int) {
	if n = min(n, b.pol.Max-b.owed); n > 0 {
		b.owed += n
		b.st.Owed += uint64(n)
	}
}

// PopOwed is a second pop in the same tick for a period a drain owes
// (Policy.Accelerate): the packet at the cursor, when held, for the owner
// to play with the one it popped in the time of one (time compression).
// None when nothing is owed, and when the packet is not held: the debt is
// then forgotten (a stream that needs its delay back has no spare packet).
func (b *Buffer[T]) PopOwed(now time.Time) (Kind, *Slot[T]) {
	if b.owed == 0 {
		return None, nil
	}
	if !b.playing || !b.ring.Has(b.next) {
		b.owed = 0
		return None, nil
	}
	b.owed--
	b.st.Accelerated++
	return b.Pop(now)
}

// Owed is how many periods a drain owes (Policy.Accelerate).
func (b *Buffer[T]) Owed() int { return b.owed }

// Skip drops the next n sequence numbers unplayed (held or not): their
// time has passed while the owner was starved. Nothing when not playing.
func (b *Buffer[T]) Skip(n int) {
	if !b.playing {
		return
	}
	for ; n > 0; n-- {
		if b.dropNext() {
			b.st.Skipped++
		}
	}
}

// PlayNewest drops all but the newest Target sequence numbers' packets and
// plays from the first of them at once, if any is held: for a stream
// attached to a new listener, whose first tick should be fresh audio.
// Only for StartNewest policies (others ignore it): it starts the way they do.
// A ticked one starts at the next pop instead, from the packet that has
// waited its margin by then.
func (b *Buffer[T]) PlayNewest() {
	if b.pol.Start != StartNewest {
		return
	}
	b.playing, b.misses = false, 0
	if !b.any {
		return
	}
	if b.tk != nil {
		// Ticked: the next pop starts from the packet that has waited the
		// margin by then (or as StartNewest does).
		b.dropRange(b.highest-uint16(b.ring.Size())+1, b.highest-uint16(b.pol.Max)+1)
		b.tk.run, b.owed = 0, 0
		return
	}
	from := b.highest - uint16(b.pol.Target) + 1
	b.dropRange(b.highest-uint16(b.ring.Size())+1, from)
	for s := from; !rtpseq.Before(b.highest, s); s++ {
		if b.ring.Has(s) {
			b.next, b.playing = s, true
			return
		}
	}
}

// dropNext forgets the packet at the cursor, if held, and moves on.
func (b *Buffer[T]) dropNext() bool {
	ok := b.ring.Drop(b.next)
	if ok {
		b.held--
		b.st.Dropped++
	}
	b.next++
	return ok
}

// dropRange forgets the packets in [from, to).
func (b *Buffer[T]) dropRange(from, to uint16) {
	for s := from; rtpseq.Before(s, to); s++ {
		if b.ring.Drop(s) {
			b.held--
			b.st.Dropped++
		}
	}
}

// dropBefore forgets the held packets before seq (RFC 3550 order).
func (b *Buffer[T]) dropBefore(seq uint16) {
	for i := range b.ring.Size() {
		if sl := b.ring.At(uint16(i)); sl.OK && rtpseq.Before(sl.Seq, seq) && b.ring.Drop(sl.Seq) {
			b.held--
			b.st.Dropped++
		}
	}
}

// count is how many packets are held from from up to the newest.
func (b *Buffer[T]) count(from uint16) int {
	n, size := 0, b.ring.Size()
	for s := from; !rtpseq.Before(b.highest, s) && n <= size; s++ {
		if b.ring.Has(s) {
			n++
		}
	}
	return n
}

// restart forgets everything held: a packet far from the cursor.
func (b *Buffer[T]) restart() {
	b.st.Restarts++
	b.Reset()
}

// Reset forgets every packet held and stops playout, which starts again
// as the policy says: for a new stream (a new RTP source, its own
// sequence space). Counters are kept.
func (b *Buffer[T]) Reset() {
	b.ring.Clear()
	b.held = 0
	b.stop()
}

func (b *Buffer[T]) stop() {
	b.playing, b.misses = false, 0
	b.win = window{}
	b.owed = 0
	if b.tk != nil {
		b.tk.run = 0
	}
}

// Held is how many packets are queued.
func (b *Buffer[T]) Held() int { return b.held }

// Playing reports whether playout has started (and not stopped since).
func (b *Buffer[T]) Playing() bool { return b.playing }

// NextHeld reports whether playout has started and the packet due next is
// held (a player may play it before its time rather than wake for it).
func (b *Buffer[T]) NextHeld() bool { return b.playing && b.ring.Has(b.next) }

// Misses is how many misses in a row the last pops concealed (see Loss).
func (b *Buffer[T]) Misses() int { return b.misses }

// Stats are the counters.
func (b *Buffer[T]) Stats() Stats { return b.st }

// LossFraction is the share of the packets the stream should have brought
// so far that never came (RFC 3550 A.3; late ones came). Adaptive
// policies only; else 0.
func (b *Buffer[T]) LossFraction() float64 { return b.loss.LossFraction() }

// MeanWait is how long a played packet waited, on average (adaptive
// policies, which are given arrival and playout times; else 0).
func (b *Buffer[T]) MeanWait() time.Duration {
	if b.st.Played == 0 {
		return 0
	}
	return b.waitSum / time.Duration(b.st.Played)
}

// LastArrival is the arrival time of the last packet played (adaptive
// policies; else zero).
func (b *Buffer[T]) LastArrival() time.Time { return b.lastPlayed }

// window is the fewest of a value over a window of observations.
type window struct{ run, fewest int }

// observe adds v; at the window's end it returns the fewest and starts
// the next window.
func (w *window) observe(v, n int) (fewest int, full bool) {
	if w.run == 0 || v < w.fewest {
		w.fewest = v
	}
	if w.run++; w.run < n {
		return 0, false
	}
	w.run = 0
	return w.fewest, true
}
