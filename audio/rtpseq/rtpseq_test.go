package rtpseq

import "testing"

func TestBefore(t *testing.T) {
	for _, tc := range []struct {
		a, b uint16
		want bool
	}{
		{1, 2, true}, {2, 1, false}, {5, 5, false},
		{65535, 0, true}, {0, 65535, false}, // wrap
		{0, 32767, true}, {0, 32768, false}, {32768, 0, false}, // half the space: neither
	} {
		if got := Before(tc.a, tc.b); got != tc.want {
			t.Errorf("Before(%d, %d) = %v", tc.a, tc.b, got)
		}
	}
}

func TestCounter(t *testing.T) {
	var c Counter
	if c.Started() || c.Expected() != 0 || c.LossFraction() != 0 {
		t.Fatal("zero counter")
	}
	// 65533..65535, 0, 2 (1 lost), 65534 again (late duplicate), across a wrap.
	for _, s := range []uint16{65533, 65534, 65535, 0, 2, 65534} {
		c.Add(s)
	}
	if c.Base() != 65533 || c.ExtendedMax() != 1<<16+2 {
		t.Fatalf("base %d ext max %d", c.Base(), c.ExtendedMax())
	}
	if c.Expected() != 6 || c.Received() != 6 || c.Lost() != 0 {
		t.Fatalf("expected %d received %d lost %d", c.Expected(), c.Received(), c.Lost())
	}
	c.Add(10) // 3..9 lost
	if c.Expected() != 14 || c.Lost() != 7 || c.LossFraction() != 0.5 {
		t.Fatalf("expected %d lost %d fraction %v", c.Expected(), c.Lost(), c.LossFraction())
	}
}
