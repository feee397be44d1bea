package denoise

import "math"

// fastExp is exp(x) for x ≤ 0 to about 2e-4 relative error: 2^(x·log2 e)
// split into an integer power placed in the exponent bits and a polynomial
// for the fraction. Arguments below -87 give 0; positive ones are treated
// as 0.
func fastExp(x float32) float32 {
	t := min(x, 0) * 1.442695041
	if t < -125 {
		return 0
	}
	i := int32(t+128) - 128 // floor(t)
	f := t - float32(i)
	p := 1 + f*(0.6931472+f*(0.2402265+f*(0.05550411+f*(0.009618129+f*0.001333355))))
	return math.Float32frombits(uint32(int32(math.Float32bits(p)) + i<<23))
}

// fastLog is the natural logarithm of x > 0 to about 3e-5 absolute error;
// values at or below 1e-30 are treated as 1e-30.
func fastLog(x float32) float32 {
	b := math.Float32bits(max(x, 1e-30))
	m := math.Float32frombits(b&0x007fffff | 0x3f800000) // mantissa in [1, 2)
	s := (m - 1) / (m + 1)
	s2 := s * s
	return float32(int32(b>>23)-127)*0.6931472 + s*(2+s2*(2.0/3+s2*(2.0/5+s2*(2.0/7))))
}
