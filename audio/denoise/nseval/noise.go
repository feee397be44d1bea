package nseval

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// The noise generators below are deterministic for a seed and return n
// samples at rate Hz with arbitrary scale (Mix sets the level).

// NoiseKinds lists the noise classes in table order.
var NoiseKinds = []string{"babble", "cafe", "car", "hvac", "rain", "traffic", "office", "music"}

// Generate returns n samples of noise class kind at rate Hz for seed;
// babble and cafe mix the talkers.
func Generate(kind string, n, rate int, seed uint64, talkers [][]float64) ([]float64, error) {
	switch kind {
	case "babble":
		return Babble(n, talkers, seed), nil
	case "cafe":
		return Cafe(n, rate, talkers, seed), nil
	case "car":
		return Car(n, rate, seed), nil
	case "hvac":
		return HVAC(n, rate, seed), nil
	case "rain":
		return Rain(n, rate, seed), nil
	case "traffic":
		return Street(n, rate, seed), nil
	case "office":
		return Office(n, rate, seed), nil
	case "music":
		return Music(n, rate, seed), nil
	}
	return nil, fmt.Errorf("nseval: unknown noise class %q", kind)
}

// White is Gaussian white noise.
func White(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// Pink is 1/f noise (Paul Kellet's filter of white noise).
func Pink(n int, seed uint64) []float64 {
	w := White(n, seed)
	var b0, b1, b2, b3, b4, b5, b6 float64
	for i, v := range w {
		b0 = 0.99886*b0 + v*0.0555179
		b1 = 0.99332*b1 + v*0.0750759
		b2 = 0.96900*b2 + v*0.1538520
		b3 = 0.86650*b3 + v*0.3104856
		b4 = 0.55000*b4 + v*0.5329522
		b5 = -0.7616*b5 - v*0.0168980
		w[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + v*0.5362
		b6 = v * 0.115926
	}
	return w
}

// Babble sums talkers, each started at a random offset and looped, with
// random levels within ±3 dB.
func Babble(n int, talkers [][]float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	x := make([]float64, n)
	for _, t := range talkers {
		if len(t) == 0 {
			continue
		}
		off := rng.IntN(len(t))
		g := math.Pow(10, (rng.Float64()*6-3)/20) / math.Sqrt(Power(t))
		for i := range x {
			x[i] += g * t[(off+i)%len(t)]
		}
	}
	return x
}

// Fan is a motor/fan: mains-locked hum (50 Hz and harmonics), a blade-pass
// tone series with slow speed wander, and low-passed broadband air noise
// with a slow amplitude wobble.
func Fan(n, rate int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 3))
	air := Pink(n, seed+1000)
	lp := onePole(1500, rate)
	var y float64
	x := make([]float64, n)
	var phHum, phBlade float64
	humAmp := make([]float64, 12)
	humPh := make([]float64, 12)
	for h := range humAmp {
		humAmp[h] = 0.6 / float64(h+1) * (0.5 + rng.Float64())
		humPh[h] = rng.Float64() * 2 * math.Pi
	}
	for i := range x {
		t := float64(i) / float64(rate)
		phHum += 2 * math.Pi * 50 / float64(rate)
		blade := 183 * (1 + 0.01*math.Sin(2*math.Pi*0.13*t))
		phBlade += 2 * math.Pi * blade / float64(rate)
		var hum float64
		for h, a := range humAmp {
			hum += a * math.Sin(float64(h+1)*phHum+humPh[h])
		}
		bladeTone := 0.4*math.Sin(phBlade) + 0.2*math.Sin(2*phBlade) + 0.1*math.Sin(3*phBlade)
		y += lp * (air[i] - y)
		wobble := 1 + 0.15*math.Sin(2*math.Pi*0.7*t)
		x[i] = 0.25*hum + 0.25*bladeTone + 2.0*wobble*y
	}
	return x
}

