// Package opus encodes and decodes Opus (RFC 6716) with libopus through cgo
// (the encoder bound here, encoder.go; the decoder through
// gopkg.in/hraban/opus.v2), set up for voice calls: VOIP application,
// in-band FEC on with an expected packet loss, DTX off, 20 ms frames.
//
// Encoders and decoders are not safe for concurrent use; give each stream its own.
package opus

import (
	"errors"
	"fmt"
	"time"

	hopus "gopkg.in/hraban/opus.v2"

	"github.com/meet-dev/meet/audio"
)

// Defaults for a voice call.
const (
	DefaultBitrate      = 32000 // bits per second
	DefaultExpectedLoss = 10    // percent; sizes the in-band FEC
	FrameDuration       = 20 * time.Millisecond
	maxPacket           = 1500
)

// ErrBadPacket is wrapped by decoding errors caused by the packet itself.
var ErrBadPacket = errors.New("opus: bad packet")

func checkRate(rate, channels int) error {
	switch rate {
	case 8000, 12000, 16000, 24000, 48000:
	default:
		return fmt.Errorf("opus: sample rate %d Hz is not supported (8000, 12000, 16000, 24000 or 48000)", rate)
	}
	if channels != 1 && channels != 2 {
		return fmt.Errorf("opus: %d channels is not supported (1 or 2)", channels)
	}
	return nil
}

// validFrame reports whether n samples per channel is an Opus frame size
// (2.5, 5, 10, 20, 40 or 60 ms) at rate.
func validFrame(rate, n int) bool {
	for _, tenthMs := range []int{25, 50, 100, 200, 400, 600} {
		if n == rate*tenthMs/10000 {
			return true
		}
	}
	return false
}

// Option configures an Encoder.
type Option func(*encConfig)

type encConfig struct {
	bitrate, loss int
	fec           bool
	complexity    int
	freeCplx      int
	freeSet       bool // WithLossFreeComplexity given; else freeCplx is complexity
	maxBandwidth  Bandwidth
	celtNoLoss    bool
}

// Bandwidth is the widest audio band an encoder may code.
type Bandwidth int

// The bands an encoder can be held to (audio up to 4, 6, 8, 12, 20 kHz).
const (
	Narrowband    = Bandwidth(hopus.Narrowband)
	Mediumband    = Bandwidth(hopus.Mediumband)
	Wideband      = Bandwidth(hopus.Wideband)
	SuperWideband = Bandwidth(hopus.SuperWideband)
	Fullband      = Bandwidth(hopus.Fullband)
)

// WithMaxBandwidth holds the encoder to bands up to b (default Fullband):
// at Wideband and below a voice stream is SILK only, which costs less to
// encode and to decode than the SILK+CELT hybrid the encoder picks for
// fullband voice at voice-call bitrates.
func WithMaxBandwidth(b Bandwidth) Option { return func(c *encConfig) { c.maxBandwidth = b } }

// WithBitrate sets the target bitrate in bits per second (6000..510000).
func WithBitrate(bps int) Option { return func(c *encConfig) { c.bitrate = bps } }

// WithExpectedLoss sets the expected packet loss in percent (0..100), which
// decides how much in-band FEC the encoder spends.
func WithExpectedLoss(pct int) Option { return func(c *encConfig) { c.loss = pct } }

// WithFEC switches in-band forward error correction (on by default).
func WithFEC(on bool) Option { return func(c *encConfig) { c.fec = on } }

// WithCELTWithoutLoss holds the encoder to CELT, Opus's transform codec,
// while it expects no packet loss (SetExpectedLoss 0), and leaves the mode
// to libopus (SILK for speech, with in-band FEC) while it expects some.
// For 8 kHz input CELT costs well under half of narrowband SILK's encode
// (BenchmarkNarrowDownlink in server/room), at a few more bytes a packet
// and no in-band FEC, which a loss-free path does not use.
func WithCELTWithoutLoss() Option { return func(c *encConfig) { c.celtNoLoss = true } }

