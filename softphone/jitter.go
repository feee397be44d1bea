package softphone

import (
	"math"
	"time"

	"github.com/meet-dev/meet/audio/rtpseq"
)

// jitterBuffer reorders received RTP payloads and releases one frame per
// playout tick. It is pure logic: arrival and playout times are passed in.
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
// they are skipped to bring the delay back down.
type jitterBuffer struct {
	frame     time.Duration // duration of one packet (20 ms)
	clockRate int
	maxDepth  int

	ring    rtpseq.Ring
	count   int
	next    uint16 // sequence number of the next frame to play
	started bool   // playing (false: buffering up to target)
	misses  int    // consecutive empty pops while started
	lastArr time.Time

	boost     int
	goodPops  int
	spare     int              // fewest frames beyond the target left after a pop, this window
	spareRun  int              // pops in the current window
	waitLow   [3]time.Duration // the three shortest waits of played frames, this window
	pull      time.Duration    // how much earlier the playout clock may run (see early)
	jitter    float64          // RFC 3550 J, in timestamp units
	lastTrans float64
	haveTrans bool
	epoch     time.Time

	seq rtpseq.Counter // sequence accounting for loss (RFC 3550 A.3)

	late, overflow, concealed, played uint64
	skipped                           uint64        // frames dropped to shrink the delay
	waitSum                           time.Duration // time played frames spent in the buffer
	lastArrival                       time.Time     // arrival of the frame the last jbFrame pop returned
}

// shrinkWindow is how many pops in a row must find a spare frame before one
// is skipped (1 s of 20 ms frames).
const shrinkWindow = 50

// jbStatus is what a pop yields for one playout tick.
type jbStatus int

const (
	jbSilence jbStatus = iota // nothing to play: buffering, or the stream stopped
	jbFrame                   // payload is the frame to decode
	jbLost                    // the frame is missing: conceal (FEC from payload when non-nil, else PLC)
)

func newJitterBuffer(frame time.Duration, clockRate int) *jitterBuffer {
	return &jitterBuffer{frame: frame, clockRate: clockRate, maxDepth: 10}
}

// target is the number of frames to hold before and while playing.
func (j *jitterBuffer) target() int {
	jf := j.jitter / float64(j.clockRate) / j.frame.Seconds()
	t := 1 + int(math.Floor(3*jf)) + j.boost
	return min(max(t, 1), j.maxDepth)
}

// ready reports whether a stream is waiting to start: playback is stopped
// and enough frames are buffered. The playout loop then starts playing at
// once (plus margin) instead of at its next tick.
func (j *jitterBuffer) ready() bool {
	return !j.started && j.count > 0 && j.count >= j.target()
}

// margin is how long after the arrival that makes the buffer ready the first
// frame is played: slack for the next packets' jitter (2 ms plus twice the
// measured jitter, at most one frame). A packet later than that is still
// played when it comes within maxLateWait (see playout).
func (j *jitterBuffer) margin() time.Duration {
	jd := j.jitterDuration()
	return min(2*time.Millisecond+2*jd, j.frame)
}

// push stores one packet. payload is copied.
func (j *jitterBuffer) push(seq uint16, ts uint32, payload []byte, arrival time.Time) {
	j.seq.Add(seq)
	j.updateJitter(ts, arrival)
	j.lastArr = arrival
	if j.started && seqBefore(seq, j.next) {
		j.late++
		return
	}
	s := j.ring.At(seq)
	if s.OK && s.Seq == seq {
		return // duplicate
	}
	if s.OK {
		// The window wrapped: an old frame still sits here. Drop it.
		j.count--
		j.overflow++
	}
	j.ring.Put(seq, payload).Arrival = arrival
	j.count++
	if !j.started && (j.count == 1 || seqBefore(seq, j.next)) {
		j.next = seq
	}
}

