package telephony_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/internal/simcaller"
	"github.com/meet-dev/meet/softphone"
)

// stamped is a frame of audio and when it was sent or heard.
type stamped struct {
	at  time.Time
	pcm []int16
}

// tape records stamped frames (at 8 kHz: 48 kHz frames are decimated).
type tape struct {
	mu     sync.Mutex
	frames []stamped
}

func (t *tape) add(at time.Time, pcm []int16, rate int) {
	f := decimate(pcm, rate/8000)
	t.mu.Lock()
	t.frames = append(t.frames, stamped{at, f})
	t.mu.Unlock()
}

// decimate averages groups of k samples (a crude low-pass: the chirp stays
// below 3 kHz, well inside 8 kHz sampling).
func decimate(pcm []int16, k int) []int16 {
	if k <= 1 {
		return append([]int16(nil), pcm...)
	}
	out := make([]int16, len(pcm)/k)
	for i := range out {
		s := 0
		for _, v := range pcm[i*k : i*k+k] {
			s += int(v)
		}
		out[i] = int16(s / k)
	}
	return out
}

const (
	chirpLen    = 800 // 100 ms at 8 kHz
	chirpPeriod = time.Second
)

// chirp is a Hann-windowed linear sweep from 300 to 3000 Hz over n samples.
func chirp(rate, n int, amp float64) []float64 {
	out := make([]float64, n)
	d := float64(n) / float64(rate)
	for i := range out {
		t := float64(i) / float64(rate)
		ph := 2 * math.Pi * (300*t + (3000-300)/(2*d)*t*t)
		w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		out[i] = amp * w * math.Sin(ph)
	}
	return out
}

// chirpEvery is `period` of audio at rate with the chirp starting at off.
func chirpEvery(rate int, period, off time.Duration) audio.PCM16 {
	n := int(period.Seconds() * float64(rate))
	out := make(audio.PCM16, n)
	c := chirp(rate, chirpLen*rate/8000, 0.3)
	o := int(off.Seconds() * float64(rate))
	for i, v := range c {
		out[(o+i)%n] = int16(v * 32767)
	}
	return out
}

// onsets finds the chirp in the tape by normalised cross-correlation
// (peaks above 0.6, at least half a period apart) and returns when each
// began: the time of its frame plus its offset in the frame.
func (t *tape) onsets() []time.Time {
	t.mu.Lock()
	frames := append([]stamped(nil), t.frames...)
	t.mu.Unlock()
	var x []float64
	var at []time.Time // time of each sample
	for _, f := range frames {
		for i, v := range f.pcm {
			x = append(x, float64(v))
			at = append(at, f.at.Add(time.Duration(i)*time.Second/8000))
		}
	}
	tmpl := chirp(8000, chirpLen, 1)
	var tn float64
	for _, v := range tmpl {
		tn += v * v
	}
	tn = math.Sqrt(tn)
	var out []time.Time
	last := -1 << 30
	for p := 0; p+len(tmpl) <= len(x); p++ {
		var dot, e float64
		for i, v := range tmpl {
			dot += x[p+i] * v
			e += x[p+i] * x[p+i]
		}
		if e == 0 {
			continue
		}
		ncc := dot / (math.Sqrt(e) * tn)
		if ncc < 0.6 {
			continue
		}
		// The best peak within a short neighbourhood.
		best, bestP := ncc, p
		for q := p + 1; q < p+80 && q+len(tmpl) <= len(x); q++ {
			var d2, e2 float64
			for i, v := range tmpl {
				d2 += x[q+i] * v
				e2 += x[q+i] * x[q+i]
			}
			if e2 > 0 && d2/(math.Sqrt(e2)*tn) > best {
				best, bestP = d2/(math.Sqrt(e2)*tn), q
			}
		}
		if bestP-last >= 4000 {
			out = append(out, at[bestP])
			last = bestP
		}
		p = bestP + 4000 - 1
	}
	return out
}