// WithComplexity sets the encoder complexity 0..10 (default 9: voice calls are cheap).
func WithComplexity(n int) Option { return func(c *encConfig) { c.complexity = n } }

// WithLossFreeComplexity sets the complexity 0..10 while no loss is
// expected (SetExpectedLoss 0), in CELT when WithCELTWithoutLoss holds it
// there; WithComplexity's holds otherwise. libopus has one complexity for
// everything, and what a frame gains from it differs: narrowband CELT at
// complexity 5 costs half again what it costs at 4, and narrowband SILK
// without FEC at 0 about half what it costs at 5, while SILK's FEC copy
// loses more at 0 (BenchmarkOpusComplexity in softphone).
func WithLossFreeComplexity(n int) Option {
	return func(c *encConfig) { c.freeCplx, c.freeSet = n, true }
}

// Encoder turns PCM frames into Opus packets.
type Encoder struct {
	enc            *cEncoder
	rate, channels int
	buf            []byte
	loss           int       // expected loss set, percent (-1: none yet)
	maxBW          Bandwidth // max bandwidth set (0: none yet)
	celtNoLoss     bool      // CELT while loss is 0 (WithCELTWithoutLoss)
	mode           int       // the mode libopus is held to (modeAuto: none)
	complexity     int       // WithComplexity
	freeCplx       int       // WithLossFreeComplexity
	cplx           int       // the complexity libopus has (-1: none set yet)
}

// NewEncoder returns a VOIP encoder at rate with FEC on, DTX off and
// DefaultBitrate, adjusted by opts.
func NewEncoder(rate, channels int, opts ...Option) (*Encoder, error) {
	if err := checkRate(rate, channels); err != nil {
		return nil, err
	}
	cfg := encConfig{bitrate: DefaultBitrate, loss: DefaultExpectedLoss, fec: true, complexity: 9, maxBandwidth: Fullband}
	for _, o := range opts {
		o(&cfg)
	}
	if !cfg.freeSet {
		cfg.freeCplx = cfg.complexity
	}
	for _, c := range []int{cfg.complexity, cfg.freeCplx} {
		if err := checkComplexity(c); err != nil {
			return nil, err
		}
	}
	enc, err := newCEncoder(rate, channels)
	if err != nil {
		return nil, fmt.Errorf("opus: new encoder: %w", err)
	}
	e := &Encoder{enc: enc, rate: rate, channels: channels, buf: make([]byte, maxPacket), loss: -1, celtNoLoss: cfg.celtNoLoss, mode: modeAuto,
		complexity: cfg.complexity, freeCplx: cfg.freeCplx, cplx: -1}
	if err := e.SetBitrate(cfg.bitrate); err != nil {
		return nil, err
	}
	if err := e.SetExpectedLoss(cfg.loss); err != nil {
		return nil, err
	}
	for _, step := range []struct {
		what string
		err  error
	}{
		{"in-band FEC", enc.set(reqFEC, boolInt(cfg.fec))},
		{"DTX", enc.set(reqDTX, 0)},
	} {
		if step.err != nil {
			return nil, fmt.Errorf("opus: setting %s: %w", step.what, step.err)
		}
	}
	if err := e.SetMaxBandwidth(cfg.maxBandwidth); err != nil {
		return nil, err
	}
	return e, nil
}

// SetBitrate changes the target bitrate in bits per second (6000..510000).
func (e *Encoder) SetBitrate(bps int) error {
	if bps < 6000 || bps > 510000 {
		return fmt.Errorf("opus: bitrate %d out of range 6000..510000", bps)
	}
	if err := e.enc.set(reqBitrate, bps); err != nil {
		return fmt.Errorf("opus: setting bitrate %d: %w", bps, err)
	}
	return nil
}

// Bitrate returns the target bitrate in bits per second.
func (e *Encoder) Bitrate() (int, error) { return e.enc.get(reqGetBitrate) }

