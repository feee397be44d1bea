package room

import (
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/zaf/g711"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/mixer"
)

// trackSink binds a TrackLocalStaticSample without a connection and keeps
// every payload written to it.
type trackSink struct{ payloads [][]byte }

func (t *trackSink) CodecParameters() []webrtc.RTPCodecParameters {
	return []webrtc.RTPCodecParameters{clientOpus, clientPCMU}
}
func (t *trackSink) HeaderExtensions() []webrtc.RTPHeaderExtensionParameter { return nil }
func (t *trackSink) SSRC() webrtc.SSRC                                      { return 1 }
func (t *trackSink) SSRCRetransmission() webrtc.SSRC                        { return 0 }
func (t *trackSink) SSRCForwardErrorCorrection() webrtc.SSRC                { return 0 }
func (t *trackSink) WriteStream() webrtc.TrackLocalWriter                   { return t }
func (t *trackSink) ID() string                                             { return "sink" }
func (t *trackSink) RTCPReader() interceptor.RTCPReader                     { return nil }
func (t *trackSink) Write(b []byte) (int, error)                            { return len(b), nil }
func (t *trackSink) WriteRTP(_ *rtp.Header, p []byte) (int, error) {
	t.payloads = append(t.payloads, append([]byte(nil), p...))
	return len(p), nil
}

// pcmuStaff is an operator leg sending PCMU, whose sent payloads land in
// sink; it receives PCMU (0) or Opus (111).
func pcmuStaff(t *testing.T, m *Manager) (*staffLeg, *trackSink) {
	t.Helper()
	p := &peer{pts: map[uint8]codecKind{0: codecPCMU, 111: codecOpus}, send: codecPCMU, jb: newJitter(2), lastN: 960,
		newDe: m.newDecoder}
	if err := p.buildSends(m.newOpusEncoder); err != nil {
		t.Fatal(err)
	}
	var err error
	if p.track, err = webrtc.NewTrackLocalStaticSample(pcmuCap, "audio", "test"); err != nil {
		t.Fatal(err)
	}
	sink := &trackSink{}
	if _, err := p.track.(*webrtc.TrackLocalStaticSample).Bind(sink); err != nil {
		t.Fatal(err)
	}
	s := &staffLeg{id: 1, log: m.log, cur: p}
	s.narrow.Store(true)
	return s, sink
}

// toneTrunk is a caller sending a tone; each ReadFrame also delivers the
// operator's next packet of another tone: PCMU, or Opus when opus is set.
type toneTrunk struct {
	n     int
	opus  [][]byte
	staff *staffLeg
	seq   uint16
	pkt   rtp.Packet
	rec   audio.PCM16
}

func (c *toneTrunk) ReadFrame(dst []int16) bool {
	var pl [CallerFrame]byte
	for i, v := range audiotest.ToneAt(8000, staffTone, toneAmp, int(c.seq)*CallerFrame, CallerFrame) {
		pl[i] = g711.EncodeUlawFrame(v)
	}
	c.pkt.PayloadType, c.pkt.SequenceNumber, c.pkt.Payload = 0, c.seq, pl[:]
	if c.opus != nil {
		c.pkt.PayloadType, c.pkt.Payload = 111, c.opus[int(c.seq)%len(c.opus)]
	}
	c.staff.push(c.staff.cur, &c.pkt)
	c.seq++
	copy(dst, audiotest.ToneAt(CallerRate, callerTone, toneAmp, c.n, len(dst)))
	c.n += len(dst)
	return true
}

func (c *toneTrunk) WriteFrame(src []int16) error {
	c.rec = append(c.rec, src...)
	return nil
}

type listenerRec struct{ rec audio.PCM16 }

func (l *listenerRec) WriteFrame(src []int16) error {
	l.rec = append(l.rec, src...)
	return nil
}

