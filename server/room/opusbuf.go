package room

import (
	"fmt"

	hopus "gopkg.in/hraban/opus.v2"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/opus"
)

// The server's Opus streams, encoded and decoded into buffers they reuse:
// audio/opus hands out a fresh slice per frame, which at hundreds of calls
// is garbage made 50 times a second per leg. Settings are audio/opus's
// voice-call ones (VoIP, in-band FEC for DefaultExpectedLoss, no DTX,
// DefaultBitrate) with ServerOpusComplexity.

// opusEncoder's payload is valid until the next Encode (pion copies it).
type opusEncoder struct {
	enc *hopus.Encoder
	n   int // samples per 20 ms
	buf [1500]byte
}

func newServerOpusEncoder(rate int) (*opusEncoder, error) {
	enc, err := hopus.NewEncoder(rate, 1, hopus.AppVoIP)
	if err != nil {
		return nil, err
	}
	for _, step := range []struct {
		what string
		err  error
	}{
		{"bitrate", enc.SetBitrate(opus.DefaultBitrate)},
		{"expected loss", enc.SetPacketLossPerc(opus.DefaultExpectedLoss)},
		{"in-band FEC", enc.SetInBandFEC(true)},
		{"DTX", enc.SetDTX(false)},
		{"complexity", enc.SetComplexity(ServerOpusComplexity)},
	} {
		if step.err != nil {
			return nil, fmt.Errorf("setting %s: %w", step.what, step.err)
		}
	}
	return &opusEncoder{enc: enc, n: rate / 50}, nil
}

func (e *opusEncoder) Encode(pcm audio.PCM16) ([]byte, error) {
	if len(pcm) != e.n {
		return nil, fmt.Errorf("room: opus encoder wants %d samples, got %d", e.n, len(pcm))
	}
	n, err := e.enc.Encode(pcm, e.buf[:])
	if err != nil {
		return nil, fmt.Errorf("room: opus encode: %w", err)
	}
	return e.buf[:n], nil
}

// opusDecoder's output is valid until the next call (the decoder contract).
type opusDecoder struct {
	dec  *hopus.Decoder
	rate int
	buf  []int16 // 120 ms, the longest packet
}

func newServerOpusDecoder(rate int) (*opusDecoder, error) {
	dec, err := hopus.NewDecoder(rate, 1)
	if err != nil {
		return nil, err
	}
	return &opusDecoder{dec: dec, rate: rate, buf: make([]int16, rate*120/1000)}, nil
}

func (d *opusDecoder) Decode(pkt []byte) (audio.PCM16, error) {
	if len(pkt) == 0 {
		return nil, fmt.Errorf("%w: empty", opus.ErrBadPacket)
	}
	n, err := d.dec.Decode(pkt, d.buf)
	if err != nil {
		return nil, fmt.Errorf("%w: %d bytes: %v", opus.ErrBadPacket, len(pkt), err)
	}
	return d.buf[:n], nil
}

func (d *opusDecoder) DecodeFEC(pkt []byte, n int) (audio.PCM16, error) {
	if err := d.checkGap(n); err != nil {
		return nil, err
	}
	if len(pkt) == 0 {
		return nil, fmt.Errorf("%w: empty", opus.ErrBadPacket)
	}
	if err := d.dec.DecodeFEC(pkt, d.buf[:n]); err != nil {
		return nil, fmt.Errorf("%w: FEC from %d bytes: %v", opus.ErrBadPacket, len(pkt), err)
	}
	return d.buf[:n], nil
}

func (d *opusDecoder) PLC(n int) (audio.PCM16, error) {
	if err := d.checkGap(n); err != nil {
		return nil, err
	}
	if err := d.dec.DecodePLC(d.buf[:n]); err != nil {
		return nil, fmt.Errorf("room: opus concealment: %w", err)
	}
	return d.buf[:n], nil
}

func (d *opusDecoder) checkGap(n int) error {
	step := d.rate / 400 // 2.5 ms
	if n <= 0 || n%step != 0 || n > len(d.buf) {
		return fmt.Errorf("room: %d samples is not a positive multiple of 2.5 ms (%d) up to 120 ms", n, step)
	}
	return nil
}
