package audio

import "testing"

// TestUp6MatchesGeneral checks the 8k→48k fast path against the general
// polyphase loop on the same input, frame by frame.
func TestUp6MatchesGeneral(t *testing.T) {
	in := make(PCM16, 1000)
	for i := range in {
		in[i] = int16((i*7919)%40000 - 20000)
	}
	run := func(slow bool) PCM16 {
		slowPath = slow
		defer func() { slowPath = false }()
		buf := NewBuffer(48000)
		r := NewResampler(buf, 8000)
		for i := 0; i < len(in); i += 160 {
			_ = r.WriteSample(in[i:min(i+160, len(in))])
		}
		return buf.Samples()
	}
	fast, slow := run(false), run(true)
	if len(fast) != len(slow) || len(fast) != 6000 {
		t.Fatalf("%d vs %d samples", len(fast), len(slow))
	}
	for i := range fast {
		if d := int(fast[i]) - int(slow[i]); d > 1 || d < -1 {
			t.Fatalf("sample %d: %d vs %d", i, fast[i], slow[i])
		}
	}
	if bankFor(6, 1, realtime).coefT == nil || bankFor(3, 1, realtime).coefT != nil {
		t.Fatal("fast path wiring")
	}
}