// switchRun runs 50 ticks of a caller and a PCMU operator; with pair the
// two-party fast path is on; from tick 20 to 30 a listener is in the room.
func switchRun(t *testing.T, pair bool, opusPkts [][]byte) (toCaller, toOperator, toListener audio.PCM16, paired uint64) {
	m := newTestManager(t)
	s, sink := pcmuStaff(t, m)
	trunk := &toneTrunk{staff: s, opus: opusPkts}
	opts := []mixer.Option{mixer.WithLogger(testLogger())}
	if pair {
		opts = append(opts, mixer.WithPair(twoParty))
	}
	mix := mixer.NewStepped(opts...)
	mix.Add("guidance", mixer.RolePrompt, &prompt{}, nil)
	cl := newCallerLeg(trunk)
	mix.Add("caller", mixer.RoleCaller, cl, cl)
	mix.Add("staff", mixer.RoleTalk, s, s)
	lis := &listenerRec{}
	var leg *mixer.Leg
	for tick := range 50 {
		switch tick {
		case 20:
			// The listener's own voice must reach nobody.
			leg = mix.Add("listener", mixer.RoleListen, newFakeCaller(1500), lis)
		case 30:
			mix.Remove(leg)
		}
		mix.Step()
	}
	for _, p := range sink.payloads {
		for _, b := range p {
			toOperator = append(toOperator, g711.DecodeUlawFrame(b))
		}
	}
	return trunk.rec, toOperator, lis.rec, mix.Stats().Paired
}

func TestTwoPartyFastPathSwitch(t *testing.T) {
	ref, refOp, refLis, _ := switchRun(t, false, nil)
	got, gotOp, gotLis, paired := switchRun(t, true, nil)
	if paired != 40 {
		t.Fatalf("%d two-party ticks, want 40 (50 less 10 with a listener)", paired)
	}
	// Roles: each party hears the other only; the listener hears both.
	for _, c := range []struct {
		who        string
		s          audio.PCM16
		rate       int
		hear, deaf []float64
	}{
		{"caller", got[len(got)-1600:], 8000, []float64{staffTone}, []float64{callerTone, 1500}},
		{"operator", gotOp[len(gotOp)-1600:], 8000, []float64{callerTone}, []float64{staffTone, 1500}},
		{"listener", gotLis[len(gotLis)-4800:], 48000, []float64{callerTone, staffTone}, []float64{1500}},
	} {
		for _, f := range c.hear {
			if a := amp(c.s, c.rate, f); a < 0.8*toneAmp {
				t.Errorf("%s: %v Hz at amplitude %.3f", c.who, f, a)
			}
		}
		for _, f := range c.deaf {
			if a := amp(c.s, c.rate, f); a > 0.01 {
				t.Errorf("%s hears %v Hz (amplitude %.3f)", c.who, f, a)
			}
		}
	}
	// Continuity: sample by sample what the full mixer alone produces, so
	// neither switch leaves a click, a gap or a shift. The caller's side is
	// the same computation; the operator's differs by rounding (and the
	// μ-law step it may cross).
	if len(got) != len(ref) || len(gotOp) != len(refOp) || len(gotLis) != len(refLis) {
		t.Fatalf("lengths: caller %d/%d operator %d/%d listener %d/%d",
			len(got), len(ref), len(gotOp), len(refOp), len(gotLis), len(refLis))
	}
	if d, i := maxDiff(got, ref); d != 0 {
		t.Errorf("caller: differs from the full mix by %d at sample %d", d, i)
	}
	if d, i := maxDiff(gotLis, refLis); d != 0 {
		t.Errorf("listener: differs from the full mix by %d at sample %d", d, i)
	}
	if d, i := maxDiff(gotOp, refOp); d > 300 { // tone amplitude 6553
		t.Errorf("operator: differs from the full mix by %d at sample %d (tick %d)", d, i, i/CallerFrame)
	}
}

