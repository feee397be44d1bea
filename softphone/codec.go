package softphone

import (
	"fmt"
	"strings"
	"time"

	"github.com/zaf/g711"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/opus"
	"github.com/meet-dev/meet/internal/g711tab"
)

// Codec is the audio codec negotiated with meetd. The zero value is CodecUnknown.
type Codec int

const (
	CodecUnknown Codec = iota
	CodecOpus          // 48 kHz, 20 ms frames, in-band FEC
	CodecPCMU          // G.711 µ-law, 8 kHz, 20 ms frames
)

func (c Codec) String() string {
	switch c {
	case CodecOpus:
		return "opus"
	case CodecPCMU:
		return "pcmu"
	}
	return "unknown"
}

// ParseCodec reads a codec name or an SDP rtpmap encoding name ("opus", "PCMU").
func ParseCodec(s string) (Codec, error) {
	switch strings.ToLower(s) {
	case "opus":
		return CodecOpus, nil
	case "pcmu":
		return CodecPCMU, nil
	}
	return CodecUnknown, fmt.Errorf("softphone: unsupported codec %q (want opus or pcmu)", s)
}

// rate is the codec's PCM sample rate.
func (c Codec) rate() int {
	if c == CodecPCMU {
		return 8000
	}
	return 48000
}

const frameDuration = 20 * time.Millisecond

// packetSink receives one encoded 20 ms frame at a time (the WebRTC track).
type packetSink interface {
	WritePacket(payload []byte, d time.Duration) error
	String() string
}

// frameStage collects samples into whole 20 ms frames and hands them to enc.
type frameStage struct {
	name  string
	rate  int
	pend  audio.PCM16
	frame int
	enc   func(audio.PCM16) ([]byte, error)
	out   packetSink
}

func (f *frameStage) WriteSample(s audio.PCM16) error {
	for len(s) > 0 {
		n := min(f.frame-len(f.pend), len(s))
		f.pend = append(f.pend, s[:n]...)
		s = s[n:]
		if len(f.pend) < f.frame {
			break
		}
		pkt, err := f.enc(f.pend)
		f.pend = f.pend[:0]
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if err := f.out.WritePacket(pkt, frameDuration); err != nil {
			return err
		}
	}
	return nil
}

func (f *frameStage) SampleRate() int { return f.rate }
func (f *frameStage) String() string  { return f.name + " -> " + f.out.String() }
func (f *frameStage) Close() error    { return nil }

// newEncoder returns the encoding stage for c in front of out.
func newEncoder(c Codec, out packetSink) (audio.Writer, error) {
	switch c {
	case CodecOpus:
		enc, err := newOpusEncoder(OpusComplexity, OpusCELTComplexity)
		if err != nil {
			return nil, fmt.Errorf("opus encoder: %w", err)
		}
		// EncodeReuse: the packet is handed to the track, which copies it
		// into its RTP packet before WritePacket returns.
		encode := enc.EncodeReuse
		if l, ok := out.(linkSink); ok && l.link() != nil {
			// The expected loss follows meetd's reports (lossfec) and the
			// band its hints (bandhint); both are applied here, in the
			// one goroutine that encodes.
			pr := l.link()
			encode = func(s audio.PCM16) ([]byte, error) {
				if err := enc.SetExpectedLoss(pr.fecCtl.Expected()); err != nil {
					return nil, err
				}
				b := opus.Wideband
				if pr.narrowUp.Load() {
					b = opus.Narrowband
				}
				if b != enc.MaxBandwidth() {
					// libopus would glide SILK down a band every ~5 s;
					// a reset (which keeps the settings) switches at once,
					// as at a call's start, where the hint comes.
					if err := enc.Reset(); err != nil {
						return nil, err
					}
					if err := enc.SetMaxBandwidth(b); err != nil {
						return nil, err
					}
					// Narrowband on a loss-free path: CELT, half the
					// encode of narrowband SILK for the same STOI at the
					// caller; wideband stays SILK, whose STOI at the
					// caller CELT at this bitrate did not match
					// (BenchmarkOpusComplexity, tune set). The encoder
					// switches with the loss it is told to expect.
					if err := enc.SetCELTWithoutLoss(b == opus.Narrowband); err != nil {
						return nil, err
					}
				}
				return enc.EncodeReuse(s)
			}
		}
		return &frameStage{name: "Opus(encode)", rate: 48000, frame: 960, enc: encode, out: out}, nil
	case CodecPCMU:
		buf := make([]byte, 160)
		return &frameStage{name: "PCMU(encode)", rate: 8000, frame: 160, out: out,
			enc: func(s audio.PCM16) ([]byte, error) {
				g711tab.EncodeUlaw(buf, s)
				return buf, nil
			}}, nil
	}
	return nil, fmt.Errorf("softphone: no encoder for codec %v", c)
}

