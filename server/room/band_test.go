package room

import (
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
