package trunk

import "github.com/meet-dev/meet/audio/rtpseq"

// jitterBuffer reorders decoded RTP payloads by sequence number and hands
// out fixed 160-sample frames. It holds playout back until `prime` packets
// are queued (≈ prime×20 ms of delay), drops late and duplicate packets,
// trims itself when it grows past `max`, drains back to `prime` when more
// stayed queued for half a second, and conceals a missing packet by
// repeating the last frame with a fading gain. It has no clock and no lock:
// the caller (rtpSession) serialises Push and Pop. Its packets are held in
// an rtpseq.RingOf (the store under the room's and the softphone's jitter
// buffers too), sized to span every sequence number it may hold.
type jitterBuffer struct {
	prime, max int

	ring     *rtpseq.RingOf[int16] // allocated at the first Push: a caller who sends no audio costs none
	ringSize int
	held     int    // packets in ring
	next     uint16 // sequence number to play next
	playing  bool   // primed and playing out
	pending  []int16

	last      []int16 // last real or concealed frame, for concealment
	concealed int     // consecutive concealed packets

	// Draining: the fewest packets left after a pop over the current
	// window. A stall (the room's tick or this process starved) lets
	// packets pile up to max; without draining that delay stayed for the
	// rest of the call.
	fewest, pops int

	// counters for stats and tests
	late, dropped, lost, drained int
}

const (
	frameSamples      = 160
	maxConcealPackets = 3 // 60 ms of fade before going quiet
)

func newJitterBuffer(prime, max int) *jitterBuffer {
	if prime < 1 {
		prime = 1
	}
	if max < prime+2 {
		max = prime + 2
	}
	// Held packets lie within 4×max after next (further ones restart
	// playout), or up to prime before playout starts.
	return &jitterBuffer{prime: prime, max: max, ringSize: 8*max + 2}
}

// seqLess reports a < b in RFC 3550 sequence space.
func seqLess(a, b uint16) bool { return rtpseq.Before(a, b) }

// Push queues a copy of a decoded payload (samples may be reused after).
func (j *jitterBuffer) Push(seq uint16, samples []int16) {
	if len(samples) == 0 || len(samples) > 8*frameSamples {
		j.dropped++
		return
	}
	if j.ring == nil {
		// Allocated on demand: ~10 KB per call, kept from set-up to hang-up
		// even for the calls (guidance, then 480) whose callers send nothing.
		j.ring = rtpseq.NewRing[int16](j.ringSize)
	}
	if j.playing && seqLess(seq, j.next) {
		if int(j.next-seq) <= 4*j.max {
			j.late++
			return
		}
		j.reset() // far behind: the sender restarted its sequence
	}
	if j.ring.Has(seq) {
		j.dropped++
		return
	}
	if j.playing && int(seq-j.next) > 4*j.max {
		// A jump far ahead (new stream, SSRC change): restart playout.
		j.reset()
	}
	if s := j.ring.At(seq); s.OK { // a packet a whole ring away: forget it
		s.OK = false
		j.held--
		j.dropped++
	}
	j.ring.Put(seq, samples)
	j.held++
	if !j.playing {
		if j.held == 1 || seqLess(seq, j.next) {
			j.next = seq
		}
		if j.held >= j.prime {
			j.playing = true
		}
		return
	}
	for j.held > j.max {
		// Too much delay built up: skip ahead to keep `prime` packets.
		j.skipOldest()
	}
}

func (j *jitterBuffer) reset() {
	if j.ring != nil {
		j.ring.Clear()
	}
	j.held = 0
	j.pops = 0
	j.playing = false
	j.pending = j.pending[:0]
	j.concealed = 0
}

// skipOldest drops the packet (or gap) at the head of the queue.
func (j *jitterBuffer) skipOldest() {
	if j.ring.Drop(j.next) {
		j.held--
		j.dropped++
	}
	j.next++
}

// Pop fills dst (len 160) with the next frame. It returns false, with dst
// zeroed, when nothing is playing.
func (j *jitterBuffer) Pop(dst []int16) bool {
	for len(j.pending) < len(dst) {
		if !j.playing {
			break
		}
		if s := j.ring.Take(j.next); s != nil {
			j.held--
			j.next++
			j.concealed = 0
			j.pending = append(j.pending, s.Payload...)
			j.last = append(j.last[:0], s.Payload...)
			continue
		}
		if j.concealed >= maxConcealPackets {
			if j.held == 0 {
				// Stream stopped: go quiet and prime again on the next packet.
				j.reset()
				break
			}
			// Long gap: jump to the oldest queued packet.
			j.next = j.oldest()
			continue
		}
		// Missing packet (lost or still late): conceal it.
		j.lost++
		j.next++
		j.concealed++
		j.pending = append(j.pending, j.concealment()...)
	}
	if len(j.pending) < len(dst) {
		clear(dst)
		j.pending = j.pending[:0]
		return false
	}
	n := copy(dst, j.pending)
	j.pending = j.pending[:copy(j.pending, j.pending[n:])]
	j.drain()
	return true
}

// drainWindow is how many pops the fewest queued packets are watched over
// before the excess is dropped (500 ms of 20 ms frames).
const drainWindow = 25

// drain drops the oldest packets when more than prime stayed queued after
// every pop of a window: that cushion was never needed, it is delay left by
// a burst. One skip of a few frames is heard once; the delay would be heard
// for the rest of the call.
func (j *jitterBuffer) drain() {
	if j.pops == 0 || j.held < j.fewest {
		j.fewest = j.held
	}
	if j.pops++; j.pops < drainWindow {
		return
	}
	for excess := j.fewest - j.prime; excess > 0 && j.held > j.prime; excess-- {
		j.skipOldest()
		j.drained++
	}
	j.pops = 0
}

// concealment is the last frame attenuated by 6 dB per concealed packet.
func (j *jitterBuffer) concealment() []int16 {
	n := len(j.last)
	if n == 0 {
		n = frameSamples
	}
	out := make([]int16, n)
	if len(j.last) == 0 {
		return out
	}
	shift := uint(j.concealed)
	for i, s := range j.last {
		out[i] = s >> shift
	}
	return out
}

func (j *jitterBuffer) oldest() uint16 {
	seq, _ := j.ring.Oldest()
	return seq
}

// Depth is the number of queued packets.
func (j *jitterBuffer) Depth() int { return j.held }