// linkSink is a packet sink on a peer connection (trackSink), whose
// reports and hints from meetd steer the microphone's encoder.
type linkSink interface{ link() *peer }

// OpusComplexity is the libopus complexity of the microphone's stream.
const OpusComplexity = 5

// OpusCELTComplexity is its complexity while it codes CELT (narrowband on a
// loss-free path, see newEncoder). BenchmarkOpusComplexity on the tune set
// puts CELT at complexity 0 at under half of 5's encode (16.7 against
// 36.1 µs per 20 ms) for the same STOI at the caller (0.9964 against
// 0.9963), but STOI misses onsets: with 0, and with 3 or 4 too, the
// caller heard the operator's first tone 5-10 ms later
// (BenchmarkAcceptToTwoWayAudio, 3-4 runs of 10 calls each: slowest call
// 51-66 ms, over its 50 ms aim, against 43-44 at 5). So CELT stays at 5.
const OpusCELTComplexity = 5

// newOpusEncoder is the microphone's Opus encoder at complexity c: held to
// wideband (7 kHz), because the far end is a phone line that carries 4 kHz
// at most, and SILK-only wideband costs less here to encode and in meetd to
// decode (to 8 kHz for the caller) than the SILK+CELT hybrid fullband voice
// would get; its in-band FEC is SILK's either way. While meetd says all
// that hears the operator takes 8 kHz (bandhint) it is held to narrowband.
//
// While it codes CELT (narrowband on a loss-free path) it runs at
// complexity celt instead of c.
func newOpusEncoder(c, celt int) (*opus.Encoder, error) {
	return opus.NewEncoder(48000, 1, opus.WithComplexity(c), opus.WithCELTComplexity(celt),
		opus.WithMaxBandwidth(opus.Wideband))
}

// frameDecoder turns received payloads into PCM at its codec's rate. A
// frame is valid until the next call (the decoders reuse their buffer).
type frameDecoder interface {
	decode(pkt []byte) (audio.PCM16, error)
	// conceal produces one frame for a missing packet; next is the packet
	// after it when already received (Opus recovers it from in-band FEC).
	conceal(next []byte) (audio.PCM16, error)
	String() string
}

func newDecoder(c Codec) (frameDecoder, error) {
	switch c {
	case CodecOpus:
		d, err := opus.NewDecoder(48000, 1)
		if err != nil {
			return nil, fmt.Errorf("opus decoder: %w", err)
		}
		return &opusDecoder{d: d}, nil
	case CodecPCMU:
		return &pcmuDecoder{}, nil
	}
	return nil, fmt.Errorf("softphone: no decoder for codec %v", c)
}

// opusDecoder decodes into the decoder's own buffer (the Reuse variants):
// the frame is written down the receive chain before the next decode, and
// writers do not keep it (audio.Writer), so 50 frames a second make no
// garbage.
type opusDecoder struct{ d *opus.Decoder }

func (o *opusDecoder) decode(pkt []byte) (audio.PCM16, error) { return o.d.DecodeReuse(pkt) }
func (o *opusDecoder) conceal(next []byte) (audio.PCM16, error) {
	if next != nil {
		return o.d.DecodeFECReuse(next, 960)
	}
	return o.d.PLCReuse(960)
}
func (o *opusDecoder) String() string { return "Opus(decode)" }

// pcmuDecoder decodes G.711 µ-law; it conceals a loss by repeating the last
// frame at half level once, then silence.
type pcmuDecoder struct {
	last   audio.PCM16
	faded  bool
	buffer audio.PCM16
}

func (p *pcmuDecoder) decode(pkt []byte) (audio.PCM16, error) {
	p.buffer = p.buffer[:0]
	for _, b := range pkt {
		p.buffer = append(p.buffer, g711.DecodeUlawFrame(b))
	}
	p.last = append(p.last[:0], p.buffer...)
	p.faded = false
	return p.buffer, nil
}

func (p *pcmuDecoder) conceal([]byte) (audio.PCM16, error) {
	p.buffer = append(p.buffer[:0], make(audio.PCM16, 160)...)
	if !p.faded && len(p.last) == 160 {
		for i, v := range p.last {
			p.buffer[i] = v / 2
		}
		p.faded = true
	}
	return p.buffer, nil
}

func (p *pcmuDecoder) String() string { return "PCMU(decode)" }
