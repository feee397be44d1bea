package room

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/zaf/g711"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/mixer"
	"github.com/meet-dev/meet/audio/opus"
)

// g711Caller stands in for the trunk's CallMedia including its G.711 work:
// every ReadFrame decodes a μ-law frame, every WriteFrame encodes one. It
// also delivers the operator's next Opus packet, as if it had just arrived.
type g711Caller struct {
	ulaw  [][]byte
	n     int
	out   [CallerFrame]byte
	staff *staffLeg
	opus  [][]byte
	seq   uint16
	pkt   rtp.Packet
}

func (c *g711Caller) ReadFrame(dst []int16) bool {
	if c.staff != nil {
		c.pkt.PayloadType, c.pkt.SequenceNumber, c.pkt.Payload = 111, c.seq, c.opus[int(c.seq)%len(c.opus)]
		c.staff.push(c.staff.cur, &c.pkt)
		c.seq++
	}
	f := c.ulaw[c.n%len(c.ulaw)]
	c.n++
	for i, b := range f {
		dst[i] = g711.DecodeUlawFrame(b)
	}
	return true
}

func (c *g711Caller) WriteFrame(src []int16) error {
	for i, v := range src {
		c.out[i] = g711.EncodeUlawFrame(v)
	}
	return nil
}

// benchMedia is one second of a caller's μ-law tone and an operator's Opus tone.
func benchMedia(tb testing.TB) (ulaw, opusPkts [][]byte) {
	enc, err := opus.NewEncoder(48000, 1)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range 50 {
		pcm8 := audiotest.ToneAt(8000, callerTone, toneAmp, i*160, 160)
		f := make([]byte, 160)
		for j, v := range pcm8 {
			f[j] = g711.EncodeUlawFrame(v)
		}
		ulaw = append(ulaw, f)
		p, err := enc.Encode(audiotest.ToneAt(48000, staffTone, toneAmp, i*960, 960))
		if err != nil {
			tb.Fatal(err)
		}
		opusPkts = append(opusPkts, p)
	}
	return ulaw, opusPkts
}

// softphoneMedia is benchMedia with the operator's tone coded as meet
// phone codes it in a two-party call on a loss-free path: narrowband
// (meetd's band hint: only the 8 kHz caller hears it), SILK with no FEC
// (meetd reports no loss) at complexity 0 (softphone.OpusNarrowComplexity;
// softphone.OpusComplexity, 5, with loss). The values are written out: the
// server's tests do not import the client.
func softphoneMedia(tb testing.TB) (ulaw, opusPkts [][]byte) {
	ulaw, _ = benchMedia(tb)
	enc, err := opus.NewEncoder(48000, 1, opus.WithComplexity(5), opus.WithLossFreeComplexity(0),
		opus.WithMaxBandwidth(opus.Narrowband), opus.WithExpectedLoss(0))
	if err != nil {
		tb.Fatal(err)
	}
	for i := range 50 {
		p, err := enc.Encode(audiotest.ToneAt(48000, staffTone, toneAmp, i*960, 960))
		if err != nil {
			tb.Fatal(err)
		}
		opusPkts = append(opusPkts, p)
	}
	return ulaw, opusPkts
}

// benchStaff is an operator leg with a real Opus codec and an (unbound)
// track: everything but SRTP and the socket.
func benchStaff(tb testing.TB, m *Manager, id int64) *staffLeg {
	p := &peer{pts: map[uint8]codecKind{111: codecOpus}, send: codecOpus, jb: newJitter(2), lastN: 960,
		newDe: m.newDecoder}
	var err error
	if err = p.buildSends(m.newOpusEncoder); err != nil {
		tb.Fatal(err)
	}
	if p.track, err = webrtc.NewTrackLocalStaticSample(opusCap, "audio", "bench"); err != nil {
		tb.Fatal(err)
	}
	return &staffLeg{id: id, log: m.log, cur: p}
}

