package room

import "github.com/meet-dev/meet/audio/mixer"

// CallerRate and CallerFrame describe the trunk side of a caller leg.
const (
	CallerRate  = 8000
	CallerFrame = 160 // 20 ms
)

// callerLeg adapts 8 kHz trunk audio to the 48 kHz mixer, both ways:
//
//	receive: CallerMedia(8000) -> Resample(8000->48000) -> Mixer(48000)
//	send:    Mixer(48000) -> Resample(48000->8000) -> CallerMedia(8000)
//
// Only the mixer goroutine touches it; it allocates nothing per frame.
type callerLeg struct {
	// The fields holding pointers come first: the garbage collector scans
	// an object up to its last pointer, here not the 8 KB of buffers of
	// every live call.
	media    CallerMedia
	soloPrev span     // the guidance of the last one-party tick (solo.go)
	pair     pairPath // the caller's side of the two-party fast path (pair.go); its pointer first

	in8  [CallerFrame]int16
	out8 [CallerFrame]int16
	up   up6
	down down6

	wide [mixer.FrameSamples]int16 // scratch for the fast paths
}

func newCallerLeg(media CallerMedia) *callerLeg { return &callerLeg{media: media} }

// ReadFrame is the mixer Source: one trunk frame upsampled to 960 samples.
func (c *callerLeg) ReadFrame(dst []int16) bool {
	c.pair.resume(c)
	if !c.media.ReadFrame(c.in8[:]) {
		return false
	}
	c.up.process(c.in8[:], dst[:mixer.FrameSamples])
	c.pair.follow(c.in8[:])
	return true
}

// WriteFrame is the mixer Sink: the caller's mix downsampled to 160 samples.
// After narrowband two-party ticks it fades over from the operator's
// narrowband audio of this tick (see narrow.go).
func (c *callerLeg) WriteFrame(src []int16) error {
	c.soloPrev = span{}
	c.down.process(src, c.out8[:])
	c.pair.handOff(c, c.out8[:])
	return c.media.WriteFrame(c.out8[:])
}

// String names the pipeline of both directions.
func (c *callerLeg) String() string {
	return "Trunk(8000) -> Resample(8000->48000) -> Mixer(48000) -> Resample(48000->8000) -> Trunk(8000)"
}
