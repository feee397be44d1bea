package rtpseq

import "testing"

func TestRing(t *testing.T) {
	var r Ring
	buf := []byte{1, 2, 3}
	r.Put(10, buf)
	buf[0] = 9 // Put copied
	if !r.Has(10) || r.Has(11) || r.Has(10+RingSlots) {
		t.Fatal("Has")
	}
	if s := r.At(10 + RingSlots); s.Seq != 10 || !s.OK {
		t.Fatalf("At maps modulo RingSlots: %+v", s)
	}
	r.Put(10+RingSlots, []byte{4}) // wraps onto 10's slot
	if r.Has(10) || !r.Has(10+RingSlots) {
		t.Fatal("a wrapped Put replaces the older packet")
	}
	if r.Take(10) != nil {
		t.Fatal("took a packet that was replaced")
	}
	s := r.Take(10 + RingSlots)
	if s == nil || s.Payload[0] != 4 || r.Has(10+RingSlots) {
		t.Fatalf("Take: %+v", s)
	}
	r.Put(65535, []byte{7})
	if !r.Drop(65535) || r.Drop(65535) {
		t.Fatal("Drop")
	}
	if p := r.Put(3, []byte{1, 2, 3, 4}); string(p.Payload) != "\x01\x02\x03\x04" {
		t.Fatal("payload")
	}
}

func TestRingDropBefore(t *testing.T) {
	r := NewRing[byte](8)
	for _, seq := range []uint16{65534, 65535, 0, 1, 2} {
		r.Put(seq, []byte{1})
	}
	if n := r.DropBefore(1); n != 3 || r.Has(65534) || r.Has(0) || !r.Has(1) || !r.Has(2) {
		t.Fatalf("DropBefore(1) dropped %d", n)
	}
	if n := r.DropBefore(1); n != 0 {
		t.Fatalf("again: %d", n)
	}
}