// Keyboard is typing: bursts of key strokes (about 6 per second) separated
// by pauses; each stroke is a sharp press click (resonant noise burst plus a
// low thump) and a softer release click 60..140 ms later, over a faint room
// noise floor.
func Keyboard(n, rate int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 4))
	x := White(n, seed+2000)
	for i := range x {
		x[i] *= 0.003
	}
	t := int(rng.Float64() * 0.5 * float64(rate))
	burstEnd := t + int((1+3*rng.Float64())*float64(rate))
	for t < n {
		amp := 0.5 + rng.Float64()
		click(x, t, rate, amp, rng)
		click(x, t+int((0.06+0.08*rng.Float64())*float64(rate)), rate, 0.4*amp, rng)
		t += int((0.08 + 0.25*rng.ExpFloat64()/1.5) * float64(rate))
		if t > burstEnd {
			t += int((0.5 + 1.5*rng.Float64()) * float64(rate))
			burstEnd = t + int((1+3*rng.Float64())*float64(rate))
		}
	}
	return x
}

func click(x []float64, at, rate int, amp float64, rng *rand.Rand) {
	f1 := 2000 + 4000*rng.Float64()
	f2 := 600 + 1200*rng.Float64()
	r1, r2 := resonator(f1, 0.9, rate), resonator(f2, 0.8, rate)
	tau := (1 + 3*rng.Float64()) / 1000 * float64(rate)
	thumpF := 120 + 120*rng.Float64()
	var a1, a2, b1, b2 float64
	for i := 0; i < int(12*tau) && at+i < len(x); i++ {
		if at+i < 0 {
			continue
		}
		e := math.Exp(-float64(i) / tau)
		v := rng.NormFloat64() * e
		y1 := r1[0]*v - r1[1]*a1 - r1[2]*a2
		a2, a1 = a1, y1
		y2 := r2[0]*v - r2[1]*b1 - r2[2]*b2
		b2, b1 = b1, y2
		thump := 0.3 * math.Exp(-float64(i)/(3*tau)) * math.Sin(2*math.Pi*thumpF*float64(i)/float64(rate))
		x[at+i] += amp * (y1 + 0.5*y2 + thump)
	}
}

// resonator returns {gain, a1, a2} of a two-pole resonance at f Hz with pole
// radius r.
func resonator(f, r float64, rate int) [3]float64 {
	w := 2 * math.Pi * f / float64(rate)
	return [3]float64{1 - r, -2 * r * math.Cos(w), r * r}
}

// onePole returns the coefficient of a one-pole low-pass at fc Hz.
func onePole(fc float64, rate int) float64 {
	return 1 - math.Exp(-2*math.Pi*fc/float64(rate))
}

// Street is traffic: low-passed rumble (brown noise), a pink broadband
// floor, and vehicles passing every few seconds (band-limited noise that
// swells and fades over 2..4 s).
func Street(n, rate int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 5))
	w := White(n, seed+3000)
	floor := Pink(n, seed+4000)
	car := White(n, seed+5000)
	x := make([]float64, n)
	var brown, rumble float64
	lpR := onePole(200, rate)
	var c1, c2 float64
	lpC := onePole(1200, rate)
	type pass struct{ mid, width, amp float64 }
	var passes []pass
	for t := rng.Float64() * 2; t < float64(n)/float64(rate)+2; t += 2 + 4*rng.Float64() {
		passes = append(passes, pass{t, 0.6 + 0.5*rng.Float64(), 1 + 2*rng.Float64()})
	}
	for i := range x {
		t := float64(i) / float64(rate)
		brown = 0.999*brown + 0.05*w[i]
		rumble += lpR * (brown - rumble)
		c1 += lpC * (car[i] - c1)
		c2 += lpC * (c1 - c2)
		var env float64
		for _, p := range passes {
			d := (t - p.mid) / p.width
			if d > -4 && d < 4 {
				env += p.amp * math.Exp(-d*d)
			}
		}
		x[i] = 3*rumble + 0.05*floor[i] + env*c2*2
	}
	return x
}

// normalise scales x to unit power.
func normalise(x []float64) []float64 {
	g := 1 / math.Sqrt(Power(x)+1e-30)
	for i := range x {
		x[i] *= g
	}
	return x
}

