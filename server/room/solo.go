package room

import (
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/mixer"
)

// The one-party fast path. While the caller is alone in the room (waiting,
// ringing, listening to guidance: most of a busy line's rooms) the caller
// hears the guidance and nothing else, and nobody hears the caller, so a
// tick needs neither the caller's Resample(8000->48000) nor the mix nor the
// Resample(48000->8000) back. Its two directions are stages of the caller
// leg (newLeg8), around the same end as the full path's:
//
//	caller -> nobody:   Trunk(8000) -> Drain
//	guidance -> caller: Guidance(8000) -> Trunk(8000)
//
// The guidance clip carries its 8 kHz form (guidance.go). Every solo tick
// leaves the full path's resampler histories as the full path would have,
// so a party joining mid-sentence switches without a click.

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
	if c.end.ReadFrame(c.in8[:]) {
		_ = c.drain.WriteSample(c.in8[:]) // cannot fail: a whole frame
	}
	c.pair.end() // no operator to fade from
	c.guide.play(p)
}

// soloPipelines names the one-party fast path's two directions, from its stages.
func (c *callerLeg) soloPipelines() (fromCaller, toCaller string) {
	return c.end.String() + " -> " + c.drain.String(), c.guide.String()
}

// drain is where what the caller says goes while nobody hears it: it keeps
// the full path's upsampler history and the two-party path's band filter
// history as they would be.
type drain struct{ c *callerLeg }

func (d drain) WriteSample(pcm audio.PCM16) error {
	if len(pcm) != CallerFrame {
		return errFrame
	}
	buf := &d.c.up.u.buf
	for i, v := range pcm[CallerFrame-(r6Taps-1):] {
		buf[i] = float32(v)
	}
	d.c.pair.follow(pcm)
	return nil
}
func (drain) SampleRate() int { return CallerRate }
func (drain) String() string  { return "Drain" }
func (drain) Close() error    { return nil }

// soloGuidance is the guidance the caller hears alone: at 8 kHz from the
// clip when that is exactly what Resample(48000->8000) would give (all but
// a clip's edges), else the clip's 48 kHz through the send direction's
// resampler (its history kept either way), or silence; into the end.
type soloGuidance struct{ c *callerLeg }

func (g soloGuidance) String() string { return "Guidance(8000) -> " + g.c.end.String() }

// play runs one tick of prompt p to the caller.
func (g soloGuidance) play(p *prompt) {
	c, d := g.c, &g.c.down.d
	out := c.down.out[:] // the 8 kHz frame the send direction would give
	const hist = r6Len - 1
	zeroHist := allZero(d.buf[:hist])
	sp, playing := p.read(c.wide[:])
	switch f8, ok := sp.eight(c.soloPrev, zeroHist); {
	case ok:
		copy(out, f8)
		for i, v := range c.wide[mixer.FrameSamples-hist:] {
			d.buf[i] = float32(v)
		}
	case !playing && zeroHist:
		clear(out) // the history stays silent
	default:
		if !playing {
			clear(c.wide[:])
		}
		d.process(c.wide[:], out) // a clip's edge or the tail after it
	}
	c.soloPrev = sp
	_ = c.end.WriteSample(out) // a trunk error is the trunk's to report
}

func allZero(b []float32) bool {
	for _, v := range b {
		if v != 0 {
			return false
		}
	}
	return true
}
