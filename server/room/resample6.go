package room

import (
	"math"

	"github.com/meet-dev/meet/audio"
)

// A fixed 8 kHz ↔ 48 kHz (×6) polyphase resampler for the telephone legs.
// audio.NewResampler handles any rate pair with a long general-purpose
// filter (~52k multiply-adds per 20 ms each way); telephone audio needs
// far less: this one uses a 96-tap Kaiser-windowed low-pass at 3.6 kHz
// (16 taps per output when upsampling, 96 per output when downsampling,
// ~15k multiply-adds per frame each way, stop-band beyond 4.4 kHz < −70 dB).
// It allocates nothing; both directions have a fixed 8-sample (1 ms) delay.

const (
	r6Ratio   = 6
	r6Half    = 8                // input (8 kHz) samples each side of the centre
	r6Taps    = 2 * r6Half       // taps per upsampling phase
	r6Len     = r6Ratio * r6Taps // prototype length at 48 kHz
	r6Cutoff  = 3600.0 / 24000   // of the 48 kHz Nyquist
	r6Beta    = 8.0              // Kaiser window
	r6InFrame = CallerFrame      // 160
	r6Out     = CallerFrame * r6Ratio
)

var (
	r6Up   [r6Ratio][r6Taps]float32 // per output phase
	r6Down [r6Len]float32
)

func init() {
	h := func(n float64) float64 {
		r := n / r6Len * 2
		if r <= -1 || r >= 1 {
			return 0
		}
		return r6Cutoff * audio.Sinc(r6Cutoff*n) * audio.Bessel0(r6Beta*math.Sqrt(1-r*r)) / audio.Bessel0(r6Beta)
	}
	for p := range r6Ratio {
		sum := 0.0
		for i := range r6Taps {
			sum += h(float64(r6Ratio*(r6Half-1-i) + p))
		}
		for i := range r6Taps {
			r6Up[p][i] = float32(h(float64(r6Ratio*(r6Half-1-i)+p)) / sum)
		}
	}
	sum := 0.0
	for i := range r6Len {
		sum += h(float64(i - r6Len/2))
	}
	for i := range r6Len {
		r6Down[i] = float32(h(float64(i-r6Len/2)) / sum)
	}
	initBand()
}

// up6 turns 160-sample 8 kHz frames into 960-sample 48 kHz frames.
type up6 struct {
	buf [r6Taps - 1 + r6InFrame]float32
}

func (u *up6) process(in []int16, out []int16) {
	for i, v := range in[:r6InFrame] {
		u.buf[r6Taps-1+i] = float32(v)
	}
	out = out[:r6Out]
	for j := range r6InFrame {
		w := u.buf[j : j+r6Taps]
		for p := range r6Ratio {
			out[r6Ratio*j+p] = clip16(dot16(w, &r6Up[p]))
		}
	}
	copy(u.buf[:r6Taps-1], u.buf[r6InFrame:])
}

// down6 turns 960-sample 48 kHz frames into 160-sample 8 kHz frames.
type down6 struct {
	buf [r6Len - 1 + r6Out]float32
}

func (d *down6) process(in []int16, out []int16) {
	for i, v := range in[:r6Out] {
		d.buf[r6Len-1+i] = float32(v)
	}
	out = out[:r6InFrame]
	for j := range out {
		out[j] = clip16(dotN(d.buf[r6Ratio*j:r6Ratio*j+r6Len], r6Down[:]))
	}
	copy(d.buf[:r6Len-1], d.buf[r6Out:])
}

func dot16(a []float32, b *[r6Taps]float32) float32 {
	a = a[:r6Taps]
	var s0, s1, s2, s3 float32
	for i := 0; i < r6Taps; i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	return s0 + s1 + s2 + s3
}

func dotN(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

func clip16(v float32) int16 {
	switch {
	case v >= 32767:
		return 32767
	case v <= -32768:
		return -32768
	case v >= 0:
		return int16(v + 0.5)
	}
	return int16(v - 0.5)
}
