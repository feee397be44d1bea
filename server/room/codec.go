package room

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
	"github.com/zaf/g711"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/mixer"
	"github.com/meet-dev/meet/internal/g711tab"
	"github.com/meet-dev/meet/internal/lossfec"
)

// codecKind is an operator leg's audio codec.
type codecKind uint8

const (
	codecUnknown codecKind = iota
	codecOpus              // 48 kHz
	codecPCMU              // 8 kHz G.711 μ-law
)

func (c codecKind) String() string {
	switch c {
	case codecOpus:
		return "opus"
	case codecPCMU:
		return "pcmu"
	}
	return "unknown"
}

// decoder turns payloads into samples at its rate. The returned slice is only
// valid until the next call.
type decoder interface {
	Decode(payload []byte) (audio.PCM16, error)
	// DecodeFEC recovers the n samples lost before next from its in-band FEC.
	DecodeFEC(next []byte, n int) (audio.PCM16, error)
	// PLC conceals n lost samples.
	PLC(n int) (audio.PCM16, error)
}

// encoder turns one 20 ms frame at its rate into a payload, valid until
// the next call.
type encoder interface {
	Encode(pcm audio.PCM16) ([]byte, error)
}

// offerCodecs reads an SDP offer's audio payload types.
func offerCodecs(offer string) (map[uint8]codecKind, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		return nil, fmt.Errorf("offer is not valid SDP: %w", err)
	}
	pts := map[uint8]codecKind{}
	audioLines := 0
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		audioLines++
		for _, a := range md.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			// "111 opus/48000/2"
			num, enc, ok := strings.Cut(a.Value, " ")
			if !ok {
				continue
			}
			pt, err := strconv.ParseUint(num, 10, 7)
			if err != nil {
				continue
			}
			name, rest, _ := strings.Cut(enc, "/")
			rate, _, _ := strings.Cut(rest, "/")
			switch {
			case strings.EqualFold(name, "opus") && rate == "48000":
				pts[uint8(pt)] = codecOpus
			case strings.EqualFold(name, "PCMU") && rate == "8000":
				pts[uint8(pt)] = codecPCMU
			}
		}
		// PCMU is static payload type 0 and may come without an rtpmap.
		for _, f := range md.MediaName.Formats {
			if f == "0" {
				if _, ok := pts[0]; !ok {
					pts[0] = codecPCMU
				}
			}
		}
	}
	if audioLines == 0 {
		return nil, fmt.Errorf("offer has no audio media section")
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("offer has neither Opus/48000 nor PCMU/8000 audio")
	}
	return pts, nil
}

// sendCodec prefers Opus.
func sendCodec(pts map[uint8]codecKind) codecKind {
	for _, c := range pts {
		if c == codecOpus {
			return codecOpus
		}
	}
	return codecPCMU
}

// pcmuDecoder is G.711 μ-law at 8 kHz (upsampled by the receive
// pipeline's upStage, recv.go). Payloads of other than 160 samples (20 ms)
// are zero-padded or cut to 20 ms.
type pcmuDecoder struct {
	lin  [CallerFrame]int16
	last [CallerFrame]int16 // last decoded frame, for concealment
	gain int32              // concealment gain in 1/256
}

func newPCMUDecoder() *pcmuDecoder { return &pcmuDecoder{} }

func (d *pcmuDecoder) Decode(p []byte) (audio.PCM16, error) {
	clear(d.lin[:])
	for i, b := range p[:min(len(p), CallerFrame)] {
		d.lin[i] = g711.DecodeUlawFrame(b)
	}
	d.last, d.gain = d.lin, 256
	return d.lin[:], nil
}

// DecodeFEC: G.711 has no FEC; conceal instead.
func (d *pcmuDecoder) DecodeFEC(_ []byte, n int) (audio.PCM16, error) { return d.PLC(n) }

// PLC repeats the last frame, halving its level each time (20 ms at a time).
func (d *pcmuDecoder) PLC(int) (audio.PCM16, error) {
	d.gain /= 2
	for i, v := range d.last {
		d.lin[i] = int16(int32(v) * d.gain / 256)
	}
	return d.lin[:], nil
}

// pcmuEncoder encodes one 160-sample 8 kHz frame as μ-law.
type pcmuEncoder struct {
	out [CallerFrame]byte
}

func (e *pcmuEncoder) Encode(lin audio.PCM16) ([]byte, error) {
	if len(lin) != CallerFrame {
		return nil, fmt.Errorf("room: pcmu encoder wants %d samples, got %d", CallerFrame, len(lin))
	}
	g711tab.EncodeUlaw(e.out[:], lin)
	return e.out[:], nil
}

// ServerOpusComplexity is the libopus complexity of operator-bound streams:
// the server encodes one stream per attached operator every tick, so it
// trades a little quality for CPU (see BenchmarkCallCPU).
const ServerOpusComplexity = 1

// ServerOpusNarrowComplexity is the complexity of the operator-bound
// stream encoded from 8 kHz audio (the caller's voice on the two-party fast
// path, and whenever all an operator hears is the caller), which libopus
// codes as narrowband SILK: complexity 0 costs 7 % (a tone) to 10 %
// (espeak speech) less than 1, best of 15 runs on one thread, for the same
// STOI against the clean input (0.99, 0.99, 0.98 at 0, 5, 10 % loss). Its
// bitrate stays audio/opus's 32 kbps: libopus 1.3 drops the narrowband
// in-band FEC below about 26 kbps at complexity 0 (24 at 1) with 10 %
// expected loss, and with the FEC goes most of what a lower rate saves.
const ServerOpusNarrowComplexity = 0

// newDecoder decodes codec c: Opus at rate (48 or 8 kHz), PCMU at 8 kHz.
func (m *Manager) newDecoder(c codecKind, rate int) (decoder, error) {
	switch {
	case c == codecOpus:
		d, err := newServerOpusDecoder(rate)
		if err != nil {
			return nil, fmt.Errorf("room: opus decoder (%d Hz): %w", rate, err)
		}
		return d, nil
	case c == codecPCMU && rate == CallerRate:
		return newPCMUDecoder(), nil
	}
	return nil, fmt.Errorf("room: no %s decoder at %d Hz", c, rate)
}

// newOpusEncoder encodes 48 kHz, or 8 kHz input when narrow, with
// audio/opus's default in-band FEC: for a stream several listeners share
// (sharedSend), whose losses differ.
func (m *Manager) newOpusEncoder(narrow bool) (encoder, error) {
	return m.newPeerOpusEncoder(narrow, nil)
}

// newPeerOpusEncoder is newOpusEncoder for one softphone's own stream, with
// in-band FEC for the loss fec expects (nil: the default).
func (m *Manager) newPeerOpusEncoder(narrow bool, fec *lossfec.Control) (encoder, error) {
	rate := mixer.Rate
	if narrow {
		rate = CallerRate
	}
	e, err := newServerOpusEncoder(rate)
	if err != nil {
		return nil, fmt.Errorf("room: opus encoder (%d Hz): %w", rate, err)
	}
	e.fec = fec
	return e, nil
}
