package softphone

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
)

// clockedSpeaker models a sound card for delay measurement: like
// device.Playback it queues what it is given in a ring of 60 ms (dropping the
// oldest when full) and reports Buffered; a goroutine stands in for the
// device and takes 10 ms every 10 ms of wall-clock time, or plays silence
// when less is queued. The device's instants are kept exactly even when the
// goroutine wakes late on a loaded machine: each take only sees what was
// written before its instant. Frames marked with their packet's arrival (through
// receiver.onFrame) yield the packet→playback delay: arrival until the
// device takes the frame's first sample.
type clockedSpeaker struct {
	mu      sync.Mutex
	q       audio.PCM16
	written int64 // samples ever queued
	taken   int64 // samples ever taken by the device (or dropped)
	pending time.Time
	marks   []speakerMark
	writes  []speakerWrite // when the samples were queued, oldest first
	delays  []time.Duration
	measure bool // record delays (after a warm-up)
	stop    chan struct{}
	done    chan struct{}
}

type speakerMark struct {
	at      int64 // sample index of the frame's first sample
	arrival time.Time
}

type speakerWrite struct {
	at    time.Time
	total int64 // written after this write
}

const speakerFrame, speakerRing = 480, 6 * 480

func newClockedSpeaker() *clockedSpeaker {
	s := &clockedSpeaker{stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s
}

// frame is receiver.onFrame: the next write starts a frame that arrived then.
func (s *clockedSpeaker) frame(arrival time.Time) {
	s.mu.Lock()
	s.pending = arrival
	s.mu.Unlock()
}

func (s *clockedSpeaker) WriteSample(in audio.PCM16) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.pending.IsZero() {
		s.marks = append(s.marks, speakerMark{at: s.written, arrival: s.pending})
		s.pending = time.Time{}
	}
	s.q = append(s.q, in...)
	s.written += int64(len(in))
	s.writes = append(s.writes, speakerWrite{at: time.Now(), total: s.written})
	if over := len(s.q) - speakerRing; over > 0 {
		s.q = s.q[over:]
		s.taken += int64(over)
	}
	return nil
}

func (s *clockedSpeaker) run() {
	defer close(s.done)
	next := time.Now()
	for {
		next = next.Add(10 * time.Millisecond)
		select {
		case <-s.stop:
			return
		case <-time.After(time.Until(next)):
		}
		for now := time.Now(); !next.After(now); next = next.Add(10 * time.Millisecond) {
			s.take(next)
		}
		next = next.Add(-10 * time.Millisecond)
	}
}

// take is the device taking a frame at instant now.
func (s *clockedSpeaker) take(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var avail int64 // samples written by now
	for _, w := range s.writes {
		if w.at.After(now) {
			break
		}
		avail = w.total
	}
	if avail-s.taken < speakerFrame || len(s.q) < speakerFrame {
		return // underrun: the device plays silence
	}
	for len(s.writes) > 1 && s.writes[1].total <= s.taken {
		s.writes = s.writes[1:]
	}
	s.q = s.q[speakerFrame:]
	from, to := s.taken, s.taken+speakerFrame
	s.taken = to
	keep := s.marks[:0]
	for _, m := range s.marks {
		switch {
		case m.at < from: // dropped unplayed
		case m.at < to:
			if s.measure {
				s.delays = append(s.delays, now.Sub(m.arrival)+time.Duration(m.at-from)*time.Second/48000)
			}
		default:
			keep = append(keep, m)
		}
	}
	s.marks = keep
}

// Buffered is how much audio waits, as device.Playback reports it.
func (s *clockedSpeaker) Buffered() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Duration(len(s.q)) * time.Second / 48000
}

func (s *clockedSpeaker) startMeasuring() {
	s.mu.Lock()
	s.measure = true
	s.mu.Unlock()
}

func (s *clockedSpeaker) results() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.delays)
}

func (s *clockedSpeaker) SampleRate() int { return 48000 }
func (s *clockedSpeaker) String() string  { return "Speaker(48000)" }
func (s *clockedSpeaker) Close() error {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
	return nil
}

