package room

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/mixer"
	"github.com/meet-dev/meet/audio/timescale"
)

// The receive direction of a staff leg — their track, to what others hear —
// as small typed stages, one pipeline per codec and rate, all built by
// buildRecv over one jitter buffer and one set of stream state (narrow.go
// switches between the rates without a click):
//
//	recvOpus:  Track -> Jitter -> Opus(48000, decode) -> Mixer(48000)
//	recvPCMU:  Track -> Jitter -> PCMU(decode) -> Resample(8000->48000) -> Mixer(48000)
//	recvOpus8: Track -> Jitter -> Opus(8000, decode) -> Delay(8) -> Trunk(8000)
//	recvPCMU8: Track -> Jitter -> PCMU(decode) -> Delay(8) -> Trunk(8000)
//
// Each packet the jitter buffer gives goes down the pipeline of its codec
// at the rate being read, into that rate's sink (a fifo the tick takes
// frames from). The narrow ones serve the two-party fast path (pair.go); a
// G.711 operator takes the wide one there too (the full path's own
// resamplers). The two PCMU pipelines share one decoder, and the narrow
// one keeps the wide one's resampler history as the full path would have
// it, so a switch back continues it.

// recvKind is one codec and rate of a peer's receive direction.
type recvKind uint8

const (
	recvOpus  recvKind = iota // Jitter -> Opus(48000, decode) -> Mixer(48000)
	recvPCMU                  // Jitter -> PCMU(decode) -> Resample(8000->48000) -> Mixer(48000)
	recvOpus8                 // Jitter -> Opus(8000, decode) -> Delay(8) -> Trunk(8000)
	recvPCMU8                 // Jitter -> PCMU(decode) -> Delay(8) -> Trunk(8000)
	recvKinds
)

// recvKindOf is the pipeline of a stream of codec c, at 8 kHz when narrow.
func recvKindOf(c codecKind, narrow bool) (recvKind, bool) {
	switch {
	case c == codecOpus && !narrow:
		return recvOpus, true
	case c == codecPCMU && !narrow:
		return recvPCMU, true
	case c == codecOpus:
		return recvOpus8, true
	case c == codecPCMU:
		return recvPCMU8, true
	}
	return 0, false
}

// recvPipes is a peer's receive direction: a pipeline per kind and a sink
// per rate.
type recvPipes struct {
	pipes        [recvKinds]*recvPipe
	wide, narrow *recvSink
}

// buildRecv builds the receive direction over jitter buffer jb. newDec
// makes a decoder of codec c at rate (Opus: 48 or 8 kHz; PCMU: 8 kHz); the
// decoders are made on first use.
func buildRecv(jb *jitter, newDec func(c codecKind, rate int) (decoder, error)) *recvPipes {
	rp := &recvPipes{
		wide:   &recvSink{rate: mixer.Rate, to: "Mixer(48000)", sh: timescale.Shortener{Rate: mixer.Rate}},
		narrow: &recvSink{rate: CallerRate, to: "Trunk(8000)", dly: &delayLine{}, sh: timescale.Shortener{Rate: CallerRate}},
	}
	const ratio8 = mixer.Rate / CallerRate
	opus := &decodeStage{name: "Opus(48000, decode)", codec: codecOpus, rate: mixer.Rate, ratio: 1, newDec: newDec, next: rp.wide}
	up := &upStage{next: rp.wide}
	pcmu := &decodeStage{name: "PCMU(decode)", codec: codecPCMU, rate: CallerRate, ratio: ratio8, newDec: newDec, next: up}
	opus8 := &decodeStage{name: "Opus(8000, decode)", codec: codecOpus, rate: CallerRate, ratio: ratio8, newDec: newDec, next: rp.narrow}
	pcmu8 := &decodeStage{name: "PCMU(decode)", codec: codecPCMU, rate: CallerRate, ratio: ratio8, shared: pcmu, keep: up, next: rp.narrow}
	rp.pipes[recvOpus] = &recvPipe{jb: jb, dec: opus, sink: rp.wide}
	rp.pipes[recvPCMU] = &recvPipe{jb: jb, dec: pcmu, sink: rp.wide}
	rp.pipes[recvOpus8] = &recvPipe{jb: jb, dec: opus8, sink: rp.narrow}
	rp.pipes[recvPCMU8] = &recvPipe{jb: jb, dec: pcmu8, sink: rp.narrow}
	return rp
}

// reset forgets what the pipelines hold of the stream so far: the samples
// decoded but not yet taken, the decoders (made again on first use: Opus
// carries the end of the last frame it decoded into the next, CELT's
// overlap and SILK's filters), the upsampler's and the delay line's
// samples. For a leg attached to a new room (staffLeg.restart), whose
// stream may have paused since the last.
func (rp *recvPipes) reset() {
	for _, s := range []*recvSink{rp.wide, rp.narrow} {
		s.fifo = s.fifo[:0]
		s.sh.Forget()
	}
	for _, pipe := range rp.pipes {
		if pipe == nil {
			continue
		}
		d := pipe.dec
		if d.shared == nil {
			d.dec = nil
		}
		if d.keep != nil {
			d.keep.u = up6{}
		}
		if u, ok := d.next.(*upStage); ok {
			u.u = up6{}
		}
	}
	if rp.narrow.dly != nil {
		*rp.narrow.dly = delayLine{}
	}
}