// Cafe is babble of the talkers (further away: low-passed) with dishes and
// cutlery: short bright ringing clinks at random times, and a room floor.
func Cafe(n, rate int, talkers [][]float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 6))
	b := normalise(Babble(n, talkers, seed+11))
	floor := normalise(Pink(n, seed+12))
	lp := onePole(3000, rate)
	var y float64
	x := make([]float64, n)
	for i := range x {
		y += lp * (b[i] - y)
		x[i] = y + 0.1*floor[i]
	}
	for t := rng.Float64() * 0.5; int(t*float64(rate)) < n; t += 0.1 + rng.ExpFloat64()*0.6 {
		at := int(t * float64(rate))
		amp := 0.5 + 2*rng.Float64()
		for range 1 + rng.IntN(3) { // a few partials per clink
			f := 2500 + 5000*rng.Float64()
			tau := (0.02 + 0.08*rng.Float64()) * float64(rate)
			ph := rng.Float64() * 2 * math.Pi
			for i := 0; i < int(6*tau) && at+i < n; i++ {
				x[at+i] += amp * math.Exp(-float64(i)/tau) * math.Sin(ph+2*math.Pi*f*float64(i)/float64(rate))
			}
		}
	}
	return x
}

// Car is a car interior: engine firing rumble (a 25..45 Hz fundamental with
// harmonics, rpm wandering), 20..200 Hz road rumble (low-passed brown
// noise, the bulk of the power) and road/wind hiss (band-passed pink noise
// about 20 dB lower).
func Car(n, rate int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	w := White(n, seed+21)
	hiss := Pink(n, seed+22)
	x := make([]float64, n)
	var brown, r1, r2, h1, h2 float64
	lp1, lp2 := onePole(200, rate), onePole(120, rate)
	hp, lpH := onePole(500, rate), onePole(4000, rate)
	f0 := 25 + 20*rng.Float64()
	wander := 0.05 + 0.1*rng.Float64()
	var ph float64
	for i := range x {
		t := float64(i) / float64(rate)
		brown = 0.998*brown + 0.05*w[i]
		r1 += lp1 * (brown - r1)
		r2 += lp2 * (r1 - r2)
		f := f0 * (1 + 0.15*math.Sin(2*math.Pi*wander*t))
		ph += 2 * math.Pi * f / float64(rate)
		eng := 0.5*math.Sin(ph) + 0.3*math.Sin(2*ph+0.3) + 0.15*math.Sin(3*ph+1.1) + 0.08*math.Sin(4*ph+2)
		h1 += hp * (hiss[i] - h1) // h1 follows the low part; hiss-h1 is the high-passed part
		h2 += lpH * ((hiss[i] - h1) - h2)
		x[i] = 8*r2 + 0.05*eng + 0.04*h2
	}
	return x
}

// HVAC is ventilation: mains hum (50 or 60 Hz, chosen by seed) with
// harmonics, a blower tone with its harmonics, and low-passed broadband air
// noise with a slow swell.
func HVAC(n, rate int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 8))
	mains := 50.0
	if rng.IntN(2) == 1 {
		mains = 60
	}
	air := Pink(n, seed+31)
	lp := onePole(800+800*rng.Float64(), rate)
	blade := 90 + 120*rng.Float64()
	var y, phH, phB float64
	amps := make([]float64, 10)
	for h := range amps {
		amps[h] = (0.3 + rng.Float64()) / float64(h+1)
	}
	x := make([]float64, n)
	for i := range x {
		t := float64(i) / float64(rate)
		phH += 2 * math.Pi * mains / float64(rate)
		phB += 2 * math.Pi * blade / float64(rate)
		var hum float64
		for h, a := range amps {
			hum += a * math.Sin(float64(h+1)*phH)
		}
		y += lp * (air[i] - y)
		x[i] = 0.15*hum + 0.1*(math.Sin(phB)+0.5*math.Sin(2*phB)) + 1.5*(1+0.2*math.Sin(2*math.Pi*0.1*t))*y
	}
	return x
}

// Rain is rain on a window: a dense stream of small drops (short decaying
// resonant ticks, a few hundred per second) over high-passed hiss.
func Rain(n, rate int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 9))
	hiss := White(n, seed+41)
	x := make([]float64, n)
	var lo float64
	hp := onePole(1500, rate)
	for i := range x {
		lo += hp * (hiss[i] - lo)
		x[i] = 0.05 * (hiss[i] - lo)
	}
	density := 200 + 300*rng.Float64()
	for t := 0.0; int(t*float64(rate)) < n; t += rng.ExpFloat64() / density {
		at := int(t * float64(rate))
		f := 1000 + 6000*rng.Float64()
		tau := (0.5 + 2*rng.Float64()) / 1000 * float64(rate)
		amp := 0.05 + 0.3*rng.ExpFloat64()
		for i := 0; i < int(6*tau) && at+i < n; i++ {
			x[at+i] += amp * math.Exp(-float64(i)/tau) * math.Sin(2*math.Pi*f*float64(i)/float64(rate))
		}
	}
	return x
}

