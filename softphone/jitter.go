package softphone

import (
	"time"

	"github.com/meet-dev/meet/audio/jitter"
)

// jitterBuffer reorders received RTP payloads and releases one frame per
// playout tick: audio/jitter's Buffer under the Adaptive policy. It is
// pure logic: arrival and playout times are passed in.
//
// Depth adapts to the measured interarrival jitter (RFC 3550 §6.4.1 estimate):
// target = 1 + ⌊3·J / frame⌋ frames (the fraction of a frame is covered by
// the playout margin, see margin), plus a boost that grows by one frame
// on every underrun and decays after 3 s of good frames. Packets that arrive
// after their slot was played are dropped as late; when more than target+2
// frames wait, the oldest are dropped to keep the latency down.
//
// Latency on a clean link: the playout clock is set by the packet that
// starts a stream (see ready and margin), so a packet waits only a few ms
// rather than up to a whole frame. After an underrun the buffer plays one
// frame later (the late packet is kept, not dropped); once the boost has
// decayed and frames beyond the target have waited for a whole second,
// they are played early, time-compressed, to bring the delay back down
// (Accelerated: see receiver.giveBack), rather than skipped.
type jitterBuffer struct {
	core *jitter.Buffer[byte]
}

// jbStatus is what a pop yields for one playout tick.
type jbStatus int

const (
	jbSilence jbStatus = iota // nothing to play: buffering, or the stream stopped
	jbFrame                   // payload is the frame to decode
	jbLost                    // the frame is missing: conceal (FEC from payload when non-nil, else PLC)
)

func newJitterBuffer(frame time.Duration, clockRate int) *jitterBuffer {
	return &jitterBuffer{core: jitter.New[byte](jitter.Adaptive(frame, clockRate).Accelerated())}
}

// push stores one packet. payload is copied.
func (j *jitterBuffer) push(seq uint16, ts uint32, payload []byte, arrival time.Time) {
	j.core.Insert(seq, ts, arrival, payload)
}

// pop yields what to play at now. For jbFrame the payload is valid until the
// next push; for jbLost it is the following packet (for Opus FEC) or nil.
func (j *jitterBuffer) pop(now time.Time) (jbStatus, []byte) {
	k, s := j.core.Pop(now)
	if s == nil {
		return jbStatus(k), nil
	}
	return jbStatus(k), s.Payload // jbSilence, jbFrame, jbLost are jitter's None, Packet, Lost
}

// popOwed yields, after a pop at now, the packet a drain owes (delay to
// give back), to play with the popped one in the time of one: jbFrame,
// or jbSilence when nothing is owed (or its packet is not held).
func (j *jitterBuffer) popOwed(now time.Time) (jbStatus, []byte) {
	if j.core.Owed() == 0 {
		return jbSilence, nil
	}
	k, s := j.core.PopOwed(now)
	if k != jitter.Packet {
		return jbSilence, nil
	}
	return jbFrame, s.Payload
}

// owed is how many packets a drain owes (see popOwed).
func (j *jitterBuffer) owed() int { return j.core.Owed() }

// target is the number of frames to hold before and while playing.
func (j *jitterBuffer) target() int { return j.core.Target() }

// ready reports whether a stream is waiting to start: playback is stopped
// and enough frames are buffered. The playout loop then starts playing at
// once (plus margin) instead of at its next tick.
func (j *jitterBuffer) ready() bool { return j.core.Ready() }

// margin is how long after the arrival that makes the buffer ready the first
// frame is played: slack for the next packets' jitter (2 ms plus twice the
// measured jitter, at most one frame). A packet later than that is still
// played when it comes within maxLateWait (see playout).
func (j *jitterBuffer) margin() time.Duration { return j.core.Margin() }

// early returns how much earlier the playout clock may run, once: packets
// waited at least that much longer than the margin for a whole second.
func (j *jitterBuffer) early() time.Duration { return j.core.Early() }

// skip drops the next n frames unplayed (received or not): their time has
// passed while the process was starved, and a sound card played silence.
func (j *jitterBuffer) skip(n int) { j.core.Skip(n) }

// waiting reports whether the stream is playing with nothing queued: the
// frame due is late.
func (j *jitterBuffer) waiting() bool { return j.core.Playing() && j.core.Held() == 0 }

// nextHeld reports whether the stream is playing and the frame due next is
// held: a pop now plays it.
func (j *jitterBuffer) nextHeld() bool { return j.core.NextHeld() }

// lossFraction is the share of expected packets never received (0..1).
func (j *jitterBuffer) lossFraction() float64 { return j.core.LossFraction() }

// jitterDuration is the RFC 3550 interarrival jitter.
func (j *jitterBuffer) jitterDuration() time.Duration { return j.core.Jitter() }

// meanWait is the average time a played frame waited in the buffer.
func (j *jitterBuffer) meanWait() time.Duration { return j.core.MeanWait() }

// lastArrival is the arrival of the frame the last jbFrame pop returned.
func (j *jitterBuffer) lastArrival() time.Time { return j.core.LastArrival() }

// stats are the buffer's counters.
func (j *jitterBuffer) stats() jitter.Stats { return j.core.Stats() }
