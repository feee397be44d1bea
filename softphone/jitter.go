package softphone

import (
	"math"
	"time"
)

// jitterBuffer reorders received RTP payloads and releases one frame per
// playout tick. It is pure logic: arrival and playout times are passed in.
//
// Depth adapts to the measured interarrival jitter (RFC 3550 §6.4.1 estimate):
// target = 1 + round(3·J / frame) frames, plus a boost that grows by one frame
// on every underrun and decays after a run of good frames. Packets that arrive
// after their slot was played are dropped as late; when more than target+2
// frames wait, the oldest are dropped to keep the latency down.
type jitterBuffer struct {
	frame     time.Duration // duration of one packet (20 ms)
	clockRate int
	maxDepth  int

	slots   [jbSlots]jbSlot
	count   int
	next    uint16 // sequence number of the next frame to play
	started bool   // playing (false: buffering up to target)
	misses  int    // consecutive empty pops while started
	lastArr time.Time

	boost     int
	goodPops  int
	jitter    float64 // RFC 3550 J, in timestamp units
	lastTrans float64
	haveTrans bool
	epoch     time.Time

	// sequence accounting for loss (RFC 3550 A.3)
	haveSeq  bool
	baseSeq  uint16
	maxSeq   uint16
	cycles   uint32
	received uint64

	late, overflow, concealed, played uint64
	waitSum                           time.Duration // time played frames spent in the buffer
	lastArrival                       time.Time     // arrival of the frame the last jbFrame pop returned
}

const jbSlots = 64

type jbSlot struct {
	ok      bool
	seq     uint16
	payload []byte
	arrival time.Time
}

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
	t := 1 + int(math.Round(3*jf)) + j.boost
	return min(max(t, 1), j.maxDepth)
}

// push stores one packet. payload is copied.
func (j *jitterBuffer) push(seq uint16, ts uint32, payload []byte, arrival time.Time) {
	j.account(seq)
	j.updateJitter(ts, arrival)
	j.lastArr = arrival
	if j.started && seqBefore(seq, j.next) {
		j.late++
		return
	}
	s := &j.slots[seq%jbSlots]
	if s.ok && s.seq == seq {
		return // duplicate
	}
	if s.ok {
		// The window wrapped: an old frame still sits here. Drop it.
		j.count--
		j.overflow++
	}
	s.ok, s.seq, s.arrival = true, seq, arrival
	s.payload = append(s.payload[:0], payload...)
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
		j.misses++
		j.boost = min(j.boost+1, j.maxDepth)
		j.goodPops = 0
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
	s := &j.slots[j.next%jbSlots]
	cur := j.next
	j.next++
	if s.ok && s.seq == cur {
		s.ok = false
		j.count--
		j.played++
		j.waitSum += now.Sub(s.arrival)
		j.lastArrival = s.arrival
		if j.goodPops++; j.goodPops >= 250 && j.boost > 0 { // ~5 s without trouble
			j.boost--
			j.goodPops = 0
		}
		return jbFrame, s.payload
	}
	j.concealed++
	if n := &j.slots[j.next%jbSlots]; n.ok && n.seq == j.next {
		return jbLost, n.payload
	}
	return jbLost, nil
}

// trim drops the oldest frames while more than target+2 wait.
func (j *jitterBuffer) trim() {
	for j.count > j.target()+2 {
		s := &j.slots[j.next%jbSlots]
		if s.ok && s.seq == j.next {
			s.ok = false
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

func (j *jitterBuffer) account(seq uint16) {
	j.received++
	if !j.haveSeq {
		j.haveSeq, j.baseSeq, j.maxSeq = true, seq, seq
		return
	}
	if seqBefore(j.maxSeq, seq) {
		if seq < j.maxSeq {
			j.cycles += 1 << 16
		}
		j.maxSeq = seq
	}
}

// lossFraction is the share of expected packets never received (0..1).
func (j *jitterBuffer) lossFraction() float64 {
	if !j.haveSeq {
		return 0
	}
	expected := float64(j.cycles) + float64(j.maxSeq) - float64(j.baseSeq) + 1
	if expected <= 0 {
		return 0
	}
	lost := expected - float64(j.received)
	if lost < 0 {
		return 0
	}
	return lost / expected
}

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
func seqBefore(a, b uint16) bool { return a != b && b-a < 1<<15 }
