package room

import (
	"errors"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/mixer"
)

// CallerRate and CallerFrame describe the trunk side of a caller leg.
const (
	CallerRate  = 8000
	CallerFrame = 160 // 20 ms
)

// callerLeg adapts 8 kHz audio — the trunk's media of a caller or of a
// dialled leg, or a bridge to another node — to the 48 kHz mixer, each
// direction as small typed stages built by newLeg8:
//
//	receive: Trunk(8000) -> Resample(8000->48000) -> Mixer(48000)
//	send:    Mixer(48000) -> Resample(48000->8000) -> Trunk(8000)
//
// (Bridge(8000) for a bridge). The fast paths take the same end and
// resamplers: the one-party path (solo.go) reads the end into its Drain
// and writes the guidance to it, the two-party path (pair.go) reads it
// into Band(8000) and writes the operator to it.
//
// Only the mixer goroutine touches it; it allocates nothing per frame.
type callerLeg struct {
	// The fields holding pointers come first: the garbage collector scans
	// an object up to its last pointer, here not the buffers of every live
	// call. The resamplers, with their buffers, are objects of their own,
	// each its pointer first.
	end      end8           // Trunk(8000) or Bridge(8000), both ways
	frame    mixerFrame     // Mixer(48000): where the receive direction ends
	up       *upsampleStage // Resample(8000->48000) -> Mixer(48000): receive, after end
	down     *resampleStage // Resample(48000->8000) -> Trunk(8000): send, from the mixer
	hand     handOff        // between down and end
	drain    drain          // the one-party path's end of what the caller says (solo.go)
	guide    soloGuidance   // the one-party path's Guidance(8000) -> Trunk(8000) (solo.go)
	soloPrev span           // the guidance of the last one-party tick (solo.go)
	pair     pairPath       // the caller's side of the two-party fast path (pair.go); its pointer first

	in8  [CallerFrame]int16        // the last frame read from end
	wide [mixer.FrameSamples]int16 // scratch for the fast paths
}

// newCallerLeg is a caller leg over trunk media (the caller, a dialled leg).
func newCallerLeg(media CallerMedia) *callerLeg { return newLeg8("Trunk", media) }

// newBridgeLeg is a bridge's leg over a node-to-node RTP leg (bridge.go).
func newBridgeLeg(media CallerMedia) *callerLeg { return newLeg8("Bridge", media) }

// newLeg8 builds both directions of an 8 kHz leg whose end is named name.
func newLeg8(name string, media CallerMedia) *callerLeg {
	c := &callerLeg{end: end8{name: name, media: media}}
	// Receive: end -> Resample(8000->48000) -> Mixer(48000).
	c.up = &upsampleStage{next: &c.frame}
	// Send: Mixer(48000) -> Resample(48000->8000) -> end, the first frame
	// after two-party ticks faded over from the operator's (narrow.go).
	c.hand = handOff{c: c}
	c.down = &resampleStage{dst: &c.hand}
	// The one-party fast path: end -> Drain; Guidance(8000) -> end.
	c.drain, c.guide = drain{c: c}, soloGuidance{c: c}
	return c
}

// receive and send name the leg's two directions through the mixer, from
// the stages themselves.
func (c *callerLeg) receive() string { return c.end.String() + " -> " + c.up.String() }
func (c *callerLeg) send() string    { return "Mixer(48000) -> " + c.down.String() }

// ReadFrame is the mixer Source: one frame from the end, upsampled into dst.
func (c *callerLeg) ReadFrame(dst []int16) bool {
	c.pair.resume(c)
	if !c.end.ReadFrame(c.in8[:]) {
		return false
	}
	c.up.next.dst = dst[:mixer.FrameSamples]
	_ = c.up.WriteSample(c.in8[:]) // cannot fail: a whole frame
	c.up.next.dst = nil
	c.pair.follow(c.in8[:])
	return true
}

// WriteFrame is the mixer Sink: the caller's mix down the send direction.
func (c *callerLeg) WriteFrame(src []int16) error {
	c.soloPrev = span{}
	return c.down.WriteSample(src)
}

// String names the pipeline of both directions, through the mixer.
func (c *callerLeg) String() string { return c.receive() + " -> " + c.down.String() }

// end8 is an 8 kHz leg's end, both ways: the frames its media gives (the
// start of the receive direction) and takes (the end of the send one).
type end8 struct {
	media CallerMedia
	name  string // Trunk or Bridge
}

// ReadFrame reads the media's next frame; false (dst zeroed) when nothing flows.
func (e *end8) ReadFrame(dst []int16) bool { return e.media.ReadFrame(dst) }

func (e *end8) WriteSample(pcm audio.PCM16) error { return e.media.WriteFrame(pcm) }
func (e *end8) SampleRate() int                   { return CallerRate }
func (e *end8) String() string                    { return e.name + "(8000)" }
func (e *end8) Close() error                      { return nil }

// errFrame is a stage given anything but one 20 ms frame.
var errFrame = errors.New("room: not one 20 ms frame")

// upsampleStage is Resample(8000->48000) straight into the mixer's frame.
type upsampleStage struct {
	next *mixerFrame
	u    up6
}

func (s *upsampleStage) WriteSample(pcm audio.PCM16) error {
	if len(pcm) != CallerFrame || len(s.next.dst) != mixer.FrameSamples {
		return errFrame
	}
	s.u.process(pcm, s.next.dst)
	return nil
}
func (s *upsampleStage) SampleRate() int { return CallerRate }
func (s *upsampleStage) String() string  { return "Resample(8000->48000) -> " + s.next.String() }
func (s *upsampleStage) Close() error    { return nil }

// mixerFrame is the end of a receive direction read by the mixer: the
// frame the mixer is reading, set for the write.
type mixerFrame struct{ dst []int16 }

func (*mixerFrame) String() string { return "Mixer(48000)" }

// handOff passes the caller's send frames on to its end; the first one
// after two-party ticks fades over from the operator's narrowband audio
// of that tick first (pairPath.handOff). It is no stage of its own in the
// pipeline's name: every other frame passes it untouched.
type handOff struct{ c *callerLeg }

func (h *handOff) WriteSample(pcm audio.PCM16) error {
	h.c.pair.handOff(h.c, pcm)
	return h.c.end.WriteSample(pcm)
}
func (h *handOff) SampleRate() int { return CallerRate }
func (h *handOff) String() string  { return h.c.end.String() }
func (h *handOff) Close() error    { return nil }
