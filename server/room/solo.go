package room

import "github.com/meet-dev/meet/audio/mixer"

// The one-party fast path. While the caller is alone in the room (waiting,
// ringing, listening to guidance: most of a busy line's rooms) the caller
// hears the guidance and nothing else, and nobody hears the caller, so a
// tick needs neither the caller's Resample(8000->48000) nor the mix nor the
// Resample(48000->8000) back:
//
//	caller -> nobody: Trunk(8000) -> Drain
//	guidance -> caller: Guidance(8000) -> Trunk(8000)
//
// The guidance clip carries its 8 kHz form (guidance.go). Every solo tick
// leaves the full path's resampler histories as the full path would have,
// so a party joining mid-sentence switches without a click.

// soloPipelines names the one-party fast path's two directions.
func soloPipelines() (fromCaller, toCaller string) {
	return "Trunk(8000) -> Drain", "Guidance(8000) -> Trunk(8000)"
}

// solo is the room's mixer.SoloFunc: the caller alone with the prompt (a
// bridge leg alone, also a callerLeg, hears no prompt: the full path).
func (r *Room) solo(l *mixer.Leg) bool {
	c, ok := l.Source().(*callerLeg)
	if !ok || l.Role() != mixer.RoleCaller || l.Sink() != mixer.Sink(c) {
		return false
	}
	c.solo(r.prompt)
	return true
}

// solo runs one tick of the caller alone with prompt p.
func (c *callerLeg) solo(p *prompt) {
	// What the caller says reaches nobody; keep the upsampler's and the
	// band filter's history as the full path would.
	if c.media.ReadFrame(c.in8[:]) {
		for i, v := range c.in8[CallerFrame-(r6Taps-1):] {
			c.up.buf[i] = float32(v)
		}
		c.pair.follow(c.in8[:])
	}
	// What the caller hears: the guidance, at 8 kHz from the clip when that
	// is exactly what Resample(48000->8000) would give, or silence.
	const hist = r6Len - 1
	zeroHist := allZero(c.down.buf[:hist])
	sp, playing := p.read(c.wide[:])
	switch f8, ok := sp.eight(c.soloPrev, zeroHist); {
	case ok:
		copy(c.out8[:], f8)
		for i, v := range c.wide[mixer.FrameSamples-hist:] {
			c.down.buf[i] = float32(v)
		}
	case !playing && zeroHist:
		clear(c.out8[:]) // the history stays silent
	default:
		if !playing {
			clear(c.wide[:])
		}
		c.down.process(c.wide[:], c.out8[:]) // a clip's edge or the tail after it
	}
	c.soloPrev = sp
	c.pair.end()                      // no operator to fade from
	_ = c.media.WriteFrame(c.out8[:]) // a trunk error is the trunk's to report
}

func allZero(b []float32) bool {
	for _, v := range b {
		if v != 0 {
			return false
		}
	}
	return true
}
