package room

import (
	"time"

	jcore "github.com/meet-dev/meet/audio/jitter"
	"github.com/meet-dev/meet/audio/mixer"
	"github.com/meet-dev/meet/audio/rtpseq"
)

// jitter is an operator stream's receive jitter buffer: audio/jitter's
// Buffer under its Ticked policy (a fixed target to start on without a
// clock; with arrival and tick times, each packet waits from 4 ms to a
// tick more at its tick, whatever the mixer's phase, and delay left by a
// stall is given back; a jump forward when 6 packets wait, a stop after 5
// frames with nothing). The mixer pulls one packet per tick; a hole
// becomes FEC (when the packet after it is there) or concealment; an
// underrun waits for the late packet. It is not safe for concurrent use:
// the staff leg's mutex guards it.
type jitter struct {
	core *jcore.Buffer[byte]
}

// jbSlot is one packet in the buffer; Codec holds its codecKind.
type jbSlot = rtpseq.Slot

type popKind uint8

const (
	popNone    popKind = iota // nothing to play (not primed or underrun)
	popPacket                 // a packet in order
	popFEC                    // packet missing; the next one may carry its FEC
	popConceal                // packet missing; conceal
)

// newJitter returns a buffer holding target packets before playout.
func newJitter(target int) *jitter {
	return &jitter{core: jcore.New[byte](jcore.Ticked(target, mixer.Period, mixer.Rate).Accelerated())}
}

// String names the buffer as a stage of the receive pipelines (recv.go).
func (*jitter) String() string { return "Jitter" }

// pushAt stores a copy of one packet's payload with its RTP timestamp,
// which arrived at at.
func (j *jitter) pushAt(seq uint16, ts uint32, codec codecKind, payload []byte, at time.Time) {
	if codec == codecPCMU {
		ts *= mixer.Rate / CallerRate // the buffer's clock is the mixer's 48 kHz
	}
	if _, s := j.core.Insert(seq, ts, at, payload); s != nil {
		s.Codec = uint8(codec)
	}
}

// restart drops all but the newest packets (the policy's Max) and lets the
// next pop start playout afresh, from the newest packet that has waited
// the margin by then: used when a leg is attached to a room, so its first
// tick already plays fresh audio.
func (j *jitter) restart() { j.core.PlayNewest() }

// popAt returns what to play at the tick now (zero: untimed). For
// popPacket the slot is the packet; for popFEC it is the packet after the
// missing one.
func (j *jitter) popAt(now time.Time) (popKind, *jbSlot) {
	k, s := j.core.Pop(now)
	if k == jcore.Lost && s == nil {
		return popConceal, nil
	}
	return popKind(k), s // popNone, popPacket, popFEC are jcore's None, Packet, Lost
}

// popOwedAt is a second packet to play at the tick now, when the buffer
// gives back a period of delay (jcore.Policy.Accelerate): its audio is
// played time-compressed with the tick's (audio/timescale, see peer.read).
func (j *jitter) popOwedAt(now time.Time) (popKind, *jbSlot) {
	k, s := j.core.PopOwed(now)
	if k != jcore.Packet {
		return popNone, nil
	}
	return popPacket, s
}

// stats are the buffer's counters.
func (j *jitter) stats() jcore.Stats { return j.core.Stats() }
