package room

import (
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/opus"
	"github.com/meet-dev/meet/internal/lossfec"
)

// The server's Opus streams: audio/opus's voice-call set-up (VoIP, in-band
// FEC for DefaultExpectedLoss, no DTX, DefaultBitrate) with
// ServerOpusComplexity (ServerOpusNarrowComplexity at 8 kHz), through its
// Reuse methods: a fresh slice per frame
// would be garbage made 50 times a second per leg at hundreds of calls.

// opusEncoder's payload is valid until the next Encode (pion copies it).
// With fec set, each Encode first sets the loss the encoder's in-band FEC
// protects against to what fec expects (the loss the softphone reports),
// so a loss-free path gets no FEC: it costs CPU here (an eighth of a
// narrowband encode at complexity 0) and bits from the primary frame.
type opusEncoder struct {
	e   *opus.Encoder
	fec *lossfec.Control
}

func newServerOpusEncoder(rate int) (*opusEncoder, error) {
	opts := []opus.Option{opus.WithComplexity(ServerOpusComplexity)}
	if rate == CallerRate {
		// The caller's 8 kHz voice costs under half the encode in CELT
		// that it does in narrowband SILK (BenchmarkNarrowDownlink);
		// while the softphone reports loss (lossfec) libopus codes SILK
		// with in-band FEC again.
		opts = []opus.Option{opus.WithComplexity(ServerOpusNarrowComplexity), opus.WithCELTWithoutLoss()}
	}
	e, err := opus.NewEncoder(rate, 1, opts...)
	if err != nil {
		return nil, err
	}
	return &opusEncoder{e: e}, nil
}

func (e *opusEncoder) Encode(pcm audio.PCM16) ([]byte, error) {
	if e.fec != nil {
		if err := e.e.SetExpectedLoss(e.fec.Expected()); err != nil {
			return nil, err
		}
	}
	return e.e.EncodeReuse(pcm)
}

// Reset starts a new stream: nothing encoded before comes out again.
func (e *opusEncoder) Reset() error { return e.e.Reset() }

// opusDecoder's output is valid until the next call (the decoder contract).
type opusDecoder struct{ d *opus.Decoder }

func newServerOpusDecoder(rate int) (*opusDecoder, error) {
	d, err := opus.NewDecoder(rate, 1)
	if err != nil {
		return nil, err
	}
	return &opusDecoder{d}, nil
}

func (d *opusDecoder) Decode(pkt []byte) (audio.PCM16, error) { return d.d.DecodeReuse(pkt) }
func (d *opusDecoder) DecodeFEC(pkt []byte, n int) (audio.PCM16, error) {
	return d.d.DecodeFECReuse(pkt, n)
}
func (d *opusDecoder) PLC(n int) (audio.PCM16, error) { return d.d.PLCReuse(n) }