// recvPipe is one codec and rate of the receive direction.
type recvPipe struct {
	jb   *jitter      // the leg's jitter buffer (shared by its pipelines)
	dec  *decodeStage // the decoder and what follows it
	sink *recvSink    // the rate's fifo (shared by the rate's pipelines)
}

// String names the pipeline from the track on.
func (rp *recvPipe) String() string { return "Track -> " + rp.jb.String() + " -> " + rp.dec.String() }

// into names the pipeline with to taking its rate's frames instead of
// the usual (the two-party fast path hands them to the caller's end).
func (rp *recvPipe) into(to string) string {
	return strings.TrimSuffix(rp.String(), rp.sink.to) + to
}

// decodeStage decodes one popped packet, recovers it from the next one's
// FEC or conceals it, at its rate, and writes the samples on.
type decodeStage struct {
	name   string
	codec  codecKind
	rate   int
	ratio  int // 48 kHz samples per sample at rate
	newDec func(c codecKind, rate int) (decoder, error)
	dec    decoder      // made on first use
	shared *decodeStage // decode with this stage's decoder instead (PCMU at 8 kHz)
	keep   *upStage     // runs the wide pipeline's resampler too, output unused
	next   audio.Writer
}

// decoder is the stage's decoder, made on first use.
func (d *decodeStage) decoder() (decoder, error) {
	if d.shared != nil {
		return d.shared.decoder()
	}
	if d.dec == nil {
		dec, err := d.newDec(d.codec, d.rate)
		if err != nil {
			return nil, err
		}
		d.dec = dec
	}
	return d.dec, nil
}

// decode decodes what the jitter buffer gave (kind, slot); lastN is the
// last packet's length at 48 kHz, for FEC and concealment. The samples are
// valid until the next call; WriteSample takes them on.
func (d *decodeStage) decode(kind popKind, slot *jbSlot, lastN int) (audio.PCM16, error) {
	dec, err := d.decoder()
	if err != nil {
		return nil, err
	}
	var pcm audio.PCM16
	switch kind {
	case popPacket:
		pcm, err = dec.Decode(slot.Payload)
	case popFEC:
		pcm, err = dec.DecodeFEC(slot.Payload, lastN/d.ratio)
	default:
		pcm, err = dec.PLC(lastN / d.ratio)
	}
	if err == nil && d.keep != nil {
		if kerr := d.keep.keepUp(pcm); kerr != nil {
			return nil, kerr
		}
	}
	return pcm, err
}

func (d *decodeStage) String() string { return d.name + " -> " + d.next.String() }

// upStage is Resample(8000->48000) behind an 8 kHz decoder.
type upStage struct {
	u    up6
	out  [mixer.FrameSamples]int16
	next audio.Writer
}

func (u *upStage) WriteSample(pcm audio.PCM16) error {
	if err := u.keepUp(pcm); err != nil {
		return err
	}
	return u.next.WriteSample(u.out[:])
}

// keepUp resamples pcm into the stage's buffer only.
func (u *upStage) keepUp(pcm audio.PCM16) error {
	if len(pcm) != CallerFrame {
		return fmt.Errorf("room: resampler wants %d samples, got %d", CallerFrame, len(pcm))
	}
	u.u.process(pcm, u.out[:])
	return nil
}
func (u *upStage) SampleRate() int { return CallerRate }
func (u *upStage) String() string  { return "Resample(8000->48000) -> " + u.next.String() }
func (u *upStage) Close() error    { return nil }

// recvSink is the end of the receive pipelines at one rate: the decoded
// samples the mixer (48 kHz) or the fast path (8 kHz, through Delay(8))
// has not taken yet.
type recvSink struct {
	rate int
	to   string
	fifo audio.PCM16
	dly  *delayLine // Delay(8) on the frames taken, at 8 kHz
	// sh shortens the frames taken by the samples of a packet played early
	// (the jitter buffer giving back delay, PopOwed): audio/timescale.
	sh timescale.Shortener
}

func (s *recvSink) WriteSample(pcm audio.PCM16) error {
	s.fifo = append(s.fifo, pcm...)
	return nil
}
func (s *recvSink) SampleRate() int { return s.rate }
func (s *recvSink) Close() error    { return nil }
func (s *recvSink) String() string {
	if s.dly != nil {
		return s.dly.String() + " -> " + s.to
	}
	return s.to
}

// take moves one frame of len(dst) samples from the fifo into dst,
// shortened while samples are owed.
func (s *recvSink) take(dst []int16) { s.fifo = s.sh.Take(dst, s.fifo) }

// out passes frame f, as played, through what follows the fifo (Delay(8)).
func (s *recvSink) out(f []int16) {
	if s.dly != nil {
		s.dly.process(f)
	}
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
