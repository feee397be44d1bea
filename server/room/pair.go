package room

import (
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/meet-dev/meet/audio/mixer"
)

// The two-party fast path. With only the caller and one operator in the
// room (talk or barge, nobody listening or whispering, no guidance) each
// hears exactly the other, so the room's mixer PairFunc exchanges their
// audio without the 48 kHz mix:
//
//	caller -> operator: Trunk(8000) -> Band(8000) -> Opus(8000, encode) -> Track
//	operator -> caller: Track -> Jitter -> Opus(8000, decode) -> Delay(8) -> Trunk(8000)
//
// (a G.711 operator: Track -> Jitter -> PCMU(decode) ->
// Resample(8000->48000) -> Resample(48000->8000) -> Trunk(8000), the full
// path's own stages), each line the stages a tick uses (pipelines). Band
// is the 8 kHz filter equal to Resample(8000->48000) followed by
// Resample(48000->8000) (what the full path does to the caller's voice on
// its way to a narrowband operator), in one short FIR, and every fast tick
// keeps the full path's resampler histories as they would be, so that
// direction switches sample-exactly. The other direction changes decoder
// rate and fades over one tick (narrow.go). Either way a third party
// joining or leaving switches paths without a click or a gap.

// pairPath is the caller leg's side of the two-party fast path: what one
// fast tick needs and what the switches to and from the full path need.
// Its methods are the path's whole life:
//
//	exchange  one fast tick (the rooms' mixer.PairFunc, twoParty, calls it)
//	follow    the full path read a caller frame: keep the band filter's history
//	resume    the first full tick reads: prime the operator's downsampler
//	handOff   the first full tick writes: fade from the operator's narrowband audio
//	end       the caller is alone now (solo.go): nothing to hand over
//
// Only the room's mixer goroutine touches it.
type pairPath struct {
	partner *staffLeg          // its operator (first: the garbage collector scans no further than the last pointer)
	nb8     [CallerFrame]int16 // the caller's frame for the operator, band-filtered
	band    bandStage          // Band(8000)
	silent  bool               // the last fast tick had no caller audio
	op8     [CallerFrame]int16
	x8      [CallerFrame]int16
	fast    bool // the last tick was a two-party tick
}

// pipelines names the fast path's two directions between caller c and
// staff leg s's peer p, from the stages a fast tick (exchange) sends the
// audio through: the caller's end and band filter and the operator's
// narrowband send tail one way; back, the operator's narrowband receive
// pipeline (Opus) or, for a stream it cannot decode at 8 kHz (G.711), its
// full receive pipeline and the caller's send resampler, into the caller's
// end. ok is false when p has no narrowband send (the full path runs).
func (pp *pairPath) pipelines(c *callerLeg, s *staffLeg, p *peer) (toOperator, toCaller string, ok bool) {
	sp := p.narrowPipe()
	if sp == nil {
		return "", "", false
	}
	toOperator = c.end.String() + " -> " + pp.band.String() + " -> " + sp.tail.String()
	if s.narrowOK(p) {
		if rp := p.recvPipe(codecOpus, true); rp != nil {
			return toOperator, rp.into(c.end.String()), true
		}
	}
	if rp := p.recvPipe(p.streamCodec(nil), false); rp != nil {
		return toOperator, rp.into(c.down.String()), true
	}
	return toOperator, "no receive pipeline", true
}

// twoParty is the rooms' mixer.PairFunc.
func twoParty(a, b *mixer.Leg) bool {
	c, ok := a.Source().(*callerLeg)
	s, ok2 := b.Source().(*staffLeg)
	if !ok || !ok2 {
		c, ok = b.Source().(*callerLeg)
		s, ok2 = a.Source().(*staffLeg)
	}
	if !ok || !ok2 || !s.narrow.Load() {
		return false
	}
	return c.pair.exchange(c, s)
}

