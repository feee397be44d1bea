package denoise

import "math"

// fastExp is exp(x) to about 2e-4 relative error: 2^(x·log2 e) split into an
// integer power set in the exponent bits and a polynomial for the fraction.
func fastExp(x float32) float32 {
	if x < -87 {
		return 0
	}
	if x > 88 {
		x = 88
	}
	t := x * 1.442695041
	i := int32(t)
	if float32(i) > t {
		i--
	}
	f := t - float32(i)
	p := 1 + f*(0.6931472+f*(0.2402265+f*(0.05550411+f*(0.009618129+f*0.001333355))))
	return math.Float32frombits(uint32(int32(math.Float32bits(p)) + i<<23))
}

// fastLog is the natural logarithm of x > 0 to about 1e-5 absolute error;
// values at or below 1e-30 are treated as 1e-30.
func fastLog(x float32) float32 {
	if x < 1e-30 || x != x {
		x = 1e-30
	}
	b := math.Float32bits(x)
	e := float32(int32(b>>23&0xff) - 127)
	m := math.Float32frombits(b&0x007fffff | 0x3f800000) // mantissa in [1, 2)
	s := (m - 1) / (m + 1)
	s2 := s * s
	return e*0.6931472 + 2*s*(1+s2*(1.0/3+s2*(1.0/5+s2*(1.0/7+s2*(1.0/9)))))
}
