package g711tab

import (
	"math"
	"testing"

	"github.com/zaf/g711"
)

// TestSameBytes: every one of the 65,536 samples encodes as zaf/g711
// encodes it, one at a time and in a frame.
func TestSameBytes(t *testing.T) {
	src := make([]int16, 0, 1<<16)
	for v := math.MinInt16; v <= math.MaxInt16; v++ {
		s := int16(v)
		src = append(src, s)
		if got, want := Ulaw(s), g711.EncodeUlawFrame(s); got != want {
			t.Fatalf("μ-law of %d: %#x, zaf/g711 gives %#x", s, got, want)
		}
		if got, want := Alaw(s), g711.EncodeAlawFrame(s); got != want {
			t.Fatalf("A-law of %d: %#x, zaf/g711 gives %#x", s, got, want)
		}
	}
	u, a := make([]byte, len(src)), make([]byte, len(src))
	EncodeUlaw(u, src)
	EncodeAlaw(a, src)
	for i, s := range src {
		if u[i] != g711.EncodeUlawFrame(s) || a[i] != g711.EncodeAlawFrame(s) {
			t.Fatalf("frame encode of %d differs from zaf/g711", s)
		}
	}
}

func BenchmarkEncodeUlaw160(b *testing.B) {
	src := make([]int16, 160)
	for i := range src {
		src[i] = int16(i * 397)
	}
	dst := make([]byte, 160)
	b.Run("table", func(b *testing.B) {
		for b.Loop() {
			EncodeUlaw(dst, src)
		}
	})
	b.Run("zaf", func(b *testing.B) {
		for b.Loop() {
			for i, v := range src {
				dst[i] = g711.EncodeUlawFrame(v)
			}
		}
	})
}