// exchange runs one fast tick between caller c and staff leg s.
func (pp *pairPath) exchange(c *callerLeg, s *staffLeg) bool {
	s.mu.Lock()
	p := s.cur
	s.pairedWith = c
	narrowIn := p != nil && s.narrowOK(p)
	if p != nil && p.narrowPipe() == nil {
		s.mu.Unlock()
		return false // the full path reports it
	}
	s.mu.Unlock()

	// Caller -> operator (read first, as the mixer reads in its legs' order).
	if c.end.ReadFrame(c.in8[:]) {
		pp.silent = false
		pp.band.filter(c.in8[:], pp.nb8[:], &c.up.u)
	} else {
		clear(pp.nb8[:])
		pp.silent = true
	}

	// Operator -> caller: the caller hears nothing but the operator
	// (silence when nothing comes); Opus is decoded at 8 kHz.
	if narrowIn {
		if s.readNarrow(pp.op8[:], c.wide[:]) { // the first fast tick: fade over
			c.down.d.process(c.wide[:], pp.x8[:])
			fade(pp.x8[:], pp.op8[:])
		}
		clear(c.down.d.buf[:r6Len-1])    // no stale history when the full path resumes
		_ = c.end.WriteSample(pp.op8[:]) // a trunk error is the trunk's to report
	} else {
		if !s.ReadFrame(c.wide[:]) {
			clear(c.wide[:])
		}
		_ = c.WriteFrame(c.wide[:])
	}
	pp.fast, pp.partner = true, s // for the switch back

	if p == nil {
		return true
	}
	return s.writeNarrow(p, pp)
}

// follow keeps the band filter's history as the full path (or the
// one-party path) reads caller frame in8, for the next fast tick.
func (pp *pairPath) follow(in8 []int16) { pp.band.follow(in8) }

// resume is called as the full path reads the caller's first frame after
// fast ticks (c.in8 still holds the last fast tick's): the operator's
// downsampler gets the history the full path would have left in it.
func (pp *pairPath) resume(c *callerLeg) {
	if pp.fast && pp.partner != nil {
		pp.partner.primeFrom(c)
	}
}

// handOff is called as the full path writes the caller's first frame
// after fast ticks: out8 fades over from the operator's narrowband audio
// of this tick (narrow.go).
func (pp *pairPath) handOff(c *callerLeg, out8 []int16) {
	if !pp.fast {
		return
	}
	if pp.partner != nil && pp.partner.takeHandoff(c, pp.x8[:]) {
		fade(pp.x8[:], out8)
	}
	pp.end()
}

// end forgets the fast ticks: the caller is alone, nothing to hand over.
func (pp *pairPath) end() { pp.fast, pp.partner = false, nil }

// writeNarrow encodes and sends the 8 kHz frame pp.nb8 to the operator.
func (s *staffLeg) writeNarrow(p *peer, pp *pairPath) bool {
	s.mu.Lock()
	if s.cur != p {
		s.mu.Unlock()
		return true // replaced meanwhile: the next tick uses the new one
	}
	payload, err := p.narrowPipe().send8(pp.nb8[:])
	s.mu.Unlock()
	if err != nil {
		s.log.Debug("narrowband encode failed", "err", err)
		return true
	}
	err = p.track.WriteSample(media.Sample{Data: payload, Duration: mixer.Period})
	if err != nil && !isClosed(err) {
		s.log.Debug("send failed", "err", err)
	}
	return true
}

// primeFrom gives the operator's 48 kHz -> 8 kHz downsampler the history
// the full path would have left in it: called by the caller leg on the
// first full tick after two-party ticks, before it reads a new frame.
func (s *staffLeg) primeFrom(c *callerLeg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.cur
	if p == nil || s.pairedWith != c { // attached elsewhere since
		return
	}
	if sp := p.narrowPipe(); sp != nil && sp.down != nil {
		c.pair.primeDown(c, &sp.down.d)
	}
}
