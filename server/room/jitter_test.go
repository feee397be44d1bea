package room

import (
	"testing"
	"time"

	jcore "github.com/meet-dev/meet/audio/jitter"
)

// The room's policy: a jump forward when maxDepth packets wait, a stop
// after maxMisses frames with nothing to play.
var (
	maxDepth  = uint16(jcore.Fixed(2).Max)
	maxMisses = jcore.Fixed(2).StopAfter
)

type popped struct {
	kind popKind
	seq  uint16 // of the slot (packet, or the FEC carrier)
}

func popAll(j *jitter, n int) []popped {
	var out []popped
	for range n {
		k, s := j.pop()
		p := popped{kind: k}
		if s != nil {
			p.seq = s.Seq
		}
		out = append(out, p)
	}
	return out
}

func pushSeq(j *jitter, seqs ...uint16) {
	for _, s := range seqs {
		j.push(s, codecOpus, []byte{byte(s)})
	}
}

func TestJitter(t *testing.T) {
	P := func(s uint16) popped { return popped{popPacket, s} }
	F := func(s uint16) popped { return popped{popFEC, s} }
	C := popped{kind: popConceal}
	N := popped{kind: popNone}
	cases := []struct {
		name string
		run  func(j *jitter) []popped
		want []popped
	}{
		{"primes to target then plays in order", func(j *jitter) []popped {
			pushSeq(j, 10)
			out := popAll(j, 1)
			pushSeq(j, 11)
			return append(out, popAll(j, 2)...)
		}, []popped{N, P(10), P(11)}},
		{"reordered packets play in order", func(j *jitter) []popped {
			pushSeq(j, 10, 12, 11, 13)
			return popAll(j, 2)
		}, []popped{P(12), P(13)}}, // primes on the newest target packets
		{"a hole with the next packet present uses FEC", func(j *jitter) []popped {
			pushSeq(j, 1, 2)
			out := popAll(j, 2)
			pushSeq(j, 4, 5)
			return append(out, popAll(j, 3)...)
		}, []popped{P(1), P(2), F(4), P(4), P(5)}},
		{"two holes: conceal, then FEC", func(j *jitter) []popped {
			pushSeq(j, 1, 2)
			out := popAll(j, 2)
			pushSeq(j, 5, 6)
			return append(out, popAll(j, 4)...)
		}, []popped{P(1), P(2), C, F(5), P(5), P(6)}},
		{"underrun conceals and waits for the late packet", func(j *jitter) []popped {
			pushSeq(j, 1, 2)
			out := popAll(j, 3)
			pushSeq(j, 3, 4, 5)
			return append(out, popAll(j, 2)...)
		}, []popped{P(1), P(2), C, P(3), P(4)}},
		{"long underrun stops and re-primes", func(j *jitter) []popped {
			pushSeq(j, 1, 2)
			out := popAll(j, 2+maxMisses+1)
			pushSeq(j, 40)
			out = append(out, popAll(j, 1)...)
			pushSeq(j, 41)
			return append(out, popAll(j, 1)...)
		}, []popped{P(1), P(2), C, C, C, C, C, N, N, P(40)}},
		{"too deep skips ahead", func(j *jitter) []popped {
			pushSeq(j, 1, 2)
			out := popAll(j, 1)
			for s := uint16(3); s < 3+maxDepth+2; s++ {
				pushSeq(j, s)
			}
			return append(out, popAll(j, 2)...)
		}, []popped{P(1), P(3 + maxDepth), P(4 + maxDepth)}},
		{"sequence numbers wrap", func(j *jitter) []popped {
			pushSeq(j, 65534, 65535, 0, 1)
			return popAll(j, 2)
		}, []popped{P(0), P(1)}},
		{"restart plays the freshest packets at once", func(j *jitter) []popped {
			pushSeq(j, 1, 2, 3, 4, 5, 6, 7, 8)
			j.restart()
			return popAll(j, 3)
		}, []popped{P(7), P(8), C}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.run(newJitter(2))
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("pop %d: got %v, want %v (all: %v)", i, got[i], c.want[i], got)
				}
			}
		})
	}
}

func TestJitterCounters(t *testing.T) {
	j := newJitter(1)
	pushSeq(j, 1)
	popAll(j, 1)
	pushSeq(j, 3)
	popAll(j, 2)
	pushSeq(j, 2) // late
	if st := j.stats(); st.Received != 3 || st.Late != 1 || st.Lost != 1 || st.FEC != 1 {
		t.Fatalf("received %d late %d lost %d fec %d", st.Received, st.Late, st.Lost, st.FEC)
	}
}

// push stores a copy of one packet's payload, its arrival unknown.
func (j *jitter) push(seq uint16, codec codecKind, payload []byte) {
	j.pushAt(seq, 0, codec, payload, time.Time{})
}

// pop is popAt untimed.
func (j *jitter) pop() (popKind, *jbSlot) { return j.popAt(time.Time{}) }
