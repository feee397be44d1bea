package trunk

import (
	"time"

	"github.com/meet-dev/meet/audio/jitter"
	"github.com/meet-dev/meet/audio/timescale"
)

// jitterBuffer reorders decoded RTP payloads by sequence number and hands
// out fixed 160-sample frames. Its playout is audio/jitter's Buffer under
// the Primed policy: playout is held back until `prime` packets are queued
// (≈ prime×20 ms of delay), late and duplicate packets are dropped, the
// queue is trimmed when it grows past `max`, drained back to `prime` when
// more stayed queued for half a second (a stall of the room's tick or of
// this process let packets pile up; without draining that delay stayed for
// the rest of the call), a gap of more than 3 packets is jumped and a
// packet far from playout restarts it. What is the trunk's own: packets
// of any length cut into 160-sample frames, and a missing packet concealed
// by repeating the last frame with a fading gain. It has no clock and no
// lock: the caller (rtpSession) serialises Push and Pop.
type jitterBuffer struct {
	core    *jitter.Buffer[int16] // its ring is allocated at the first Push: a caller who sends no audio costs none
	pending []int16
	sh      timescale.Shortener // pending's frames shortened by a packet played early (delay given back)
	last    []int16             // last real or concealed frame, for concealment
	invalid int                 // packets of no or too many samples
}

const frameSamples = 160

// silentFrame is concealment before any packet played.
var silentFrame [frameSamples]int16

// framePeriod is the room's tick, which pops a frame.
const framePeriod = 20 * time.Millisecond

// newJitterBuffer's policy is Primed, ticked: playout may also start on
// the first packet when it has waited the 4 ms margin (plus twice the
// jitter) at the room's tick, rather than a tick later on the second, and
// an underrun waits for the late packet (see jitter.Policy.WithTicks).
// Accelerated: the delay its drains give back goes by time compression
// (audio/timescale), not by dropping packets.
func newJitterBuffer(prime, max int) *jitterBuffer {
	return &jitterBuffer{core: jitter.New[int16](jitter.Primed(prime, max).WithTicks(framePeriod, 8000).Accelerated()),
		sh: timescale.Shortener{Rate: 8000}}
}

// PushAt queues a copy of a decoded payload (samples may be reused after)
// with RTP timestamp ts (8 kHz) that arrived at.
func (j *jitterBuffer) PushAt(seq uint16, ts uint32, samples []int16, at time.Time) {
	if len(samples) == 0 || len(samples) > 8*frameSamples {
		j.invalid++
		return
	}
	if v, _ := j.core.Insert(seq, ts, at, samples); v == jitter.Restarted {
		j.pending = j.pending[:0] // samples of the old stream
		j.sh.Forget()
	}
}

// reset forgets the queue and primes again: a new source (SSRC).
func (j *jitterBuffer) reset() {
	j.core.Reset()
	j.pending = j.pending[:0]
	j.sh.Forget()
}

// PopAt fills dst (len 160) with the next frame at the tick now (zero:
// untimed). It returns false, with dst zeroed, when nothing is playing.
func (j *jitterBuffer) PopAt(dst []int16, now time.Time) bool {
	for len(j.pending) < len(dst)+j.sh.Owed() { // samples owed are beyond the frame
		k, s := j.core.Pop(now)
		if k == jitter.None {
			break
		}
		if k == jitter.Packet {
			j.pending = append(j.pending, s.Payload...)
			j.last = append(j.last[:0], s.Payload...)
			continue
		}
		j.conceal() // missing packet (lost or still late)
	}
	if len(j.pending) < len(dst) {
		clear(dst)
		j.pending = j.pending[:0]
		j.sh.Forget()
		return false
	}
	// A period of delay the buffer gives back: its packet plays now too,
	// and the frames from here leave its length out.
	if k, s := j.core.PopOwed(now); k == jitter.Packet {
		j.pending = append(j.pending, s.Payload...)
		j.last = append(j.last[:0], s.Payload...)
		j.sh.Owe(len(s.Payload))
	}
	j.pending = j.sh.Take(dst, j.pending)
	j.core.Drain()
	return true
}

// conceal queues the last frame attenuated by 6 dB per packet concealed
// in a row (silence before any packet played).
func (j *jitterBuffer) conceal() {
	if len(j.last) == 0 {
		j.pending = append(j.pending, silentFrame[:]...)
		return
	}
	shift := uint(j.core.Misses())
	for _, s := range j.last {
		j.pending = append(j.pending, s>>shift)
	}
}

// Depth is the number of queued packets.
func (j *jitterBuffer) Depth() int { return j.core.Held() }

// dropped counts packets dropped unplayed: malformed, duplicate, trimmed,
// drained or overwritten.
func (j *jitterBuffer) dropped() int {
	st := j.core.Stats()
	return j.invalid + int(st.Duplicate+st.Dropped)
}
