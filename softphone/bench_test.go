package softphone

import (
	"syscall"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

// packetRecorder is a packetSink that keeps the last packet.
type packetRecorder struct {
	last []byte
	n    int
}

func (r *packetRecorder) WritePacket(b []byte, _ time.Duration) error {
	r.last = append(r.last[:0], b...)
	r.n++
	return nil
}
func (r *packetRecorder) String() string { return "Track" }

// BenchmarkClientPipeline is the softphone's whole audio work for one 20 ms
// frame of a call: two 10 ms microphone frames through Denoise -> Meter ->
// Mute -> Opus(encode), and one received packet through the jitter buffer,
// Opus(decode) -> Meter -> Ring -> speaker. "%core" is the share of one core
// the call costs (time per frame / 20 ms).
func BenchmarkClientPipeline(b *testing.B) {
	for _, ns := range []bool{true, false} {
		name := "denoise"
		if !ns {
			name = "no-denoise"
		}
		b.Run(name, func(b *testing.B) {
			rec := &packetRecorder{}
			sp, err := buildSendPipeline(CodecOpus, rec, ns)
			if err != nil {
				b.Fatal(err)
			}
			ring, err := newRingStage(audio.Discard(48000))
			if err != nil {
				b.Fatal(err)
			}
			rp, err := buildRecvPipeline(CodecOpus, audio.NewMeter(ring))
			if err != nil {
				b.Fatal(err)
			}
			jb := newJitterBuffer(frameDuration, 48000)
			mic := audiotest.Mix(audiotest.Tone(48000, 440, 0.3, 48000), audiotest.Noise(48000, 0.02, 1))
			frame := make(audio.PCM16, 480)
			t0 := time.Now()
			pos := 0
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				for k := 0; k < 2; k++ {
					copy(frame, mic[pos:pos+480])
					pos = (pos + 480) % len(mic)
					if err := sp.head.WriteSample(frame); err != nil {
						b.Fatal(err)
					}
				}
				now := t0.Add(time.Duration(i) * frameDuration)
				jb.push(uint16(i), uint32(i*960), rec.last, now)
				st, pkt := jb.pop(now)
				if st != jbFrame {
					b.Fatalf("jitter buffer gave %v", st)
				}
				pcm, err := rp.dec.decode(pkt)
				if err != nil {
					b.Fatal(err)
				}
				if err := rp.head.WriteSample(pcm); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			// CPU time, not wall time: the machine is shared, and what a call
			// costs is the processor time it takes.
			perFrame := float64(cpuTime()-cpu0) / float64(b.N)
			b.ReportMetric(perFrame/1e3, "cpu-µs/frame")
			b.ReportMetric(100*perFrame/float64(frameDuration), "%core")
		})
	}
}

// TestPipelineDelay measures what the client adds between the microphone
// and the network, sample-exact and without a clock: a click is sent through
// Denoise -> Meter -> Mute -> Opus(encode) and decoded again, at ten
// positions across a 20 ms packet. It reports the algorithmic delay (denoise
// overlap-add + Opus look-ahead) and the capture→packet delay: from the
// click entering the microphone to the packet carrying it leaving (the 10 ms
// capture block, the algorithmic delay and the wait for a whole frame).
func TestPipelineDelay(t *testing.T) {
	d := measureSendDelay(t)
	t.Logf("algorithmic delay (denoise + Opus look-ahead) %.1f ms; capture → packet sent: mean %.1f ms, max %.1f ms",
		d.algo, d.mean, d.max)
	if d.algo > 25 || d.max > 55 {
		t.Errorf("send path delay too high: algorithmic %.1f ms, capture→packet max %.1f ms", d.algo, d.max)
	}
}

type sendDelay struct{ algo, mean, max float64 }

// measureSendDelay runs clickDelay at ten click positions, 2 ms apart.
func measureSendDelay(t testing.TB) sendDelay {
	var d sendDelay
	const positions = 10
	for k := 0; k < positions; k++ {
		algo, send := clickDelay(t, 30000+k*96)
		d.algo += algo / positions
		d.mean += send / positions
		d.max = max(d.max, send)
	}
	return d
}

// clickDelay returns, in ms, the decoded click's delay and the time from the
// click entering the microphone to the packet that carries it leaving. The
// microphone delivers 10 ms blocks, each at its end.
func clickDelay(t testing.TB, click int) (algo, send float64) {
	rec := &packetRecorder{}
	sp, err := buildSendPipeline(CodecOpus, rec, true)
	if err != nil {
		t.Fatal(err)
	}
	out := audio.NewBuffer(48000)
	rp, err := buildRecvPipeline(CodecOpus, out)
	if err != nil {
		t.Fatal(err)
	}
	const n = 48000
	in := audiotest.Tone(48000, 300, 0.2, n) // a bed the suppressor keeps
	for i := click; i < click+48; i++ {
		in[i] = 30000
	}
	var packetAt []int // input samples delivered when each packet left
	for off := 0; off < n; off += 480 {
		before := rec.n
		if err := sp.head.WriteSample(in[off : off+480]); err != nil {
			t.Fatal(err)
		}
		for ; before < rec.n; before++ {
			pcm, err := rp.dec.decode(rec.last)
			if err != nil {
				t.Fatal(err)
			}
			rp.head.WriteSample(pcm)
			packetAt = append(packetAt, off+480)
		}
	}
	got := out.Samples()
	peak := click
	for i := click; i < len(got); i++ {
		if abs16(got[i]) > abs16(got[peak]) {
			peak = i
		}
	}
	frame := len(got) / len(packetAt)
	return float64(peak-click) / 48, float64(packetAt[peak/frame]-click) / 48
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func abs16(v int16) int {
	if v < 0 {
		return -int(v)
	}
	return int(v)
}
