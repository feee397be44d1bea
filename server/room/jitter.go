package room

import (
	"time"

	jcore "github.com/meet-dev/meet/audio/jitter"
	"github.com/meet-dev/meet/audio/rtpseq"
)

// jitter is an operator stream's receive jitter buffer: audio/jitter's
// Buffer under its Fixed policy (a fixed target, playout starting on the
// newest target packets, a jump forward when 6 packets wait, a stop after
// 5 frames with nothing). The reader pulls one packet per frame; a hole
// becomes FEC (when the packet after it is there) or concealment. It is
// not safe for concurrent use: the staff leg's mutex guards it.
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
	return &jitter{core: jcore.New[byte](jcore.Fixed(target))}
}

// String names the buffer as a stage of the receive pipelines (recv.go).
func (*jitter) String() string { return "Jitter" }

// push stores a copy of one packet's payload. The room's buffer keeps no
// clock: arrival and RTP times only matter to an adaptive target.
func (j *jitter) push(seq uint16, codec codecKind, payload []byte) {
	if _, s := j.core.Insert(seq, 0, time.Time{}, payload); s != nil {
		s.Codec = uint8(codec)
	}
}

// restart drops all but the newest target packets' worth of history and
// starts playout from there at once if anything is buffered: used when a
// leg is attached to a room so the first tick already plays fresh audio.
func (j *jitter) restart() { j.core.PlayNewest() }

// pop returns what to play for the next frame. For popPacket the slot is
// the packet; for popFEC it is the packet after the missing one.
func (j *jitter) pop() (popKind, *jbSlot) {
	switch k, s := j.core.Pop(time.Time{}); {
	case k == jcore.Packet:
		return popPacket, s
	case k == jcore.Lost && s != nil:
		return popFEC, s
	case k == jcore.Lost:
		return popConceal, nil
	}
	return popNone, nil
}

// stats are the buffer's counters.
func (j *jitter) stats() jcore.Stats { return j.core.Stats() }
