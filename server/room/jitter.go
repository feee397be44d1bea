package room

import "github.com/meet-dev/meet/audio/rtpseq"

// jitter is a fixed-delay receive jitter buffer of RTP payloads indexed by
// sequence number. The reader pulls one packet per frame; a hole becomes
// FEC (when the packet after it is there) or concealment. It is not safe
// for concurrent use: the staff leg's mutex guards it.
type jitter struct {
	ring    rtpseq.Ring
	target  int // packets buffered before playout starts
	playing bool
	next    uint16 // next sequence number to play
	highest uint16 // newest sequence number received
	any     bool   // highest is valid
	misses  int    // consecutive frames with nothing to play

	received, late, lost, fec, skipped uint64
}

const (
	jitterSlots = rtpseq.RingSlots
	// maxDepth packets ahead of playout (120 ms) is too much latency, e.g.
	// after a stall of the mixer: skip forward to the target depth.
	maxDepth = 6
	// After this many consecutive missing frames playout stops and re-primes.
	maxMisses = 5
)

// jbSlot is one packet in the buffer; Codec holds its codecKind.
type jbSlot = rtpseq.Slot

type popKind uint8

const (
	popNone    popKind = iota // nothing to play (not primed or underrun)
	popPacket                 // a packet in order
	popFEC                    // packet missing; the next one may carry its FEC
	popConceal                // packet missing; conceal
)

func newJitter(target int) *jitter { return &jitter{target: target} }

// String names the buffer as a stage of the receive pipelines (recv.go).
func (*jitter) String() string { return "Jitter" }

// before reports whether sequence number a comes before b.
func before(a, b uint16) bool { return rtpseq.Before(a, b) }

// push stores a copy of one packet's payload.
func (j *jitter) push(seq uint16, codec codecKind, payload []byte) {
	j.received++
	if j.playing && before(seq, j.next) {
		j.late++
		return
	}
	if !j.any || before(j.highest, seq) {
		j.highest, j.any = seq, true
	}
	j.ring.Put(seq, payload).Codec = uint8(codec)
}

func (j *jitter) has(seq uint16) bool { return j.ring.Has(seq) }

// buffered counts packets from seq up to highest.
func (j *jitter) buffered(from uint16) int {
	n := 0
	for s := from; !before(j.highest, s) && n <= jitterSlots; s++ {
		if j.has(s) {
			n++
		}
	}
	return n
}

// restart drops all but the newest target packets' worth of history and
// starts playout from there at once if anything is buffered: used when a
// leg is attached to a room so the first tick already plays fresh audio.
func (j *jitter) restart() {
	j.playing, j.misses = false, 0
	if !j.any {
		return
	}
	start := j.highest - uint16(j.target) + 1
	j.drop(j.highest-jitterSlots+1, start)
	for s := start; !before(j.highest, s); s++ {
		if j.has(s) {
			j.next, j.playing = s, true
			return
		}
	}
}

// drop forgets packets in [from, to).
func (j *jitter) drop(from, to uint16) {
	for s := from; before(s, to); s++ {
		j.ring.Drop(s)
	}
}

// pop returns what to play for the next frame. For popPacket the slot is
// the packet; for popFEC it is the packet after the missing one.
func (j *jitter) pop() (popKind, *jbSlot) {
	if !j.any {
		return popNone, nil
	}
	if !j.playing {
		start := j.highest - uint16(j.target) + 1
		if j.buffered(start) < j.target {
			return popNone, nil
		}
		j.next, j.playing, j.misses = start, true, 0
	}
	if depth := int(int16(j.highest - j.next)); depth >= maxDepth {
		newNext := j.highest - uint16(j.target) + 1
		j.drop(j.next, newNext)
		j.skipped += uint64(int16(newNext - j.next))
		j.next = newNext
	}
	seq := j.next
	if !before(j.highest, seq) || j.has(seq) {
		// There is something at or after seq: play or repair it.
	} else {
		// Nothing newer than what we played: underrun.
		j.misses++
		if j.misses > maxMisses {
			j.playing = false
			return popNone, nil
		}
		j.next++
		j.lost++
		return popConceal, nil
	}
	j.next++
	if s := j.ring.Take(seq); s != nil {
		j.misses = 0
		return popPacket, s
	}
	j.lost++
	j.misses++
	if j.has(seq + 1) {
		j.fec++
		return popFEC, j.ring.At(seq + 1)
	}
	return popConceal, nil
}