// delays pairs each sent onset after from with the first heard onset
// within 400 ms after it.
func delays(sent, heard []time.Time, from time.Time) []time.Duration {
	var out []time.Duration
	for _, s := range sent {
		if s.Before(from) {
			continue
		}
		for _, h := range heard {
			if d := h.Sub(s); d > 0 && d < 400*time.Millisecond {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// BenchmarkMouthToEar measures the delay of the whole path each way, over
// real sockets: a SIP caller (simcaller, PCMU over UDP) ↔ meetd in-process
// (trunk, room, mixer) ↔ the operator's softphone (pion WebRTC over
// loopback, Opus, noise suppression on, jitter buffer, playout). Each side
// plays a 100 ms chirp once a second; the delay is from the chirp entering
// the sender (the caller's packet leaving, the operator's microphone frame
// entering the send pipeline) to its onset in what the other side hears
// (the caller's received packets, the operator's speaker writes), found by
// cross-correlation at 8 kHz. Sound-card buffers are outside the
// measurement. Metrics: "ms-caller-to-op" and "ms-op-to-caller" (means) and
// their maxima, over one 8 s call per iteration.
func BenchmarkMouthToEar(b *testing.B) {
	quietLogs(b)
	ctx, cancel := contextFor(b)
	defer cancel()
	st := startStack(b, ctx, seedOperator("op@example.com"))
	mic := filepath.Join(b.TempDir(), "mic.wav")
	f, err := os.Create(mic)
	if err != nil {
		b.Fatal(err)
	}
	if err := audio.WriteWAV(f, 48000, chirpEvery(48000, chirpPeriod, 0)); err != nil {
		b.Fatal(err)
	}
	f.Close()
	var opSent, opHeard, callerSent, callerHeard tape
	c := client.New(st.url)
	me, err := c.Login(ctx, "op@example.com", "password-1")
	if err != nil {
		b.Fatal(err)
	}
	stream := c.Stream(ctx, 0)
	defer stream.Close()
	for s := range stream.Status() {
		if s.State == client.Connected {
			break
		}
	}
	spk := &tapSink{t: &opHeard}
	phone, err := softphone.New(stream, softphone.WithLoopbackICE(), softphone.WithInputWAV(mic), softphone.WithSpeaker(spk),
		softphone.WithDenoise(true), softphone.WithMicTap(func(at time.Time, fr audio.PCM16) { opSent.add(at, fr, 48000) }))
	if err != nil {
		b.Fatal(err)
	}
	if err := phone.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer phone.Close()
	for !st.tel.Rooms.Online(me.Staff.ID) {
		if ctx.Err() != nil {
			b.Fatal("softphone never came online")
		}
		time.Sleep(20 * time.Millisecond)
	}
	accepted := make(chan time.Time, 1)
	go func() {
		for ev := range stream.Events() {
			if ev.Type == api.EvCallRinging && ev.StaffID == me.Staff.ID {
				res, err := c.Accept(ctx, ev.CallID)
				if err != nil {
					b.Errorf("accept: %v", err)
					return
				}
				phone.Joined(res)
				accepted <- time.Now()
			}
		}
	}()
	caller, err := simcaller.New("127.0.0.1", "+819011112222")
	if err != nil {
		b.Fatal(err)
	}
	defer caller.Close()
	if _, err := caller.ServeUDP(ctx, "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	var up, down []time.Duration
	before, _ := st.tel.Rooms.StaffStats(me.Staff.ID)
	for range b.N {
		for _, t := range []*tape{&opSent, &opHeard, &callerSent, &callerHeard} {
			t.mu.Lock()
			t.frames = nil
			t.mu.Unlock()
		}
		res, err := caller.Call(ctx, st.sip, number, simcaller.CallPlan{Audio: chirpEvery(8000, chirpPeriod, chirpPeriod/2),
			TalkFor: 8 * time.Second,
			Heard:   func(at time.Time, pcm []int16) { callerHeard.add(at, pcm, 8000) },
			Spoken:  func(at time.Time, pcm []int16) { callerSent.add(at, pcm, 8000) }})
		if err != nil || !res.Answered {
			b.Fatalf("call: %v (status %d)", err, res.Status)
		}
		t0 := <-accepted
		phone.Left()
		from := t0.Add(500 * time.Millisecond) // the path has settled
		u := delays(callerSent.onsets(), opHeard.onsets(), from)
		d := delays(opSent.onsets(), callerHeard.onsets(), from)
		if len(u) < 3 || len(d) < 3 {
			b.Fatalf("chirps matched: caller → operator %d, operator → caller %d (want ≥ 3 each)", len(u), len(d))
		}
		b.Logf("caller → operator %v; operator → caller %v", u, d)
		// What the room's jitter buffer did to the operator's stream (the
		// quality side of the delay): frames concealed, packets late, and
		// packets dropped to cut the delay.
		after, _ := st.tel.Rooms.StaffStats(me.Staff.ID)
		b.Logf("operator's stream at meetd: %d packets, %d frames concealed (%d by FEC), %d late, %d dropped to cut delay",
			after.Received-before.Received, after.Lost-before.Lost, after.FEC-before.FEC, after.Late-before.Late, after.Skipped-before.Skipped)
		before = after
		up, down = append(up, u...), append(down, d...)
		for len(st.tel.Calls.LiveCalls()) > 0 {
			if ctx.Err() != nil {
				b.Fatal("the call never ended")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	stat := func(ds []time.Duration) (mean, worst float64) {
		var s time.Duration
		var w time.Duration
		for _, d := range ds {
			s += d
			w = max(w, d)
		}
		return float64(s) / float64(len(ds)) / 1e6, float64(w) / 1e6
	}
	m, w := stat(up)
	b.ReportMetric(m, "ms-caller-to-op")
	b.ReportMetric(w, "max-ms-caller-to-op")
	m, w = stat(down)
	b.ReportMetric(m, "ms-op-to-caller")
	b.ReportMetric(w, "max-ms-op-to-caller")
}

// tapSink is a speaker that records what it plays, when.
type tapSink struct{ t *tape }

func (s *tapSink) WriteSample(p audio.PCM16) error { s.t.add(time.Now(), p, 48000); return nil }
func (s *tapSink) SampleRate() int                 { return 48000 }
func (s *tapSink) String() string                  { return "Tape" }
func (s *tapSink) Close() error                    { return nil }

func contextFor(b *testing.B) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Minute)
}
