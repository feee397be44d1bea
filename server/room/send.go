package room

import (
	"fmt"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/mixer"
)

// The send direction of a staff leg — what the staff member hears, to
// their track — as small typed stages (audio.Writer), each direction built
// by buildSend:
//
//	sendOpus:  Mixer(48000) -> Opus(48000, encode) -> Track
//	sendOpus8: Mixer(48000) -> Resample(48000->8000) -> Opus(8000, encode) -> Track
//	sendPCMU:  Mixer(48000) -> Resample(48000->8000) -> PCMU(encode) -> Track
//
// An Opus peer has the first two (the narrowband one while all it hears is
// the 8 kHz caller: it sounds the same and costs a fraction of the CPU), a
// PCMU peer the last. The two-party fast path (pair.go) writes its 8 kHz
// frames into the tail after the resampler and primes the resampler when
// the full path resumes; the room's shared encoders (share.go) are the
// same pipelines, one per kind for all the legs that hear the same frame.

// sendKind is one way of encoding what a leg hears.
type sendKind uint8

const (
	sendOpus  sendKind = iota // Mixer(48000) -> Opus(48000, encode)
	sendOpus8                 // Mixer(48000) -> Resample(48000->8000) -> Opus(8000, encode)
	sendPCMU                  // Mixer(48000) -> Resample(48000->8000) -> PCMU(encode)
	sendKinds
)

// encodeName names the kind's encode stage.
func (k sendKind) encodeName() string {
	switch k {
	case sendOpus:
		return "Opus(48000, encode)"
	case sendOpus8:
		return "Opus(8000, encode)"
	case sendPCMU:
		return "PCMU(encode)"
	}
	return "Encode"
}

// sendKindOf is the way peer p encodes (narrow: it hears only the caller).
func sendKindOf(p *peer, narrow bool) sendKind {
	switch {
	case p.send == codecPCMU:
		return sendPCMU
	case p.sendsNarrow(narrow):
		return sendOpus8
	}
	return sendOpus
}

// sendPipe is one built send direction.
type sendPipe struct {
	head audio.Writer   // what the mixer's 48 kHz frames go into
	down *resampleStage // Resample(48000->8000), nil at 48 kHz
	tail *encodeStage   // the encoder and the track
	out  *packetOut     // the last encoded packet
}

// buildSend builds the send direction of kind, ending in out. newOpus
// makes the server's Opus encoder at 48 kHz or, narrow, 8 kHz.
func buildSend(kind sendKind, newOpus func(narrow bool) (encoder, error), out *packetOut) (*sendPipe, error) {
	var enc encoder
	var err error
	rate, name := CallerRate, kind.encodeName()
	switch kind {
	case sendOpus:
		enc, err = newOpus(false)
		rate = mixer.Rate
	case sendOpus8:
		enc, err = newOpus(true)
	case sendPCMU:
		enc = &pcmuEncoder{}
	default:
		return nil, fmt.Errorf("room: no send pipeline of kind %d", kind)
	}
	if err != nil {
		return nil, err
	}
	sp := &sendPipe{tail: &encodeStage{name: name, rate: rate, enc: enc, out: out}, out: out}
	sp.head = sp.tail
	if rate != mixer.Rate {
		sp.down = &resampleStage{dst: sp.tail}
		sp.head = sp.down
	}
	return sp, nil
}

// String names the pipeline from the mixer on.
func (sp *sendPipe) String() string { return "Mixer(48000) -> " + sp.head.String() }

// send runs one 48 kHz frame through the pipeline and returns the packet.
func (sp *sendPipe) send(frame []int16) ([]byte, error) {
	if err := sp.head.WriteSample(frame); err != nil {
		return nil, err
	}
	return sp.out.payload, nil
}

// reset starts the pipeline afresh for a new room: the resampler's history
// and the encoder's state (Opus holds the last few ms of input in its
// look-ahead) are dropped, so no audio of the previous call reaches the
// next one.
func (sp *sendPipe) reset() {
	if sp.down != nil {
		sp.down.d = down6{}
	}
	if r, ok := sp.tail.enc.(interface{ Reset() error }); ok {
		_ = r.Reset() // only fails on a destroyed encoder, which then fails to encode too
	}
}

// send8 runs one 8 kHz frame through the pipeline's tail (the fast path).
func (sp *sendPipe) send8(frame []int16) ([]byte, error) {
	if sp.down == nil {
		return nil, fmt.Errorf("room: %s has no 8 kHz stage", sp)
	}
	if err := sp.tail.WriteSample(frame); err != nil {
		return nil, err
	}
	return sp.out.payload, nil
}

// resampleStage is Resample(48000->8000) in front of an 8 kHz stage.
type resampleStage struct {
	dst audio.Writer // first: the garbage collector scans no further
	d   down6
	out [CallerFrame]int16
}

func (r *resampleStage) WriteSample(pcm audio.PCM16) error {
	if len(pcm) != mixer.FrameSamples {
		return fmt.Errorf("room: resampler wants %d samples, got %d", mixer.FrameSamples, len(pcm))
	}
	r.d.process(pcm, r.out[:])
	return r.dst.WriteSample(r.out[:])
}
func (r *resampleStage) SampleRate() int { return mixer.Rate }
func (r *resampleStage) String() string  { return "Resample(48000->8000) -> " + r.dst.String() }
func (r *resampleStage) Close() error    { return nil }

// encodeStage encodes one 20 ms frame at its rate into its packetOut.
type encodeStage struct {
	name string
	rate int
	enc  encoder
	out  *packetOut
}

func (e *encodeStage) WriteSample(pcm audio.PCM16) error {
	payload, err := e.enc.Encode(pcm)
	if err != nil {
		return err
	}
	e.out.payload = payload
	return nil
}
func (e *encodeStage) SampleRate() int { return e.rate }
func (e *encodeStage) String() string  { return e.name + " -> " + e.out.String() }
func (e *encodeStage) Close() error    { return nil }

// packetOut is the end of a send pipeline: the encoded packet, valid until
// the next frame, which the leg writes to its track once its lock is
// released (or, shared, to every track that hears the same frame).
type packetOut struct{ payload []byte }

func (*packetOut) String() string { return "Track" }
