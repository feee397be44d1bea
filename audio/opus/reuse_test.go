package opus

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/meet-dev/meet/audio"
)

// The Reuse methods give what the allocating ones give, into one buffer.
func TestReuseMatchesAllocating(t *testing.T) {
	a, err := NewEncoder(48000, 1, WithComplexity(1))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewEncoder(48000, 1, WithComplexity(1))
	da, _ := NewDecoder(48000, 1)
	db, _ := NewDecoder(48000, 1)
	frame := make(audio.PCM16, 960)
	var last []byte
	for n := range 10 {
		for i := range frame {
			frame[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(n*960+i)/48000))
		}
		pa, err := a.Encode(frame)
		if err != nil {
			t.Fatal(err)
		}
		pb, err := b.EncodeReuse(frame)
		if err != nil || !bytes.Equal(pa, pb) {
			t.Fatalf("frame %d: reused packet differs (%v)", n, err)
		}
		oa, _ := da.Decode(pa)
		ob, err := db.DecodeReuse(pb)
		if err != nil || !slices.Equal(oa, ob) {
			t.Fatalf("frame %d: reused decode differs (%v)", n, err)
		}
		last = append(last[:0], pa...)
	}
	fa, _ := da.DecodeFEC(last, 960)
	fb, err := db.DecodeFECReuse(last, 960)
	if err != nil || !slices.Equal(fa, fb) {
		t.Fatalf("FEC differs (%v)", err)
	}
	la, _ := da.PLC(480)
	lb, err := db.PLCReuse(480)
	if err != nil || !slices.Equal(la, lb) {
		t.Fatalf("PLC differs (%v)", err)
	}
	if _, err := b.EncodeReuse(frame[:100]); err == nil {
		t.Error("a 100-sample frame was encoded")
	}
}

// TestEncoderKeepsItsSettings: the band and expected loss an encoder was
// given are what it reports, through Reset too, and setting the same
// value again is accepted (callers set them every frame).
func TestEncoderKeepsItsSettings(t *testing.T) {
	e, err := NewEncoder(48000, 1, WithMaxBandwidth(Wideband), WithExpectedLoss(0))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.MaxBandwidth(); got != Wideband {
		t.Fatalf("max bandwidth %d, want wideband", got)
	}
	for range 2 {
		if err := e.SetMaxBandwidth(Narrowband); err != nil {
			t.Fatal(err)
		}
		if err := e.SetExpectedLoss(10); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Reset(); err != nil {
		t.Fatal(err)
	}
	if got := e.MaxBandwidth(); got != Narrowband {
		t.Fatalf("after Reset: max bandwidth %d, want narrowband", got)
	}
	if got, err := e.enc.get(reqGetLoss); err != nil || got != 10 {
		t.Fatalf("after Reset libopus expects %d %% loss (%v), want 10", got, err)
	}
	if got, err := e.enc.get(reqGetMaxBandwidth); err != nil || Bandwidth(got) != Narrowband {
		t.Fatalf("after Reset libopus holds band %d (%v), want narrowband", got, err)
	}
}
