package room

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/meet-dev/meet/audio/audiotest"
)

// BenchmarkBand is Band(8000) over one caller frame.
func BenchmarkBand(b *testing.B) {
	var st bandStage
	var up up6
	in := audiotest.ToneAt(CallerRate, callerTone, toneAmp, 0, CallerFrame)
	out := make([]int16, CallerFrame)
	for b.Loop() {
		st.filter(in, out, &up)
	}
}

// TestBandFIRSameBits: bandFIR (the AVX kernel where the CPU has AVX)
// gives bandFIRGo's bits on random frames at full scale.
func TestBandFIRSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var x [bandTaps - 1 + CallerFrame]float32
	for round := range 200 {
		for i := range x {
			x[i] = float32(rng.IntN(65536) - 32768)
		}
		var got, want [CallerFrame]float32
		bandFIR(&got, &x)
		bandFIRGo(&want, &x)
		for j := range got {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("round %d, output %d: %v, Go gives %v", round, j, got[j], want[j])
			}
		}
	}
}
