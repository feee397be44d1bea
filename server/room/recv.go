package room

import (
	"strconv"

	"github.com/meet-dev/meet/audio"
)

// The receive direction of a staff leg — their track, to what others hear —
// at two rates, one recvPipe each, over one jitter buffer and one set of
// stream state (narrow.go switches between them without a click):
//
//	wide:   Track -> Jitter -> Opus(48000, decode) -> Mixer(48000)
//	        Track -> Jitter -> PCMU(decode) -> Resample(8000->48000) -> Mixer(48000)
//	narrow: Track -> Jitter -> Opus(8000, decode) -> Delay(8) -> Trunk(8000)
//
// The narrow one serves the two-party fast path (pair.go); a G.711 operator
// takes the wide one there too (the full path's own resamplers).

// recvPipe is one rate of a peer's receive direction: what its decoders
// gave and the mixer or the fast path has not taken yet.
type recvPipe struct {
	narrow bool
	fifo   audio.PCM16 // decoded samples not yet played
}

// String names the pipe for a stream of codec c.
func (r *recvPipe) String(c codecKind) string {
	if !r.narrow {
		return "Track -> Jitter -> " + c.decodeName() + " -> Mixer(48000)"
	}
	var d delayLine
	return "Track -> Jitter -> " + c.decodeName8() + " -> " + d.String() + " -> Trunk(8000)"
}

// take moves one frame of len(dst) samples from the fifo into dst.
func (r *recvPipe) take(dst []int16) {
	copy(dst, r.fifo)
	r.fifo = r.fifo[:copy(r.fifo, r.fifo[len(dst):])]
}

// delayLine delays the narrowband decode by dlyLen samples, to line up
// with the full path (48 kHz decode, then Resample(48000->8000)).
type delayLine struct{ buf [dlyLen]int16 }

// process shifts frame f by dlyLen samples through the line.
func (d *delayLine) process(f []int16) {
	var tail [dlyLen]int16
	copy(tail[:], f[len(f)-dlyLen:])
	copy(f[dlyLen:], f[:len(f)-dlyLen])
	copy(f[:dlyLen], d.buf[:])
	d.buf = tail
}

// fill loads the line with the end of pcm (a warmed-up decoder's output).
func (d *delayLine) fill(pcm []int16) { copy(d.buf[:], pcm[len(pcm)-dlyLen:]) }

func (d *delayLine) String() string { return "Delay(" + strconv.Itoa(dlyLen) + ")" }
