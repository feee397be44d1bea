package simcaller

import (
	"context"
	"math"
	"testing"
	"time"
)

func tone(freq float64, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*freq*float64(i)/8000))
	}
	return out
}

// power of freq in s relative to the signal's energy (Goertzel).
func relPower(s []int16, freq float64) float64 {
	k := 2 * math.Cos(2*math.Pi*freq/8000)
	var s1, s2, energy float64
	for _, v := range s {
		x := float64(v)
		s0 := x + k*s1 - s2
		s2, s1 = s1, s0
		energy += x * x
	}
	if energy == 0 {
		return 0
	}
	p := s1*s1 + s2*s2 - k*s1*s2
	return p / (energy * float64(len(s)) / 2)
}

func TestCallBetweenTwoPhones(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	callee, err := New("127.0.0.1", "+815000000001")
	if err != nil {
		t.Fatal(err)
	}
	defer callee.Close()
	callee.OnCall(func(from, to string) (AnswerPlan, bool) {
		return AnswerPlan{Delay: 100 * time.Millisecond, Audio: tone(1000, 8000)}, true
	})
	addr, err := callee.ServeUDP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	caller, err := New("127.0.0.1", "+819000000001")
	if err != nil {
		t.Fatal(err)
	}
	defer caller.Close()
	if _, err := caller.ServeUDP(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	res, err := caller.Call(ctx, addr.String(), "+815000000001", CallPlan{Audio: tone(440, 8000), TalkFor: 800 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Answered || res.Status != 200 || res.HungUpBy != "us" {
		t.Fatalf("result %+v", res)
	}
	if p := relPower(res.Recorded, 1000); p < 0.5 {
		t.Fatalf("caller did not hear the callee 1000 Hz tone: power %.3f over %d samples; res=%+v", p, len(res.Recorded), res.Status)
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(callee.Answered()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := callee.Answered()
	if len(got) != 1 {
		t.Fatalf("callee answered %d calls", len(got))
	}
	if got[0].HungUpBy != "them" || got[0].From != "+819000000001" {
		t.Fatalf("callee result %+v", got[0])
	}
	if p := relPower(got[0].Recorded, 440); p < 0.5 {
		t.Fatalf("callee did not hear 440 Hz: %.3f", p)
	}
}

func TestDeclinedCall(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	callee, _ := New("127.0.0.1", "+815000000002")
	defer callee.Close()
	addr, err := callee.ServeUDP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	caller, _ := New("127.0.0.1", "+819000000002")
	defer caller.Close()
	if _, err := caller.ServeUDP(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	res, err := caller.Call(ctx, addr.String(), "+815000000002", CallPlan{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Answered || res.Status != 486 {
		t.Fatalf("want 486, got %+v", res)
	}
}
