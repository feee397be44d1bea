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
		enc, err := newOpusEncoder(OpusComplexity)
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
					if err := holdBand(enc, b, OpusNarrowComplexity); err != nil {
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

// OpusNarrowComplexity is its complexity while it codes narrowband on a
// loss-free path (meetd's band hint says only the 8 kHz caller hears the
// operator, and its reports say nothing is lost): narrowband SILK without
// FEC. BenchmarkOpusComplexity on the tune set (2026-12-05): at 0 it costs
// 36 µs per 20 ms against 66 µs at 5, for STOI at the caller 0.9954
// against 0.9957 (CELT at 5, which the microphone coded here until then:
// 35 µs, 0.9963); and meetd decodes narrowband SILK to the caller's 8 kHz
// for 2.0 µs less than CELT, which it decodes at 48 kHz and drops to 8
// (in meetd at 200 calls, BenchmarkNetworkCalls: 8 % less CPU a call in
// five interleaved pairs). The first tone the caller hears came as early
// as with CELT at 5 (BenchmarkAcceptToTwoWayAudio, three runs of 10
// calls each: slowest call 42.7-44.6 ms against 41.4-43.3), where CELT
// below 5 had put it 5-10 ms later. With loss the encoder codes SILK's
// in-band FEC at OpusComplexity: at 0 the copy loses more (STOI at 10 %
// loss 0.9711 against 0.9790 on the tune set).
const OpusNarrowComplexity = 0

// newOpusEncoder is the microphone's Opus encoder at complexity c: held to
// wideband (7 kHz), because the far end is a phone line that carries 4 kHz
// at most, and SILK-only wideband costs less here to encode and in meetd to
// decode (to 8 kHz for the caller) than the SILK+CELT hybrid fullband voice
// would get; its in-band FEC is SILK's either way. While meetd says all
// that hears the operator takes 8 kHz (bandhint) it is held to narrowband
// (holdBand).
func newOpusEncoder(c int) (*opus.Encoder, error) {
	return opus.NewEncoder(48000, 1, opus.WithComplexity(c), opus.WithMaxBandwidth(opus.Wideband))
}

// holdBand holds the microphone's encoder to band b: in narrowband at
// complexity narrow while no loss is expected (OpusNarrowComplexity); in
// wideband, and with loss, at the encoder's own complexity. SILK either
// way: wideband CELT at this bitrate measured lower STOI at the caller
// (BenchmarkOpusComplexity, tune set), and narrowband CELT costs meetd more
// to decode.
func holdBand(enc *opus.Encoder, b opus.Bandwidth, narrow int) error {
	if err := enc.SetMaxBandwidth(b); err != nil {
		return err
	}
	free := OpusComplexity
	if b == opus.Narrowband {
		free = narrow
	}
	return enc.SetLossFreeComplexity(free)
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