// SetMaxBandwidth holds the encoder to bands up to b. libopus moves SILK
// there gradually (a band every few seconds); after Reset, which keeps
// the setting, the next frame is coded in it. Setting the band it has
// costs nothing, so a caller may set it every frame.
func (e *Encoder) SetMaxBandwidth(b Bandwidth) error {
	if b == e.maxBW {
		return nil
	}
	if err := e.enc.set(reqMaxBandwidth, int(b)); err != nil {
		return fmt.Errorf("opus: setting max bandwidth: %w", err)
	}
	e.maxBW = b
	return nil
}

// MaxBandwidth is the band the encoder is held to.
func (e *Encoder) MaxBandwidth() Bandwidth { return e.maxBW }

// SetExpectedLoss tells the encoder how much packet loss to protect against
// (percent). Setting the value it has costs nothing, so a caller may set it
// every frame.
func (e *Encoder) SetExpectedLoss(pct int) error {
	if pct < 0 || pct > 100 {
		return fmt.Errorf("opus: expected loss %d%% out of range 0..100", pct)
	}
	if pct == e.loss {
		return nil
	}
	if err := e.enc.set(reqLoss, pct); err != nil {
		return fmt.Errorf("opus: setting expected loss: %w", err)
	}
	e.loss = pct
	return e.applyMode()
}

// SetLossFreeComplexity changes WithLossFreeComplexity from the next frame.
// Setting what it has costs nothing, so a caller may set it every frame.
func (e *Encoder) SetLossFreeComplexity(n int) error {
	if err := checkComplexity(n); err != nil {
		return err
	}
	e.freeCplx = n
	return e.applyMode()
}

func checkComplexity(n int) error {
	if n < 0 || n > 10 {
		return fmt.Errorf("opus: complexity %d out of range 0..10", n)
	}
	return nil
}

// applyMode holds libopus to CELT while WithCELTWithoutLoss is on and no
// loss is expected, and leaves the mode to it otherwise; it runs at
// WithLossFreeComplexity while no loss is expected, else at
// WithComplexity.
func (e *Encoder) applyMode() error {
	mode, cplx := modeAuto, e.complexity
	if e.loss == 0 {
		cplx = e.freeCplx
		if e.celtNoLoss {
			mode = modeCELT
		}
	}
	if mode != e.mode {
		if err := e.enc.set(reqForceMode, mode); err != nil {
			return fmt.Errorf("opus: setting the coding mode: %w", err)
		}
		e.mode = mode
	}
	if cplx != e.cplx {
		if err := e.enc.set(reqComplexity, cplx); err != nil {
			return fmt.Errorf("opus: setting complexity: %w", err)
		}
		e.cplx = cplx
	}
	return nil
}

// SampleRate is the rate of the PCM the encoder takes.
func (e *Encoder) SampleRate() int { return e.rate }

// FrameSamples is the length of a 20 ms frame (per channel).
func (e *Encoder) FrameSamples() int { return e.rate / 50 }

// Encode compresses one frame (2.5 to 60 ms; 20 ms normally, interleaved
// when stereo) into a new packet the caller owns.
func (e *Encoder) Encode(pcm audio.PCM16) ([]byte, error) {
	p, err := e.EncodeReuse(pcm)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), p...), nil
}

// Reset forgets everything encoded so far (OPUS_RESET_STATE): the next
// frame starts a new stream, with none of the last one's audio in it.
func (e *Encoder) Reset() error {
	if err := e.enc.reset(); err != nil {
		return fmt.Errorf("opus: reset: %w", err)
	}
	return nil
}

// Decoder turns Opus packets back into PCM, concealing losses.
type Decoder struct {
	dec            *hopus.Decoder
	rate, channels int
	buf            []int16
}

// NewDecoder returns a decoder producing rate Hz PCM with channels channels.
func NewDecoder(rate, channels int) (*Decoder, error) {
	if err := checkRate(rate, channels); err != nil {
		return nil, err
	}
	dec, err := hopus.NewDecoder(rate, channels)
	if err != nil {
		return nil, fmt.Errorf("opus: new decoder: %w", err)
	}
	// 120 ms is the longest a packet can carry.
	return &Decoder{dec: dec, rate: rate, channels: channels, buf: make([]int16, rate*120/1000*channels)}, nil
}

