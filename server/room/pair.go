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
//	caller -> operator: Trunk(8000) -> Band(8000) -> Opus(8000) -> Track
//	operator -> caller: Track -> Opus(8000) -> Delay(8) -> Trunk(8000)
//
// (a G.711 operator: Track -> G711 -> Resample(8000->48000) ->
// Resample(48000->8000) -> Trunk, the full path's own). Band is the 8 kHz filter equal to Resample(8000->48000) followed by
// Resample(48000->8000) (what the full path does to the caller's voice on
// its way to a narrowband operator), in one short FIR, and every fast tick
// keeps the full path's resampler histories as they would be, so that
// direction switches sample-exactly. The other direction changes decoder
// rate and fades over one tick (narrow.go). Either way a third party
// joining or leaving switches paths without a click or a gap.

// callerPair is the caller leg's side of the two-party fast path: the
// frames of one fast tick and what the switch back to the full path needs.
type callerPair struct {
	wide    [mixer.FrameSamples]int16
	nb8     [CallerFrame]int16
	bandBuf [bandTaps - 1 + CallerFrame]float32
	silent  bool // the last fast tick had no caller audio
	op8     [CallerFrame]int16
	x8      [CallerFrame]int16
	fast    bool      // the last tick was a two-party tick
	partner *staffLeg // its operator
}

// pairPipelines names the fast path's two directions for an operator
// sending codec (the package comment's pictures).
func pairPipelines(send codecKind) (toOperator, toCaller string) {
	if send == codecPCMU {
		return "Trunk(8000) -> Band(8000) -> PCMU(encode) -> Track",
			"Track -> PCMU(decode) -> Resample(8000->48000) -> Resample(48000->8000) -> Trunk(8000)"
	}
	return "Trunk(8000) -> Band(8000) -> Opus(8000, encode) -> Track",
		"Track -> Jitter -> Opus(8000, decode) -> Delay(8) -> Trunk(8000)"
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
	return c.exchange(s)
}

// exchange runs one fast tick between the caller and staff leg s.
func (c *callerLeg) exchange(s *staffLeg) bool {
	s.mu.Lock()
	p := s.cur
	s.pairedWith = c
	narrowIn := p != nil && s.narrowOK(p)
	if p != nil && p.send == codecOpus && p.enc8 == nil {
		var err error
		if p.enc8, err = p.newEnc(true); err != nil {
			s.mu.Unlock()
			return false // the full path reports it
		}
	}
	s.mu.Unlock()

	// Caller -> operator (read first, as the mixer reads in its legs' order).
	if c.media.ReadFrame(c.in8[:]) {
		c.band(c.in8[:], c.nb8[:])
	} else {
		clear(c.nb8[:])
		c.silent = true
	}

	// Operator -> caller: the caller hears nothing but the operator
	// (silence when nothing comes); Opus is decoded at 8 kHz.
	if narrowIn {
		if s.readNarrow(c.op8[:], c.wide[:]) { // the first fast tick: fade over
			c.down.process(c.wide[:], c.x8[:])
			fade(c.x8[:], c.op8[:])
		}
		clear(c.down.buf[:r6Len-1])      // no stale history when the full path resumes
		_ = c.media.WriteFrame(c.op8[:]) // a trunk error is the trunk's to report
	} else {
		if !s.ReadFrame(c.wide[:]) {
			clear(c.wide[:])
		}
		_ = c.WriteFrame(c.wide[:])
	}
	c.fast, c.partner = true, s // for the switch back (caller.go)

	if p == nil {
		return true
	}
	return s.writeNarrow(p, c)
}

// writeNarrow encodes and sends the 8 kHz frame c.nb8 to the operator.
func (s *staffLeg) writeNarrow(p *peer, c *callerLeg) bool {
	s.mu.Lock()
	if s.cur != p {
		s.mu.Unlock()
		return true // replaced meanwhile: the next tick uses the new one
	}
	var payload []byte
	var err error
	switch p.send {
	case codecOpus:
		payload, err = p.enc8.Encode(c.nb8[:])
	case codecPCMU:
		e, ok := p.enc.(*pcmuEncoder)
		if !ok {
			s.mu.Unlock()
			return true
		}
		payload = e.encode8(c.nb8[:])
	}
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
	switch p.send {
	case codecOpus:
		c.primeDown(&p.down)
	case codecPCMU:
		if e, ok := p.enc.(*pcmuEncoder); ok {
			c.primeDown(&e.down)
		}
	}
}
