package nseval

import (
	"math"
	"math/rand/v2"
	"testing"
)

// speechLike is a deterministic voiced signal with a syllabic rhythm and
// pauses: harmonics of a gliding pitch, amplitude modulated at about 4 Hz.
func speechLike(rate int, seconds float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	n := int(seconds * float64(rate))
	x := make([]float64, n)
	phase := 0.0
	for i := range x {
		t := float64(i) / float64(rate)
		f0 := 120 + 30*math.Sin(2*math.Pi*0.7*t)
		phase += 2 * math.Pi * f0 / float64(rate)
		env := math.Max(0, math.Sin(2*math.Pi*3.7*t)) * (0.6 + 0.4*math.Sin(2*math.Pi*0.3*t))
		var v float64
		for h := 1; h <= 25; h++ {
			if float64(h)*f0 > float64(rate)/2.2 {
				break
			}
			v += math.Sin(float64(h)*phase) / float64(h)
		}
		x[i] = 0.2 * env * (v + 0.05*rng.NormFloat64())
	}
	return x
}

func addWhite(x []float64, snrDB float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 11))
	var ps float64
	for _, v := range x {
		ps += v * v
	}
	ps /= float64(len(x))
	sigma := math.Sqrt(ps / math.Pow(10, snrDB/10))
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = v + sigma*rng.NormFloat64()
	}
	return y
}

func TestSTOIIdenticalIsOne(t *testing.T) {
	for _, rate := range []int{48000, 16000} {
		x := speechLike(rate, 3, 1)
		d, err := STOI(x, x, rate)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(d-1) > 1e-6 {
			t.Fatalf("rate %d: STOI(x, x) = %.9f, want 1", rate, d)
		}
	}
}

func TestSTOIRisesWithSNR(t *testing.T) {
	const rate = 16000
	snrs := []float64{-10, -5, 0, 5, 10, 20}
	avg := make([]float64, len(snrs))
	for seed := uint64(1); seed <= 3; seed++ {
		x := speechLike(rate, 3, seed)
		for i, snr := range snrs {
			d, err := STOI(x, addWhite(x, snr, seed*100+uint64(i)), rate)
			if err != nil {
				t.Fatal(err)
			}
			avg[i] += d / 3
		}
	}
	for i := 1; i < len(avg); i++ {
		if avg[i] <= avg[i-1] {
			t.Fatalf("STOI not monotonic in SNR: %v at %v dB", avg, snrs)
		}
	}
	if avg[0] > 0.75 || avg[len(avg)-1] < 0.9 {
		t.Fatalf("STOI range implausible: %v at %v dB", avg, snrs)
	}
	t.Logf("STOI by SNR %v: %.3f", snrs, avg)
}

func TestSTOIScaleInvariantAndErrors(t *testing.T) {
	x := speechLike(16000, 2, 4)
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = 3 * v
	}
	d, err := STOI(x, y, 16000)
	if err != nil || math.Abs(d-1) > 1e-6 {
		t.Fatalf("scaled copy: %v, %v", d, err)
	}
	if _, err := STOI(x[:1000], y[:1000], 16000); err == nil {
		t.Fatal("short signal accepted")
	}
	if _, err := STOI(x, y[:10], 16000); err == nil {
		t.Fatal("length mismatch accepted")
	}
}

func TestResamplePreservesTone(t *testing.T) {
	const from, to = 48000, 10000
	x := make([]float64, from)
	for i := range x {
		x[i] = math.Sin(2 * math.Pi * 1000 * float64(i) / from)
	}
	y := Resample(x, from, to)
	if len(y) != to {
		t.Fatalf("len %d", len(y))
	}
	// Compare the middle against the ideal tone at the new rate.
	var e, s float64
	for i := 1000; i < 9000; i++ {
		want := math.Sin(2 * math.Pi * 1000 * float64(i) / to)
		e += (y[i] - want) * (y[i] - want)
		s += want * want
	}
	if snr := 10 * math.Log10(s/e); snr < 60 {
		t.Fatalf("resampled tone SNR %.1f dB", snr)
	}
	// A tone above the new Nyquist must vanish.
	for i := range x {
		x[i] = math.Sin(2 * math.Pi * 7000 * float64(i) / from)
	}
	y = Resample(x, from, to)
	var p float64
	for _, v := range y[1000:9000] {
		p += v * v
	}
	if rms := math.Sqrt(p / 8000); rms > 1e-3 {
		t.Fatalf("7 kHz leaked through: rms %g", rms)
	}
}