// SampleRate is the rate of the PCM the decoder produces.
func (d *Decoder) SampleRate() int { return d.rate }

// Decode decodes one packet into a new PCM slice (interleaved when stereo).
// A malformed packet returns an error wrapping ErrBadPacket.
func (d *Decoder) Decode(pkt []byte) (audio.PCM16, error) {
	return cloned(d.DecodeReuse(pkt))
}

// DecodeFEC recovers the n samples (per channel) lost just before pkt from the
// redundancy pkt carries, falling back to concealment when it carries none.
// n must be a multiple of 2.5 ms; call Decode(pkt) afterwards for pkt itself.
func (d *Decoder) DecodeFEC(pkt []byte, n int) (audio.PCM16, error) {
	return cloned(d.DecodeFECReuse(pkt, n))
}

// PLC conceals n lost samples (per channel) from what was decoded before.
// n must be a multiple of 2.5 ms.
func (d *Decoder) PLC(n int) (audio.PCM16, error) {
	return cloned(d.PLCReuse(n))
}

// cloned copies a Reuse method's result into a slice the caller owns.
func cloned(pcm audio.PCM16, err error) (audio.PCM16, error) {
	if err != nil {
		return nil, err
	}
	return append(audio.PCM16(nil), pcm...), nil
}

func (d *Decoder) checkGap(n int) error {
	step := d.rate / 400 // 2.5 ms
	if n <= 0 || n%step != 0 || n > d.rate*120/1000 {
		return fmt.Errorf("opus: %d samples is not a positive multiple of 2.5 ms (%d) up to 120 ms", n, step)
	}
	return nil
}

// The Reuse variants below write into the encoder's or decoder's own buffer
// instead of a new slice: the result is valid until the next call on the
// same encoder or decoder. A server encoding and decoding one stream per
// leg 50 times a second uses them so it makes no garbage.

// EncodeReuse is Encode into the encoder's buffer.
func (e *Encoder) EncodeReuse(pcm audio.PCM16) ([]byte, error) {
	if len(pcm)%e.channels != 0 || !validFrame(e.rate, len(pcm)/e.channels) {
		return nil, fmt.Errorf("opus: frame of %d samples is not 2.5/5/10/20/40/60 ms at %d Hz × %d channels (20 ms = %d)",
			len(pcm), e.rate, e.channels, e.rate/50*e.channels)
	}
	n, err := e.enc.encode(pcm, e.channels, e.buf)
	if err != nil {
		return nil, fmt.Errorf("opus: encode: %w", err)
	}
	return e.buf[:n], nil
}

// DecodeReuse is Decode into the decoder's buffer.
func (d *Decoder) DecodeReuse(pkt []byte) (audio.PCM16, error) {
	if len(pkt) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrBadPacket)
	}
	n, err := d.dec.Decode(pkt, d.buf)
	if err != nil {
		return nil, fmt.Errorf("%w: %d bytes: %v", ErrBadPacket, len(pkt), err)
	}
	return d.buf[:n*d.channels], nil
}

// DecodeFECReuse is DecodeFEC into the decoder's buffer.
func (d *Decoder) DecodeFECReuse(pkt []byte, n int) (audio.PCM16, error) {
	if err := d.checkGap(n); err != nil {
		return nil, err
	}
	if len(pkt) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrBadPacket)
	}
	// Three-index: libopus decodes cap(out) samples.
	out := d.buf[: n*d.channels : n*d.channels]
	if err := d.dec.DecodeFEC(pkt, out); err != nil {
		return nil, fmt.Errorf("%w: FEC from %d bytes: %v", ErrBadPacket, len(pkt), err)
	}
	return out, nil
}

// PLCReuse is PLC into the decoder's buffer.
func (d *Decoder) PLCReuse(n int) (audio.PCM16, error) {
	if err := d.checkGap(n); err != nil {
		return nil, err
	}
	out := d.buf[: n*d.channels : n*d.channels]
	if err := d.dec.DecodePLC(out); err != nil {
		return nil, fmt.Errorf("opus: concealment: %w", err)
	}
	return out, nil
}
