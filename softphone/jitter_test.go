package softphone

import (
	"testing"
	"time"
)

const f20 = 20 * time.Millisecond

type jbStep struct {
	status  jbStatus
	payload string
}

func pkt(seq uint16) []byte { return []byte{byte(seq >> 8), byte(seq)} }

func popAll(j *jitterBuffer, now time.Time, n int) []jbStep {
	var out []jbStep
	for i := 0; i < n; i++ {
		st, p := j.pop(now)
		out = append(out, jbStep{st, string(p)})
	}
	return out
}

func TestJitterBufferReordersAndConceals(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newJitterBuffer(f20, 48000)
	// 10, 12, 11 arrive together (reordered), 13 is lost, 14 arrives.
	for _, s := range []uint16{10, 12, 11, 14} {
		j.push(s, uint32(s)*960, pkt(s), t0)
	}
	got := popAll(j, t0, 5)
	want := []jbStep{
		{jbFrame, string(pkt(10))},
		{jbFrame, string(pkt(11))},
		{jbFrame, string(pkt(12))},
		{jbLost, string(pkt(14))}, // 13 missing: FEC from 14
		{jbFrame, string(pkt(14))},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("pop %d = %v %q, want %v %q", i, got[i].status, got[i].payload, want[i].status, want[i].payload)
		}
	}
	// 13 finally arrives: late, dropped.
	j.push(13, 13*960, pkt(13), t0)
	if j.late != 1 {
		t.Fatalf("late = %d, want 1", j.late)
	}
	if j.concealed != 1 || j.played != 4 {
		t.Fatalf("concealed=%d played=%d, want 1 and 4", j.concealed, j.played)
	}
	if lf := j.lossFraction(); lf != 0 {
		t.Fatalf("loss fraction %v after the late packet arrived, want 0", lf)
	}
}

func TestJitterBufferStreamStopRebuffers(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newJitterBuffer(f20, 48000)
	j.push(1, 960, pkt(1), t0)
	if st, _ := j.pop(t0); st != jbFrame {
		t.Fatalf("first pop %v, want frame", st)
	}
	// Catch-up pops right after a packet arrived conceal but keep playing.
	for i := 0; i < 6; i++ {
		if st, p := j.pop(t0.Add(10 * time.Millisecond)); st != jbLost || p != nil {
			t.Fatalf("underrun pop %d = %v, want PLC", i, st)
		}
	}
	if st, _ := j.pop(t0.Add(100 * time.Millisecond)); st != jbSilence {
		t.Fatalf("100 ms without packets got %v, want silence (rebuffering)", st)
	}
	if j.boost == 0 {
		t.Fatal("underruns did not deepen the buffer")
	}
	// The stream comes back far ahead: buffering restarts from the new packet.
	tg := j.target()
	for s := uint16(500); s < 500+uint16(tg); s++ {
		j.push(s, uint32(s)*960, pkt(s), t0.Add(time.Duration(s)*f20))
	}
	if st, p := j.pop(t0); st != jbFrame || p[1] != byte(500%256) {
		t.Fatalf("after rebuffer got %v %v, want frame 500", st, p)
	}
}

func TestJitterBufferAdaptsToJitter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	steady := newJitterBuffer(f20, 48000)
	jumpy := newJitterBuffer(f20, 48000)
	for i := 0; i < 200; i++ {
		s := uint16(i)
		steady.push(s, uint32(i)*960, pkt(s), t0.Add(time.Duration(i)*f20))
		var d time.Duration
		if i%2 == 1 {
			d = 30 * time.Millisecond // every other packet 30 ms late
		}
		jumpy.push(s, uint32(i)*960, pkt(s), t0.Add(time.Duration(i)*f20+d))
		steady.pop(t0)
		jumpy.pop(t0)
	}
	if got := steady.target(); got != 1 {
		t.Errorf("steady target = %d frames, want 1", got)
	}
	if got := jumpy.target(); got < 4 {
		t.Errorf("jumpy target = %d frames (jitter %v), want >= 4", got, jumpy.jitterDuration())
	}
	if jd := jumpy.jitterDuration(); jd < 20*time.Millisecond || jd > 40*time.Millisecond {
		t.Errorf("jitter estimate %v, want about 30 ms", jd)
	}
}

func TestJitterBufferTrimsExcess(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newJitterBuffer(f20, 48000)
	for s := uint16(0); s < 8; s++ {
		j.push(s, uint32(s)*960, pkt(s), t0.Add(time.Duration(s)*f20))
	}
	st, p := j.pop(t0)
	if st != jbFrame || p[1] != 5 { // target 1: keep at most 3 waiting, play from 5
		t.Fatalf("pop = %v %v, want frame 5", st, p)
	}
	if j.overflow != 5 {
		t.Fatalf("overflow = %d, want 5", j.overflow)
	}
}

func TestJitterBufferLossAcrossWrap(t *testing.T) {
	t0 := time.Unix(1000, 0)
	j := newJitterBuffer(f20, 48000)
	n := 0
	for s := uint16(65530); s != 10; s++ {
		if s == 2 || s == 65534 {
			continue // two lost
		}
		j.push(s, 0, pkt(s), t0)
		n++
	}
	want := 2.0 / 16.0
	if got := j.lossFraction(); got < want-1e-9 || got > want+1e-9 {
		t.Fatalf("loss = %v, want %v (%d received)", got, want, n)
	}
}

func TestSeqBefore(t *testing.T) {
	for _, c := range []struct {
		a, b uint16
		want bool
	}{{1, 2, true}, {2, 1, false}, {65535, 0, true}, {0, 65535, false}, {5, 5, false}} {
		if got := seqBefore(c.a, c.b); got != c.want {
			t.Errorf("seqBefore(%d,%d) = %v", c.a, c.b, got)
		}
	}
}