func maxDiff(a, b audio.PCM16) (d int, at int) {
	for i := range a {
		if x := abs(int(a[i]) - int(b[i])); x > d {
			d, at = x, i
		}
	}
	return d, at
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// With an Opus operator the fast path decodes at 8 kHz: the caller's audio
// is not sample-identical to the full mix's, but continuous across both
// switches: the tone keeps its level in every 10 ms and no sample steps
// more than the full mix's own audio does (a click or a gap would).
func TestTwoPartyFastPathSwitchOpus(t *testing.T) {
	_, pkts := benchMedia(t)
	ref, _, _, _ := switchRun(t, false, pkts)
	got, _, lis, paired := switchRun(t, true, pkts)
	if paired != 40 {
		t.Fatalf("%d two-party ticks, want 40", paired)
	}
	if a := amp(lis[len(lis)-4800:], 48000, staffTone); a < 0.8*toneAmp {
		t.Fatalf("listener hears the operator at %.3f", a)
	}
	if len(got) != len(ref) {
		t.Fatalf("caller got %d samples, full mix %d", len(got), len(ref))
	}
	const from = 5 * CallerFrame // decoders settled
	for i := from; i+80 <= len(got); i += 80 {
		if a := amp(got[i:i+80], 8000, staffTone); a < 0.8*toneAmp || a > 1.2*toneAmp {
			t.Errorf("caller: operator's tone at %.3f in samples %d-%d (tick %d)", a, i, i+80, i/CallerFrame)
		}
	}
	step := func(s audio.PCM16) (worst, at int) {
		for i := from; i+1 < len(s); i++ {
			if d := abs(int(s[i+1]) - 2*int(s[i]) + int(s[i-1])); d > worst {
				worst, at = d, i
			}
		}
		return
	}
	w, at := step(got)
	wRef, _ := step(ref)
	t.Logf("largest second difference %d (full mix %d)", w, wRef)
	if w > wRef+wRef/10 {
		t.Errorf("caller: a step of %d at sample %d (tick %d), the full mix's largest is %d", w, at, at/CallerFrame, wRef)
	}
}

// The fast path through the Manager with real softphones: two-party ticks
// while only the caller and the operator are in, the full mix while a
// supervisor listens, two-party again when they leave; who hears whom
// holds throughout. Also with the shared clock.
func TestFastPathWithListener(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []Option
	}{{"own ticker", nil}, {"shared clock", []Option{WithSharedClock(2)}}} {
		t.Run(c.name, func(t *testing.T) {
			checkGoroutines(t)
			m := newTestManager(t, c.opts...)
			op := newClient(t, m, 1, staffTone, clientOpus, clientPCMU)
			sup := newClient(t, m, 2, superTone, clientOpus, clientPCMU)
			waitOnline(t, m, 1, true)
			waitOnline(t, m, 2, true)
			caller := openWithCaller(t, m, 400, callerTone)
			if err := m.Attach(400, 1, api.ModeTalk); err != nil {
				t.Fatal(err)
			}
			paired := func() uint64 {
				st, _ := m.Stats(400)
				return st.Paired
			}
			expectTones(t, "two-party: caller", caller.rec, []float64{staffTone}, []float64{callerTone, superTone})
			expectTones(t, "two-party: operator", op.rec, []float64{callerTone}, []float64{staffTone, superTone})
			if paired() == 0 {
				t.Fatal("no two-party ticks with only the caller and the operator")
			}

			if err := m.Attach(400, 2, api.ModeListen); err != nil {
				t.Fatal(err)
			}
			expectTones(t, "listen: supervisor", sup.rec, []float64{callerTone, staffTone}, []float64{superTone})
			expectTones(t, "listen: caller", caller.rec, []float64{staffTone}, []float64{callerTone, superTone})
			expectTones(t, "listen: operator", op.rec, []float64{callerTone}, []float64{staffTone, superTone})
			p0 := paired()
			time.Sleep(100 * time.Millisecond)
			if p := paired(); p != p0 {
				t.Fatalf("%d two-party ticks while a supervisor listens", p-p0)
			}

			m.Detach(400, 2)
			deadline := time.Now().Add(5 * time.Second)
			for paired() == p0 {
				if time.Now().After(deadline) {
					t.Fatal("no two-party ticks after the supervisor left")
				}
				time.Sleep(10 * time.Millisecond)
			}
			expectTones(t, "two-party again: caller", caller.rec, []float64{staffTone}, []float64{callerTone, superTone})
			expectTones(t, "two-party again: operator", op.rec, []float64{callerTone}, []float64{staffTone, superTone})
			m.CloseRoom(400)
		})
	}
}

// A two-party tick with real codecs (G.711 caller, Opus operator) makes no
// garbage: at hundreds of calls that would be 50 allocations a second each.
func TestFastPathAllocatesNothing(t *testing.T) {
	m := newTestManager(t)
	ulaw, pkts := benchMedia(t)
	s := benchStaff(t, m, 1)
	s.narrow.Store(true)
	mix := mixer.NewStepped(mixer.WithLogger(testLogger()), mixer.WithPair(twoParty))
	cl := newCallerLeg(&g711Caller{ulaw: ulaw, opus: pkts, staff: s})
	mix.Add("guidance", mixer.RolePrompt, &prompt{}, nil)
	mix.Add("caller", mixer.RoleCaller, cl, cl)
	mix.Add("staff", mixer.RoleTalk, s, s)
	for range 10 {
		mix.Step()
	}
	if a := testing.AllocsPerRun(100, mix.Step); a != 0 {
		t.Fatalf("%v allocations per two-party tick", a)
	}
	if st := mix.Stats(); st.Paired != st.Ticks {
		t.Fatalf("only %d of %d ticks two-party", st.Paired, st.Ticks)
	}
}
