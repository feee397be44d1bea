package timescale

import (
	"encoding/binary"
	"testing"

	"github.com/meet-dev/meet/audio"
)

// FuzzShortener drives a Shortener with arbitrary audio (a peer's RTP
// payloads decode to anything) and arbitrary debts (a peer's timing
// decides when a buffer owes): Take never panics, never leaves out more
// than was owed, and the fifo never grows past a frame and what is owed
// and kept, nor past MaxDebt and three frames whatever is owed.
func FuzzShortener(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 200, 100, 50, 25}, uint8(3), false)
	f.Add(make([]byte, 4000), uint8(1), true)
	f.Fuzz(func(t *testing.T, data []byte, every uint8, wide bool) {
		rate := 8000
		if wide {
			rate = 48000
		}
		n := rate / 50
		var sig audio.PCM16
		for i := 0; i+1 < len(data); i += 2 {
			sig = append(sig, int16(binary.LittleEndian.Uint16(data[i:])))
		}
		if len(sig) == 0 {
			return
		}
		s := Shortener{Rate: rate}
		var fifo audio.PCM16
		pos, owed := 0, uint64(0)
		next := func() []int16 { // the next n samples of sig, round and round
			out := make([]int16, n)
			for i := range out {
				out[i] = sig[pos%len(sig)]
				pos++
			}
			return out
		}
		frame := make([]int16, n)
		for k := range 200 {
			for len(fifo) < n+s.Owed() {
				fifo = append(fifo, next()...)
			}
			if every > 0 && k%int(every) == 0 {
				fifo = append(fifo, next()...)
				s.Owe(n)
				owed += uint64(n)
			}
			fifo = s.Take(frame, fifo)
			if s.Cut() > owed {
				t.Fatalf("left out %d samples of %d owed", s.Cut(), owed)
			}
			if len(fifo) > n+int(owed-s.Cut()-s.Stats().Dropped) {
				t.Fatalf("fifo holds %d samples: more than a frame and the %d owed", len(fifo), owed-s.Cut()-s.Stats().Dropped)
			}
			if most := 3*n + rate*MaxDebt/1000; len(fifo) > most {
				t.Fatalf("fifo holds %d samples: more than %d, %d ms of debt and three frames", len(fifo), most, MaxDebt)
			}
		}
	})
}