// measureRecvDelay runs a phone against a real pion peer on loopback that
// sends a tone in 20 ms Opus packets (each up to jitter late), with a
// clockedSpeaker as its speaker, and returns the packet→playback delay of
// every frame played after a warm-up, and the phone's figures at the end.
func measureRecvDelay(tb testing.TB, d, jitter time.Duration) ([]time.Duration, Stats) {
	srv := newTestServer(tb, serverHz)
	srv.jitter = jitter
	spk := newClockedSpeaker()
	p := startPhone(tb, srv, WithDenoise(false), func(o *options) { o.sink = spk })
	defer p.Close()
	p.recv.mu.Lock()
	p.recv.onFrame = spk.frame
	p.recv.mu.Unlock()
	p.Joined(api.JoinResult{Call: api.Call{ID: 1}})
	time.Sleep(500 * time.Millisecond)
	spk.startMeasuring()
	time.Sleep(d)
	return spk.results(), p.Snapshot()
}

// BenchmarkClientLatency is the delay the client adds on each side of the
// network: capture→packet (sample-exact, see TestPipelineDelay) and
// packet→playback (real pion peers on loopback, 3 s of 20 ms Opus packets
// played through a model sound card: jitter-buffer wait, decode and the
// playback queue, until the device takes the frame's first sample; the
// device's own output latency is not included), on a clean link and with
// packets sent up to 10 ms late at random. "%concealed" is the share of
// frames made up by PLC/FEC. Wall-clock figures: on a loaded machine run it
// several times.
func BenchmarkClientLatency(b *testing.B) {
	send := measureSendDelay(b)
	for _, c := range []struct {
		name   string
		jitter time.Duration
	}{{"clean", 0}, {"jitter-10ms", 10 * time.Millisecond}} {
		b.Run(c.name, func(b *testing.B) {
			var recv []time.Duration
			var concealed, received uint64
			var st Stats
			for i := 0; i < b.N; i++ {
				var got []time.Duration
				got, st = measureRecvDelay(b, 3*time.Second, c.jitter)
				recv = append(recv, got...)
				concealed += st.Concealed
				received += st.PacketsReceived
			}
			if len(recv) == 0 {
				b.Fatal("no frame reached the speaker")
			}
			var sum, worst time.Duration
			for _, d := range recv {
				sum += d
				worst = max(worst, d)
			}
			mean := float64(sum) / float64(len(recv)) / 1e6
			b.ReportMetric(send.mean, "ms-send-mean")
			b.ReportMetric(send.max, "ms-send-max")
			b.ReportMetric(mean, "ms-recv-mean")
			b.ReportMetric(float64(worst)/1e6, "ms-recv-max")
			b.ReportMetric(send.mean+mean, "ms-total-mean")
			b.ReportMetric(100*float64(concealed)/float64(max(received, 1)), "%concealed")
			b.Logf("%d frames; jitter %v, buffer target %v, mean wait in jitter buffer %v, concealed %d, skipped %d, time-compressed %d (%.1f ms left out)",
				len(recv), st.Jitter, st.BufferDepth, st.BufferWait, st.Concealed, st.Skipped, st.Accelerated, st.CompressedMs)
		})
	}
}

// BenchmarkPhoneCPU is the process CPU during 3 s of a real call on
// loopback: the whole phone (WAV microphone paced in real time, denoise,
// Opus, pion/SRTP both ways, jitter buffer, playout into a model sound
// card) plus the test peer playing meetd, kept cheap (pre-encoded packets,
// nothing decoded) but still running pion/SRTP both ways: an upper bound of
// the phone's share. "%core" is CPU time / wall time.
func BenchmarkPhoneCPU(b *testing.B) {
	var cpu, wall time.Duration
	for i := 0; i < b.N; i++ {
		srv := newTestServer(b, serverHz)
		srv.cheap = true
		spk := newClockedSpeaker()
		in := writeToneWAV(b, 48000, micHz)
		p := startPhone(b, srv, WithInputWAV(in), func(o *options) { o.sink = spk })
		p.Joined(api.JoinResult{Call: api.Call{ID: 1}})
		time.Sleep(500 * time.Millisecond)
		c0, t0 := cpuTime(), time.Now()
		time.Sleep(3 * time.Second)
		cpu += cpuTime() - c0
		wall += time.Since(t0)
		st := p.Snapshot()
		p.Close()
		srv.close()
		if st.PacketsSent < 100 || st.PacketsReceived < 100 {
			b.Fatalf("call did not carry audio: %+v", st)
		}
	}
	b.ReportMetric(100*float64(cpu)/float64(wall), "%core")
}