// Office is an open office: typing bursts (Keyboard), a desk phone ringing
// now and then (two-tone ring, 2 s on 4 s off), doors closing (low thump and
// rattle) and a quiet ventilation floor.
func Office(n, rate int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 10))
	x := Keyboard(n, rate, seed+51)
	floor := normalise(Pink(n, seed+52))
	for i := range x {
		x[i] += 0.01 * floor[i]
	}
	// Phone: starts somewhere in the first 2 s, rings 2 s on, 4 s off.
	f1, f2 := 440.0, 480.0
	if rng.IntN(2) == 1 {
		f1, f2 = 400, 450
	}
	start := rng.Float64() * 2
	for i := range x {
		t := float64(i)/float64(rate) - start
		if t < 0 || math.Mod(t, 6) > 2 {
			continue
		}
		// Two tones with a 20 Hz warble, like an electronic ringer.
		x[i] += 0.08 * (math.Sin(2*math.Pi*f1*t) + math.Sin(2*math.Pi*f2*t)) * (0.5 + 0.5*math.Sin(2*math.Pi*20*t))
	}
	// Doors: one every few seconds.
	for t := 1 + 3*rng.Float64(); int(t*float64(rate)) < n; t += 3 + 5*rng.Float64() {
		at := int(t * float64(rate))
		tau := 0.04 * float64(rate)
		f := 60 + 60*rng.Float64()
		for i := 0; i < int(8*tau) && at+i < n; i++ {
			e := math.Exp(-float64(i) / tau)
			x[at+i] += 1.5 * e * (math.Sin(2*math.Pi*f*float64(i)/float64(rate)) + 0.3*rng.NormFloat64()*e)
		}
	}
	return x
}

// Music is background music: a chord per bar (three voices with harmonic
// timbre and soft attacks), a bass line on the root and a simple
// kick/hi-hat beat, at a tempo and key chosen by the seed.
func Music(n, rate int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 12))
	bpm := 80 + 60*rng.Float64()
	beat := 60 / bpm
	key := 45 + rng.IntN(12)                                         // MIDI note of the tonic (A2..G#3)
	prog := [][]int{{0, 4, 7}, {9, 12, 16}, {5, 9, 12}, {7, 11, 14}} // I vi IV V
	rot := rng.IntN(len(prog))
	hz := func(m float64) float64 { return 440 * math.Pow(2, (m-69)/12) }
	x := make([]float64, n)
	hh := White(n, seed+61)
	fr := float64(rate)
	for i := range x {
		t := float64(i) / fr
		b := int(t / beat)
		bar := b / 4
		chord := prog[(bar+rot)%len(prog)]
		tb := t - float64(bar*4)*beat // time in bar
		env := (1 - math.Exp(-tb/0.05)) * math.Exp(-tb/(3*beat))
		var v float64
		for _, nt := range chord {
			f := hz(float64(key + 12 + nt))
			v += env * (math.Sin(2*math.Pi*f*t) + 0.4*math.Sin(4*math.Pi*f*t) + 0.2*math.Sin(6*math.Pi*f*t))
		}
		tbeat := t - float64(b)*beat
		bass := math.Exp(-tbeat/(0.6*beat)) * math.Sin(2*math.Pi*hz(float64(key+chord[0]%12-12))*t)
		kick := 0.0
		if b%2 == 0 {
			kick = 1.5 * math.Exp(-tbeat/0.05) * math.Sin(2*math.Pi*(50+80*math.Exp(-tbeat/0.02))*tbeat)
		}
		th := math.Mod(t, beat/2)
		hat := 0.1 * math.Exp(-th/0.01) * hh[i]
		x[i] = 0.3*v + 0.8*bass + kick + hat
	}
	return x
}
