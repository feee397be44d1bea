package denoise

import (
	"math"
	"testing"
)

func TestFastMath(t *testing.T) {
	for x := float32(-80); x <= 0; x += 0.0137 {
		got, want := float64(fastExp(x)), math.Exp(float64(x))
		if math.Abs(got-want) > 3e-4*want {
			t.Fatalf("fastExp(%v) = %v, want %v", x, got, want)
		}
	}
	if fastExp(-100) != 0 || fastExp(3) != 1 {
		t.Fatal("fastExp range")
	}
	for x := float32(1e-20); x < 1e20; x *= 1.37 {
		got, want := float64(fastLog(x)), math.Log(float64(x))
		if math.Abs(got-want) > 4e-5*math.Max(1, math.Abs(want)) {
			t.Fatalf("fastLog(%v) = %v, want %v", x, got, want)
		}
	}
	if v := fastLog(0); math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
		t.Fatal("fastLog(0) not finite")
	}
}
