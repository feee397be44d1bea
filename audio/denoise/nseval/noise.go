package nseval

import (
	"math"
	"math/rand/v2"
)

// The noise generators below are deterministic for a seed and return n
// samples at rate Hz with arbitrary scale (Mix sets the level).

// NoiseKinds lists the generated noise types in table order.
var NoiseKinds = []string{"white", "pink", "babble", "fan", "keyboard", "street"}

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
