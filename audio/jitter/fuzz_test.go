package jitter

import (
	"testing"
	"time"

	"github.com/meet-dev/meet/audio/rtpseq"
)

// FuzzInsert feeds each policy (the trunk's, the room's and the
// softphone's Accelerated too, with PopOwed after every pop) a stream of packets with random sequence
// numbers (near a moving base, sometimes far, across the wrap), RTP
// timestamps and arrival steps, mixed with pops, skips, drains and
// restarts, and checks the invariants: no panic; the held count matches
// the ring and never exceeds it, and the ring never grows (bounded memory
// whatever comes in); playout is monotonic: a pop never moves the cursor
// back while playing, a played packet is the one at the cursor (and is
// gone from the ring) and a FEC carrier the one after it. (Back is RFC
// 3550's order, within half the sequence space; a cursor that walked
// further through a far jump of the sender may land anywhere in it, so
// only a step back of less than farJump counts.)
func FuzzInsert(f *testing.F) {
	const farJump = 4096
	f.Add([]byte{0, 2, 10, 0, 1, 0, 2, 0, 5, 5, 5, 3, 0, 5, 5})
	f.Add([]byte{1, 2, 0xff, 0xfe, 0, 1, 2, 3, 5, 6, 5, 7, 0, 0x80, 5, 5, 5})
	f.Add([]byte{2, 9, 1, 2, 3, 4, 5, 6, 7, 6, 6, 6, 6, 6, 6, 7, 6})
	f.Add([]byte{0, 0, 0xfc, 0xfd, 0xfe, 0xff, 0, 1, 5, 5, 0x40, 5, 5, 5, 5, 5, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		var pol Policy
		switch data[0] % 7 {
		case 0:
			pol = Primed(int(data[1]%8), int(data[1]/8%16))
		case 1:
			// Every target WithJitterFrames allows (1-10), and 0.
			pol = Fixed(int(data[1] % 11))
		case 2: // the softphone's stream, and Accelerated (its drain owes)
			pol = Adaptive(20*time.Millisecond, 8000)
			if data[1]&1 == 1 {
				pol = pol.Accelerated()
			}
		case 3: // the room's operator stream
			pol = Ticked(int(data[1]%11), 20*time.Millisecond, 8000)
		case 4:
			pol = Primed(int(data[1]%8), int(data[1]/8%16)).WithTicks(20*time.Millisecond, 8000)
		case 5: // the room's operator stream
			pol = Ticked(int(data[1]%11), 20*time.Millisecond, 8000).Accelerated()
		case 6: // the trunk's caller stream
			pol = Primed(int(data[1]%8), int(data[1]/8%16)).WithTicks(20*time.Millisecond, 8000).Accelerated()
		}
		b := New[byte](pol)
		size := rtpseq.NewRing[byte](pol.Slots).Size()
		base := uint16(data[1]) << 8
		now := time.Unix(1000, 0)
		var payload [16]byte
		for i, op := range data[2:] {
			switch {
			case op < 0xa0: // insert near the base (−16..+23), moving it on
				seq := base + uint16(op%40) - 16
				if op%40 >= 16 {
					base = seq
				}
				now = now.Add(time.Duration(op%32) * time.Millisecond)
				n := int(op % 17)
				for k := range n {
					payload[k] = byte(i + k)
				}
				b.Insert(seq, uint32(seq)*160+uint32(op&7)*80, now, payload[:n])
			case op < 0xb0: // a far jump
				base += uint16(op) << 11
				now = now.Add(time.Second)
				b.Insert(base, uint32(base)*160, now, payload[:3])
			case op < 0xf0: // a pop
				now = now.Add(time.Duration(op%40) * time.Millisecond)
				from, was := b.next, b.playing
				k, s := b.Pop(now)
				if was && b.playing && rtpseq.Before(b.next, from) && from-b.next < farJump {
					t.Fatalf("op %d: the cursor went back from %d to %d", i, from, b.next)
				}
				switch k {
				case Packet:
					if s.OK || b.next != s.Seq+1 {
						t.Fatalf("op %d: played %d (still held: %v), cursor at %d", i, s.Seq, s.OK, b.next)
					}
				case Lost:
					if s != nil && (!s.OK || s.Seq != b.next) {
						t.Fatalf("op %d: FEC slot %d (held: %v), cursor at %d", i, s.Seq, s.OK, b.next)
					}
				}
				// What a drain owes is played in the same tick, the
				// packet at the cursor, never more than Max at a time.
				if owed := b.Owed(); owed > pol.Max || owed > 0 && !pol.Accelerate {
					t.Fatalf("op %d: owes %d periods (max %d, accelerate %v)", i, owed, pol.Max, pol.Accelerate)
				}
				from = b.next
				if k, s := b.PopOwed(now); k == Packet && (s.OK || s.Seq != from || b.next != from+1) {
					t.Fatalf("op %d: owed packet %d (still held: %v), cursor from %d to %d", i, s.Seq, s.OK, from, b.next)
				} else if k != Packet && k != None {
					t.Fatalf("op %d: PopOwed gave %v", i, k)
				}
			case op < 0xf8:
				b.Skip(int(op % 8))
			case op < 0xfc:
				b.Drain()
			default:
				b.PlayNewest()
			}
			if !b.sized {
				continue
			}
			if b.ring.Size() != size {
				t.Fatalf("op %d: ring grew from %d to %d slots", i, size, b.ring.Size())
			}
			held := 0
			for s := range size {
				if b.ring.At(uint16(s)).OK {
					held++
				}
			}
			if held != b.Held() || held > size {
				t.Fatalf("op %d: held %d, ring holds %d of %d", i, b.Held(), held, size)
			}
		}
	})
}