// BenchmarkCallCPU is the server's media work for one two-party call per
// 20 ms tick: caller G.711 8 kHz decode, resample to 48 kHz, operator jitter
// buffer and Opus decode, mix, Opus encode for the operator, resample to
// 8 kHz and G.711 encode for the caller. %core/call = time per tick / 20 ms.
// It runs the rooms' two-party fast path; BenchmarkCallCPUFullMix the same
// call through the full 48 kHz mix.
func BenchmarkCallCPU(b *testing.B) { benchCallCPU(b, mixer.WithPair(twoParty)) }

// BenchmarkCallCPUFullMix is BenchmarkCallCPU without the fast path.
func BenchmarkCallCPUFullMix(b *testing.B) { benchCallCPU(b) }

func benchCallCPU(b *testing.B, opts ...mixer.Option) {
	m := newTestManager(b)
	ulaw, pkts := benchMedia(b)
	s := benchStaff(b, m, 1)
	s.narrow.Store(true) // as the Manager sets it for a two-party room
	caller := &g711Caller{ulaw: ulaw, opus: pkts, staff: s}
	mix := mixer.NewStepped(append(opts, mixer.WithLogger(testLogger()))...)
	cl := newCallerLeg(caller)
	mix.Add("caller", mixer.RoleCaller, cl, cl)
	mix.Add("staff", mixer.RoleTalk, s, s)
	for range 10 {
		mix.Step()
	}
	b.ReportAllocs()
	c0 := cpuTime()
	for b.Loop() {
		mix.Step()
	}
	reportCPU(b, cpuTime()-c0, "call")
}

// BenchmarkRoom10Party: one tick of a room with a caller and nine Opus
// operator legs (each decoded and encoded), as BenchmarkCallCPU, everyone
// talking at once: the worst case.
func BenchmarkRoom10Party(b *testing.B) { benchRoom10(b, 9) }

// BenchmarkRoom10PartyTwoTalking is the same room as a conference usually
// is: the caller and one operator talk, eight operators' softphones send
// silence (Opus packets of it) and hear the same mix.
func BenchmarkRoom10PartyTwoTalking(b *testing.B) { benchRoom10(b, 1) }

func benchRoom10(b *testing.B, talking int) {
	m := newTestManager(b)
	ulaw, pkts := benchMedia(b)
	quiet := silentOpus(b)
	r := &Room{log: testLogger(), prompt: &prompt{}, share: newSharedSend(m.newOpusEncoder)}
	mix := mixer.NewStepped(r.mixerOptions()...)
	mix.Add("guidance", mixer.RolePrompt, r.prompt, nil)
	feeders := make([]*g711Caller, 9)
	for i := range feeders {
		s := benchStaff(b, m, int64(i+1))
		s.share = r.share
		feeders[i] = &g711Caller{ulaw: ulaw, opus: pkts, staff: s}
		if i >= talking {
			feeders[i].opus = quiet
		}
		mix.Add(fmt.Sprint("staff", i), mixer.RoleTalk, s, s)
	}
	cl := newCallerLeg(&g711Caller{ulaw: ulaw})
	mix.Add("caller", mixer.RoleCaller, cl, cl)
	step := func() {
		var d [CallerFrame]int16
		for _, f := range feeders {
			f.ReadFrame(d[:]) // delivers each operator's next packet
		}
		mix.Step()
	}
	for range 20 { // past the silence gate's hangover
		step()
	}
	b.ReportAllocs()
	c0 := cpuTime()
	for b.Loop() {
		step()
	}
	reportCPU(b, cpuTime()-c0, "room")
}

// silentOpus is a second of Opus packets of silence, as a softphone sends
// them while its user listens (no DTX).
func silentOpus(tb testing.TB) [][]byte {
	enc, err := opus.NewEncoder(48000, 1)
	if err != nil {
		tb.Fatal(err)
	}
	var pkts [][]byte
	for range 50 {
		p, err := enc.Encode(make(audio.PCM16, 960))
		if err != nil {
			tb.Fatal(err)
		}
		pkts = append(pkts, p)
	}
	return pkts
}