func TestSegSNRAndDelay(t *testing.T) {
	x := speechLike(16000, 2, 5)
	if w := addWhite(x, 0, 3); SegSNR(w, w, 16000) != 35 {
		t.Fatalf("SegSNR(w, w) = %v, want the 35 dB clamp", SegSNR(w, w, 16000))
	}
	noisy := addWhite(x, 0, 9)
	if v := SNR(x, noisy); math.Abs(v) > 0.3 {
		t.Fatalf("SNR at 0 dB mix = %.2f", v)
	}
	if v := SegSNR(x, x, 16000); v < 20 {
		t.Fatalf("SegSNR(x, x) = %v", v)
	}
	if lo, hi := SegSNR(x, addWhite(x, 0, 9), 16000), SegSNR(x, addWhite(x, 10, 9), 16000); hi <= lo {
		t.Fatalf("SegSNR does not rise with SNR: %v <= %v", hi, lo)
	}
	delayed := append(make([]float64, 123), x...)[:len(x)]
	if d := Delay(x, delayed, 400); d != 123 {
		t.Fatalf("Delay = %d, want 123", d)
	}
	if a := Align(delayed, 123); SNR(x[:len(x)-123], a[:len(x)-123]) < 100 {
		t.Fatal("Align did not undo the delay")
	}
}

// STOI validation: TestSTOIMatchesReference (stoiref_test.go) compares our
// STOI with figures computed by Taal's reference stoi.m under Octave on 18
// deterministic signal pairs. Besides, STOI is checked against properties
// that follow from its definition (Taal et al., IEEE TASLP 19(7), 2011):
// identity gives 1 (TestSTOIIdenticalIsOne), it rises with SNR
// (TestSTOIRisesWithSNR), it ignores the processed signal's gain
// (TestSTOIScaleInvariantAndErrors), and the ones below.

// TestSTOIIgnoresPolarityAndSilence: inverting the processed signal changes
// nothing (only envelopes are compared), and silent stretches of the clean
// signal (more than 40 dB below its loudest frame) are dropped from both
// signals, whatever the processed one holds there.
func TestSTOIIgnoresPolarityAndSilence(t *testing.T) {
	const rate = 10000 // STOI's own rate: no resampling, frames line up
	x := speechLike(rate, 3, 6)
	y := addWhite(x, 5, 6)
	base, err := STOI(x, y, rate)
	if err != nil {
		t.Fatal(err)
	}
	neg := make([]float64, len(y))
	for i, v := range y {
		neg[i] = -v
	}
	if d, _ := STOI(x, neg, rate); math.Abs(d-base) > 1e-12 {
		t.Errorf("inverted processed signal: %.6f, want %.6f", d, base)
	}
	// 1.28 s (ten frames' hop multiples) of digital silence in the clean
	// signal, loud noise in the processed one, appended after the speech.
	pad := 128 * 100
	xs := append(append([]float64{}, x...), make([]float64, pad)...)
	ys := append(append([]float64{}, y...), addWhite(make([]float64, pad), 0, 1)...)
	rng := rand.New(rand.NewPCG(8, 8))
	for i := len(y); i < len(ys); i++ {
		ys[i] = 0.3 * rng.NormFloat64()
	}
	d, err := STOI(xs, ys, rate)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(d-base) > 0.01 {
		t.Errorf("appended silence moved STOI from %.4f to %.4f", base, d)
	}
	t.Logf("STOI at 5 dB %.4f, with 1.28 s of silence+noise appended %.4f", base, d)
}