// pop yields what to play at now. For jbFrame the payload is valid until the
// next push; for jbLost it is the following packet (for Opus FEC) or nil.
func (j *jitterBuffer) pop(now time.Time) (jbStatus, []byte) {
	if !j.started {
		if j.count == 0 || j.count < j.target() {
			return jbSilence, nil
		}
		j.started, j.misses = true, 0
	}
	j.trim()
	if j.count == 0 {
		if j.misses++; j.misses == 1 { // one step deeper per underrun, not per frame of it
			j.boost = min(j.boost+1, j.maxDepth)
		}
		j.goodPops = 0
		j.spareRun = 0
		j.pull = 0
		if j.misses > 3 && now.Sub(j.lastArr) > 3*j.frame {
			// The stream stopped (not just a burst of catch-up pops after
			// the process was starved): rebuffer when it comes back.
			j.started = false
			return jbSilence, nil
		}
		// Nothing waits: conceal, but keep expecting the same packet, which
		// is more likely delayed than lost (if it was lost, the next pop
		// that finds later packets skips it).
		j.concealed++
		return jbLost, nil
	}
	j.misses = 0
	cur := j.next
	j.next++
	if s := j.ring.Take(cur); s != nil {
		j.count--
		j.played++
		wait := now.Sub(s.Arrival)
		j.waitSum += wait
		j.lastArrival = s.Arrival
		if j.goodPops++; j.goodPops >= 150 && j.boost > 0 { // 3 s without trouble
			j.boost--
			j.goodPops = 0
		}
		j.shrink(wait)
		return jbFrame, s.Payload
	}
	j.concealed++
	if j.ring.Has(j.next) {
		return jbLost, j.ring.At(j.next).Payload
	}
	return jbLost, nil
}

// shrink counts, over a window of pops, the fewest frames left beyond what
// the target asks for and the shortest wait of a played frame. When every
// pop of the window had frames to spare, that many are skipped: the delay
// comes down to the target. When all frames but two (which the playout
// then waits for, see playout) waited longer than the margin, the playout
// clock may run earlier by the excess, up to a frame per window (see early).
func (j *jitterBuffer) shrink(wait time.Duration) {
	spare := j.count - (j.target() - 1)
	if j.spareRun == 0 || spare < j.spare {
		j.spare = spare
	}
	if j.spareRun == 0 {
		j.waitLow = [3]time.Duration{wait, wait, wait}
	}
	for i := range j.waitLow {
		if wait < j.waitLow[i] {
			copy(j.waitLow[i+1:], j.waitLow[i:])
			j.waitLow[i] = wait
			break
		}
	}
	if j.spareRun++; j.spareRun < shrinkWindow {
		return
	}
	j.spareRun = 0
	if excess := j.waitLow[2] - j.margin(); excess > 2*time.Millisecond {
		j.pull = min(excess, j.frame)
	}
	// Every frame that was spare through the whole window goes: after a
	// stall several are, and one a second left the delay audible for
	// seconds.
	for n := j.spare; n > 0 && j.ring.Drop(j.next); n-- {
		j.count--
		j.skipped++
		j.next++
	}
}

// early returns how much earlier the playout clock may run, once: packets
// waited at least that much longer than the margin for a whole window.
func (j *jitterBuffer) early() time.Duration {
	d := j.pull
	j.pull = 0
	return d
}

// skip drops the next n frames unplayed (received or not): their time has
// passed while the process was starved, and a sound card played silence.
func (j *jitterBuffer) skip(n int) {
	if !j.started {
		return
	}
	for ; n > 0; n-- {
		if j.ring.Drop(j.next) {
			j.count--
			j.skipped++
		}
		j.next++
	}
}

// trim drops the oldest frames while more than target+2 wait.
func (j *jitterBuffer) trim() {
	for j.count > j.target()+2 {
		if j.ring.Drop(j.next) {
			j.count--
			j.overflow++
		}
		j.next++
	}
}

func (j *jitterBuffer) updateJitter(ts uint32, arrival time.Time) {
	if j.epoch.IsZero() {
		j.epoch = arrival
	}
	r := arrival.Sub(j.epoch).Seconds() * float64(j.clockRate)
	transit := r - float64(ts)
	if j.haveTrans {
		d := math.Abs(transit - j.lastTrans)
		if d < float64(j.clockRate) { // ignore jumps of a second or more (a new stream)
			j.jitter += (d - j.jitter) / 16
		}
	}
	j.lastTrans, j.haveTrans = transit, true
}

// lossFraction is the share of expected packets never received (0..1).
func (j *jitterBuffer) lossFraction() float64 { return j.seq.LossFraction() }

// jitterDuration is the RFC 3550 interarrival jitter.
func (j *jitterBuffer) jitterDuration() time.Duration {
	return time.Duration(j.jitter / float64(j.clockRate) * float64(time.Second))
}

// meanWait is the average time a played frame waited in the buffer.
func (j *jitterBuffer) meanWait() time.Duration {
	if j.played == 0 {
		return 0
	}
	return j.waitSum / time.Duration(j.played)
}

// seqBefore reports whether a comes before b in RTP sequence space.
func seqBefore(a, b uint16) bool { return rtpseq.Before(a, b) }
