package room

import (
	"fmt"
	"log/slog"

	"github.com/meet-dev/meet/audio"
)

// The operator's receive side at two rates. The full mix wants 48 kHz; the
// two-party fast path wants what the caller gets, 8 kHz, which libopus
// decodes directly at less cost and without Resample(48000->8000). Only one
// decoder runs at a time. On a switch the decoder taking over first
// decodes the packet before (so it is warm), the packets of the switch
// tick are decoded by both, and the caller fades from the old path's audio
// to the new one over that tick: no click, no gap.

// dlyLen is the narrowband delay matching the 48 kHz decode followed by
// Resample(48000->8000) (47/6 samples at 8 kHz).
const dlyLen = 8

// read fills dst with one frame from the jitter buffer, through the 8 kHz
// (narrow) or 48 kHz decoder. With also (a switch tick) it decodes the same
// packets with the other decoder too and fills also from its queue, which
// ends there. ok is false when nothing is flowing.
func (p *peer) read(log *slog.Logger, dst []int16, narrow bool, also []int16) (ok, alsoOK bool) {
	pipe, otherPipe := &p.wideIn, &p.narrowIn
	if narrow {
		pipe, otherPipe = &p.narrowIn, &p.wideIn
	}
	fifo, other := &pipe.fifo, &otherPipe.fifo
	if also != nil {
		*fifo = (*fifo)[:0]
		p.warm(narrow)
	}
	for len(*fifo) < len(dst) {
		kind, slot := p.jb.pop()
		if kind == popNone {
			if len(*fifo) == 0 {
				break
			}
			*fifo = append(*fifo, silence[:len(dst)-len(*fifo)]...)
			if also != nil && len(*other) < len(also) {
				*other = append(*other, silence[:len(also)-len(*other)]...)
			}
			break
		}
		*fifo = append(*fifo, p.decodeAt(log, narrow, kind, slot)...)
		if also != nil {
			*other = append(*other, p.decodeAt(log, !narrow, kind, slot)...)
		}
	}
	if also != nil {
		if alsoOK = len(*other) >= len(also); alsoOK {
			copy(also, *other)
		}
		*other = (*other)[:0]
	}
	if len(*fifo) == 0 {
		return false, alsoOK
	}
	pipe.take(dst)
	return true, alsoOK
}

// decodeAt decodes at 8 kHz (narrow) or 48 kHz; an undecodable packet
// gives silence of the last packet's length.
func (p *peer) decodeAt(log *slog.Logger, narrow bool, kind popKind, slot *jbSlot) audio.PCM16 {
	var pcm audio.PCM16
	var err error
	if narrow {
		pcm, err = p.decode8(kind, slot)
	} else {
		pcm, err = p.decode(kind, slot)
	}
	if err != nil {
		log.Debug("decode failed", "err", err, "narrow", narrow)
		pcm = nil
	}
	if len(pcm) == 0 {
		if narrow {
			return silence[:p.lastN/6]
		}
		return silence[:p.lastN]
	}
	return pcm
}

// decode8 is decode at 8 kHz: Opus decoded at that rate, G.711 as it is.
func (p *peer) decode8(kind popKind, slot *jbSlot) (audio.PCM16, error) {
	c := p.lastCodec
	if slot != nil {
		c = codecKind(slot.Codec)
	}
	if c == codecUnknown {
		c = p.send
	}
	if c == codecPCMU {
		if _, err := p.decode(kind, slot); err != nil {
			return nil, err
		}
		pd, ok := p.decs[codecPCMU].(*pcmuDecoder)
		if !ok {
			return nil, fmt.Errorf("room: no narrowband G.711 decoder")
		}
		return pd.lin[:], nil
	}
	d, err := p.narrowDecoder()
	if err != nil {
		return nil, err
	}
	switch kind {
	case popPacket:
		pcm, err := d.Decode(slot.Payload)
		if err == nil && len(pcm) > 0 && 6*len(pcm) <= len(silence) {
			p.lastN, p.lastCodec = 6*len(pcm), c
			p.remember(slot.Payload)
		}
		return pcm, err
	case popFEC:
		return d.DecodeFEC(slot.Payload, p.lastN/6)
	default:
		return d.PLC(p.lastN / 6)
	}
}

func (p *peer) narrowDecoder() (decoder, error) {
	if p.dec8 == nil {
		d, err := newServerOpusDecoder(CallerRate)
		if err != nil {
			return nil, fmt.Errorf("room: opus decoder (8000 Hz): %w", err)
		}
		p.dec8 = d
	}
	return p.dec8, nil
}

// warmPkts packets bring a decoder's state (inter-frame energy prediction,
// pitch and filter memories) close enough to one that decoded everything.
const warmPkts = 6

// remember keeps a copy of a decoded Opus packet for warm.
func (p *peer) remember(pkt []byte) {
	i := p.nRecent % warmPkts
	p.recent[i] = append(p.recent[i][:0], pkt...)
	p.nRecent++
}

// warm lets the decoder that takes over decode the last packets played, so
// it continues the stream instead of starting cold; a narrowband warm-up
// also fills the delay line with the end of the last one. Decoding errors
// only leave it colder.
func (p *peer) warm(narrow bool) {
	if p.nRecent == 0 || p.lastCodec != codecOpus {
		return
	}
	var d decoder
	var err error
	if narrow {
		d, err = p.narrowDecoder()
	} else {
		d, err = p.decoder(codecOpus)
	}
	if err != nil {
		return
	}
	var pcm audio.PCM16
	for k := max(0, p.nRecent-warmPkts); k < p.nRecent; k++ {
		pcm, err = d.Decode(p.recent[k%warmPkts])
	}
	if narrow && err == nil && len(pcm) >= dlyLen {
		p.dly.fill(pcm)
	}
}

// fade writes into to the crossfade from from to to over the frame.
func fade(from, to []int16) {
	n := int32(len(to))
	for i := range to {
		w := int32(i + 1)
		to[i] = int16((int32(from[i])*(n-w) + int32(to[i])*w) / n)
	}
}
