package rtpseq

import "time"

// RingSlots is how many consecutive sequence numbers a Ring holds.
const RingSlots = 64

// Slot is one packet held in a Ring.
type Slot struct {
	Seq     uint16
	OK      bool // holds a packet not yet taken or dropped
	Payload []byte
	Arrival time.Time // when it came, for buffers that time playout
	Codec   uint8     // the owner's payload kind
}

// Ring is the store under the jitter buffers of the room and the
// softphone: packet payloads by sequence number, modulo RingSlots, each
// slot's payload buffer reused. Their playout policies differ (a fixed
// delay with FEC look-ahead in the room, an adaptive depth in the
// softphone); what they hold and how they find it is this. Not safe for
// concurrent use.
type Ring struct{ slots [RingSlots]Slot }

// At is the slot seq maps to (it may hold another sequence number).
func (r *Ring) At(seq uint16) *Slot { return &r.slots[seq%RingSlots] }

// Has reports whether seq's packet is held.
func (r *Ring) Has(seq uint16) bool {
	s := &r.slots[seq%RingSlots]
	return s.OK && s.Seq == seq
}

// Put stores a copy of payload as seq's packet, in place of whatever its
// slot held, and returns the slot.
func (r *Ring) Put(seq uint16, payload []byte) *Slot {
	s := &r.slots[seq%RingSlots]
	s.Seq, s.OK = seq, true
	s.Payload = append(s.Payload[:0], payload...)
	return s
}

// Take hands out seq's packet and forgets it; nil when it is not held.
// The slot stays valid until the next Put to it.
func (r *Ring) Take(seq uint16) *Slot {
	s := &r.slots[seq%RingSlots]
	if !s.OK || s.Seq != seq {
		return nil
	}
	s.OK = false
	return s
}

// Drop forgets seq's packet, reporting whether it was held.
func (r *Ring) Drop(seq uint16) bool { return r.Take(seq) != nil }