// reportCPU reports process CPU time per tick (robust against a busy
// machine stretching wall time) and as a share of one core at 50 ticks/s.
func reportCPU(b *testing.B, cpu time.Duration, what string) {
	per := float64(cpu.Nanoseconds()) / float64(b.N)
	b.ReportMetric(per/1000, "cpu-µs/tick")
	b.ReportMetric(per/float64(mixer.Period.Nanoseconds())*100, "%core/"+what)
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkConcurrentCalls runs N real rooms (on the shared clock, or with
// own/N each its own 20 ms ticker)
// with a G.711 caller and an Opus operator for a few seconds and reports
// the process CPU per call and the late ticks (started > 10 ms late).
func BenchmarkConcurrentCalls(b *testing.B) {
	for _, c := range []struct {
		name string
		n    int
		opts []Option
	}{{"50", 50, nil}, {"200", 200, nil}, {"own/200", 200, []Option{WithOwnTickers()}}} {
		n := c.n
		b.Run(c.name, func(b *testing.B) {
			m := newTestManager(b, c.opts...)
			ulaw, pkts := benchMedia(b)
			for i := range n {
				id := int64(i + 1)
				s := benchStaff(b, m, id)
				m.mu.Lock()
				m.staff[id] = s
				m.mu.Unlock()
				if err := m.OpenRoom(id); err != nil {
					b.Fatal(err)
				}
				if err := m.SetCaller(id, &g711Caller{ulaw: ulaw, opus: pkts, staff: s}); err != nil {
					b.Fatal(err)
				}
				if err := m.Attach(id, id, api.ModeTalk); err != nil {
					b.Fatal(err)
				}
			}
			time.Sleep(200 * time.Millisecond) // settle
			var late0, ticks0 uint64
			for i := range n {
				st, _ := m.Stats(int64(i + 1))
				late0 += st.Late
				ticks0 += st.Ticks
			}
			runtime.GC()
			c0, w0 := cpuTime(), time.Now()
			for b.Loop() {
				time.Sleep(3 * time.Second)
			}
			cpu, wall := cpuTime()-c0, time.Since(w0)
			var late, ticks uint64
			var worst time.Duration
			for i := range n {
				st, _ := m.Stats(int64(i + 1))
				late += st.Late
				ticks += st.Ticks
				worst = max(worst, st.MaxLateness)
			}
			b.ReportMetric(float64(cpu)/float64(wall)/float64(n)*100, "%core/call")
			b.ReportMetric(float64(late-late0), "late-ticks")
			b.ReportMetric(float64(ticks-ticks0), "ticks")
			b.ReportMetric(float64(worst.Microseconds())/1000, "max-lateness-ms")
		})
	}
}

// BenchmarkAttachToTwoWayAudio: a connected softphone, a room with a
// caller; time from Attach until both sides receive the other's tone.
func BenchmarkAttachToTwoWayAudio(b *testing.B) {
	m := newTestManager(b)
	cl := newClient(b, m, 1, staffTone, clientOpus, clientPCMU)
	waitOnline(b, m, 1, true)
	caller := newFakeCaller(callerTone)
	if err := m.OpenRoom(1); err != nil {
		b.Fatal(err)
	}
	if err := m.SetCaller(1, caller); err != nil {
		b.Fatal(err)
	}
	var total, worst time.Duration
	n := 0
	for b.Loop() {
		m.Detach(1, 1)
		time.Sleep(150 * time.Millisecond)
		toCaller, toClient := caller.rec.arm(staffTone), cl.rec.arm(callerTone)
		t0 := time.Now()
		if err := m.Attach(1, 1, api.ModeTalk); err != nil {
			b.Fatal(err)
		}
		var t1, t2 time.Time
		select {
		case t1 = <-toCaller:
		case <-time.After(5 * time.Second):
			b.Fatal("caller heard nothing")
		}
		select {
		case t2 = <-toClient:
		case <-time.After(5 * time.Second):
			b.Fatal("client heard nothing")
		}
		d := max(t1.Sub(t0), t2.Sub(t0))
		total += d
		worst = max(worst, d)
		n++
	}
	b.ReportMetric(float64(total.Microseconds())/float64(n)/1000, "ms-to-audio")
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms-to-audio")
}

// BenchmarkGuidanceCall is one tick of a room whose caller hears looping
// guidance alone (waiting or ringing): the one-party fast path (solo.go);
// BenchmarkGuidanceCallFullMix the same tick through the 48 kHz mix.
func BenchmarkGuidanceCall(b *testing.B) { benchGuidance(b, true) }

// BenchmarkGuidanceCallFullMix is BenchmarkGuidanceCall without the fast path.
func BenchmarkGuidanceCallFullMix(b *testing.B) { benchGuidance(b, false) }

func benchGuidance(b *testing.B, solo bool) {
	ulaw, _ := benchMedia(b)
	r := &Room{prompt: &prompt{}}
	opts := []mixer.Option{mixer.WithLogger(testLogger())}
	if solo {
		opts = append(opts, mixer.WithSolo(r.solo))
	}
	mix := mixer.NewStepped(opts...)
	mix.Add("guidance", mixer.RolePrompt, r.prompt, nil)
	cl := newCallerLeg(&g711Caller{ulaw: ulaw})
	mix.Add("caller", mixer.RoleCaller, cl, cl)
	r.prompt.play(newClip(audiotest.Tone(mixer.Rate, 700, 0.3, 3*mixer.Rate+123)), true, nil)
	for range 10 {
		mix.Step()
	}
	b.ReportAllocs()
	c0 := cpuTime()
	for b.Loop() {
		mix.Step()
	}
	reportCPU(b, cpuTime()-c0, "call")
}

// BenchmarkGuidanceRooms runs N real rooms (on the shared clock, or with
// own/N each its own ticker) whose callers hear looping guidance alone, as at a burst of calls
// into a busy line, for a few seconds, and reports the process CPU per
// room (the one-party path's work plus the ticking itself).
func BenchmarkGuidanceRooms(b *testing.B) {
	raw := make([]byte, 2*3*mixer.Rate)
	for i, v := range audiotest.Tone(mixer.Rate, 700, 0.3, 3*mixer.Rate) {
		raw[2*i], raw[2*i+1] = byte(v), byte(uint16(v)>>8)
	}
	guidance := func(int64, api.GuidanceKind) ([]byte, error) { return raw, nil }
	for _, c := range []struct {
		name string
		n    int
		opts []Option
	}{{"1000", 1000, nil}, {"own/1000", 1000, []Option{WithOwnTickers()}}} {
		b.Run(c.name, func(b *testing.B) {
			m := newTestManager(b, append(c.opts, WithGuidance(guidance))...)
			ulaw, _ := benchMedia(b)
			for i := range c.n {
				id := int64(i + 1)
				if err := m.OpenRoom(id); err != nil {
					b.Fatal(err)
				}
				if err := m.SetCaller(id, &g711Caller{ulaw: ulaw}); err != nil {
					b.Fatal(err)
				}
				m.PlayGuidance(id, 1, api.GuidanceWait, true, nil)
			}
			time.Sleep(300 * time.Millisecond) // settle
			runtime.GC()
			var late0 uint64
			for i := range c.n {
				st, _ := m.Stats(int64(i + 1))
				late0 += st.Late
			}
			c0, w0 := cpuTime(), time.Now()
			for b.Loop() {
				time.Sleep(3 * time.Second)
			}
			cpu, wall := cpuTime()-c0, time.Since(w0)
			var late, solo, ticks uint64
			for i := range c.n {
				st, _ := m.Stats(int64(i + 1))
				late += st.Late
				solo += st.Solo
				ticks += st.Ticks
			}
			b.ReportMetric(float64(cpu)/float64(wall)/float64(c.n)*100, "%core/room")
			b.ReportMetric(float64(cpu.Microseconds())/(wall.Seconds()*50*float64(c.n)), "cpu-µs/tick")
			b.ReportMetric(float64(late-late0), "late-ticks")
			b.ReportMetric(float64(solo)/float64(ticks)*100, "%solo")
		})
	}
}
