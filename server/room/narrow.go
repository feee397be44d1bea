package room

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/mixer"
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
// (narrow) or 48 kHz receive pipelines (recv.go). With also (a switch
// tick) it runs the same packets down the other rate's pipelines too and
// fills also from its sink, which ends there. ok is false when nothing is
// flowing.
func (p *peer) read(log *slog.Logger, dst []int16, narrow bool, also []int16) (ok, alsoOK bool) {
	rp := p.pipes()
	sink, otherSink := rp.wide, rp.narrow
	if narrow {
		sink, otherSink = rp.narrow, rp.wide
	}
	fifo, other := &sink.fifo, &otherSink.fifo
	now := time.Now() // the tick
	if p.clock != nil {
		now = p.clock()
	}
	if also != nil {
		*fifo = (*fifo)[:0]
		sink.sh.Forget()
		p.warm(narrow)
	}
	for len(*fifo) < len(dst)+sink.sh.Owed() { // samples owed are beyond the frame
		kind, slot := p.jb.popAt(now)
		if kind == popNone {
			if len(*fifo) == 0 {
				break
			}
			if len(*fifo) < len(dst) { // else samples owed are what is missing
				*fifo = append(*fifo, silence[:len(dst)-len(*fifo)]...)
			}
			if also != nil && len(*other) < len(also) {
				*other = append(*other, silence[:len(also)-len(*other)]...)
			}
			break
		}
		p.run(log, narrow, sink, kind, slot)
		if also != nil {
			p.run(log, !narrow, otherSink, kind, slot)
		}
	}
	// A period of delay the jitter buffer gives back: its packet plays in
	// this tick too, and the frames from here leave its length out
	// (audio/timescale).
	if kind, slot := p.jb.popOwedAt(now); kind != popNone {
		before := len(*fifo)
		p.run(log, narrow, sink, kind, slot)
		sink.sh.Owe(len(*fifo) - before)
		if also != nil {
			p.run(log, !narrow, otherSink, kind, slot)
		}
	}
	if also != nil {
		otherSink.sh.Forget()
		if alsoOK = len(*other) >= len(also); alsoOK {
			copy(also, *other)
		}
		*other = (*other)[:0]
	}
	if len(*fifo) == 0 {
		return false, alsoOK
	}
	sink.take(dst)
	return true, alsoOK
}

// run sends what the jitter buffer gave down the pipeline of its codec at
// 8 kHz (narrow) or 48 kHz, into sink; a packet that cannot be decoded
// gives sink silence of the last packet's length.
func (p *peer) run(log *slog.Logger, narrow bool, sink *recvSink, kind popKind, slot *jbSlot) {
	c := p.streamCodec(slot)
	pipe := p.recvPipe(c, narrow)
	var pcm audio.PCM16
	var err error
	if pipe == nil {
		err = fmt.Errorf("room: no decoder for %s", c)
	} else {
		d := pipe.dec
		pcm, err = d.decode(kind, slot, p.lastN)
		if n := d.ratio * len(pcm); kind == popPacket && err == nil && n > 0 && n <= len(silence) {
			p.lastN, p.lastCodec = n, c
			if c == codecOpus {
				p.remember(slot.Payload)
			}
		}
		if err == nil && len(pcm) > 0 {
			err = d.next.WriteSample(pcm)
			if err == nil {
				return
			}
			pcm = nil
		}
	}
	if err != nil {
		log.Debug("decode failed", "err", err, "narrow", narrow)
	}
	_ = sink.WriteSample(silence[:p.lastN/(mixer.Rate/sink.rate)])
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
	pipe := p.recvPipe(codecOpus, narrow)
	d, err := pipe.dec.decoder()
	if err != nil {
		return
	}
	var pcm audio.PCM16
	for k := max(0, p.nRecent-warmPkts); k < p.nRecent; k++ {
		pcm, err = d.Decode(p.recent[k%warmPkts])
	}
	if dly := pipe.sink.dly; dly != nil && err == nil && len(pcm) >= dlyLen {
		dly.fill(pcm)
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
