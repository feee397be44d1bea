package rtpseq

import "time"

// RingSlots is how many consecutive sequence numbers a Ring holds.
const RingSlots = 64

// SlotOf is one packet held in a RingOf.
type SlotOf[T any] struct {
	Seq     uint16
	OK      bool // holds a packet not yet taken or dropped
	Payload []T
	Arrival time.Time // when it came, for buffers that time playout
	Codec   uint8     // the owner's payload kind
}

// Slot is one packet's payload bytes held in a Ring.
type Slot = SlotOf[byte]

// RingOf is the store under the jitter buffers of the room, the softphone
// (Ring: payload bytes) and the trunk (RingOf[int16]: decoded samples):
// packets by sequence number, modulo its size, each slot's buffer reused.
// Their playout policies differ (a fixed delay with FEC look-ahead in the
// room, an adaptive depth in the softphone, prime/max with a fading
// concealment in the trunk); what they hold and how they find it is this.
// The zero value holds RingSlots packets; NewRing sizes it. Not safe for
// concurrent use.
type RingOf[T any] struct{ slots []SlotOf[T] }

// Ring holds payload bytes; its zero value is ready.
type Ring = RingOf[byte]

// NewRing returns a ring holding n consecutive sequence numbers (rounded
// up to a power of two, at least RingSlots).
func NewRing[T any](n int) *RingOf[T] {
	size := RingSlots
	for size < n && size < 1<<16 {
		size *= 2
	}
	return &RingOf[T]{slots: make([]SlotOf[T], size)}
}

// Size is how many consecutive sequence numbers r holds.
func (r *RingOf[T]) Size() int {
	if r.slots == nil {
		return RingSlots
	}
	return len(r.slots)
}

// At is the slot seq maps to (it may hold another sequence number).
func (r *RingOf[T]) At(seq uint16) *SlotOf[T] {
	if r.slots == nil {
		r.slots = make([]SlotOf[T], RingSlots)
	}
	return &r.slots[int(seq)&(len(r.slots)-1)]
}

// Has reports whether seq's packet is held.
func (r *RingOf[T]) Has(seq uint16) bool {
	if r.slots == nil {
		return false
	}
	s := &r.slots[int(seq)&(len(r.slots)-1)]
	return s.OK && s.Seq == seq
}

// Put stores a copy of payload as seq's packet, in place of whatever its
// slot held, and returns the slot.
func (r *RingOf[T]) Put(seq uint16, payload []T) *SlotOf[T] {
	s := r.At(seq)
	s.Seq, s.OK = seq, true
	s.Payload = append(s.Payload[:0], payload...)
	return s
}

// Take hands out seq's packet and forgets it; nil when it is not held.
// The slot stays valid until the next Put to it.
func (r *RingOf[T]) Take(seq uint16) *SlotOf[T] {
	if !r.Has(seq) {
		return nil
	}
	s := r.At(seq)
	s.OK = false
	return s
}

// Drop forgets seq's packet, reporting whether it was held.
func (r *RingOf[T]) Drop(seq uint16) bool { return r.Take(seq) != nil }

// Clear forgets every packet (buffers are kept).
func (r *RingOf[T]) Clear() {
	for i := range r.slots {
		r.slots[i].OK = false
	}
}

// DropBefore forgets every packet held before seq (RFC 3550 order), how
// far back it lies, and returns how many it forgot.
func (r *RingOf[T]) DropBefore(seq uint16) int {
	n := 0
	for i := range r.slots {
		if s := &r.slots[i]; s.OK && Before(s.Seq, seq) {
			s.OK = false
			n++
		}
	}
	return n
}

// Oldest is the earliest held sequence number (RFC 3550 order), if any.
func (r *RingOf[T]) Oldest() (uint16, bool) {
	var min uint16
	found := false
	for i := range r.slots {
		if s := &r.slots[i]; s.OK && (!found || Before(s.Seq, min)) {
			min, found = s.Seq, true
		}
	}
	return min, found
}
