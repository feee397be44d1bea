package softphone

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/internal/lossfec"
)

// fecSink records packet sizes and TOC bytes and hands the encoder a peer
// whose loss control and band hint the test sets.
type fecSink struct {
	pr    *peer
	ctl   *lossfec.Control
	sizes []int
	tocs  []byte
}

func newFECSink() *fecSink {
	pr := &peer{fecCtl: lossfec.New()}
	return &fecSink{pr: pr, ctl: pr.fecCtl}
}

func (s *fecSink) WritePacket(b []byte, _ time.Duration) error {
	s.sizes = append(s.sizes, len(b))
	s.tocs = append(s.tocs, b[0])
	return nil
}
func (s *fecSink) String() string { return "Track" }
func (s *fecSink) link() *peer    { return s.pr }

// speak writes pcm into the send pipeline sp in 20 ms frames.
func speak(t *testing.T, sp *sendPipeline, pcm audio.PCM16) {
	t.Helper()
	for off := 0; off+960 <= len(pcm); off += 960 {
		if err := sp.head.WriteSample(pcm[off : off+960]); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEncoderCodesFECOnlyWhenLossIsReported: the microphone's encoder
// follows its peer's lossfec.Control frame by frame; with FEC its packets
// carry the redundant copy (larger packets).
func TestEncoderCodesFECOnlyWhenLossIsReported(t *testing.T) {
	sink := newFECSink()
	sp, err := buildSendPipeline(CodecOpus, sink, false)
	if err != nil {
		t.Fatal(err)
	}
	voice := voiced(48000)
	run := func(lost float64) (mean float64, pkts int) {
		sink.ctl.Report(lost)
		n0 := len(sink.sizes)
		speak(t, sp, voice)
		sum := 0
		for _, s := range sink.sizes[n0+5:] { // past the switch
			sum += s
		}
		return float64(sum) / float64(len(sink.sizes)-n0-5), len(sink.sizes) - n0
	}
	clean, n := run(0)
	lossy, _ := run(0.10)
	if n != 50 {
		t.Fatalf("%d packets for 1 s", n)
	}
	t.Logf("mean packet: %.1f bytes without FEC, %.1f with", clean, lossy)
	if lossy < clean+5 {
		t.Errorf("mean packet %.1f bytes with 10 %% reported loss vs %.1f without: want the FEC copy to add bytes", lossy, clean)
	}
	for sink.ctl.Expected() > 0 {
		sink.ctl.Report(0)
	}
	if again, _ := run(0); again > clean+2 {
		t.Errorf("mean packet %.1f bytes once the loss estimate is back to 0, want about %.1f (no FEC)", again, clean)
	}
}

// TestEncoderFollowsBandHint: with meetd's hint that all that hears the
// operator takes 8 kHz, the encoder codes narrowband SILK (TOC configs
// 0-3) from the next frame on, with its in-band FEC while meetd reports
// loss (and at OpusNarrowComplexity while it reports none); else SILK
// wideband (8-11) either way.
func TestEncoderFollowsBandHint(t *testing.T) {
	sink := newFECSink()
	sp, err := buildSendPipeline(CodecOpus, sink, false)
	if err != nil {
		t.Fatal(err)
	}
	voice := voiced(48000)
	configs := func(narrow, lossy bool) map[byte]int {
		sink.pr.narrowUp.Store(narrow)
		if lossy {
			sink.ctl.Report(0.10)
		}
		for !lossy && sink.ctl.Expected() > 0 {
			sink.ctl.Report(0)
		}
		n0 := len(sink.tocs)
		speak(t, sp, voice)
		got := map[byte]int{}
		for _, toc := range sink.tocs[n0+1:] { // past the frame the band changed in
			got[toc>>3]++
		}
		return got
	}
	for _, c := range []struct {
		narrow, lossy bool
		lo, hi        byte
	}{{false, true, 8, 11}, {true, true, 0, 3}, {true, false, 0, 3}, {false, false, 8, 11}, {true, false, 0, 3}, {true, true, 0, 3}} {
		for cfg, n := range configs(c.narrow, c.lossy) {
			if cfg < c.lo || cfg > c.hi {
				t.Errorf("narrow=%v lossy=%v: %d packets of TOC config %d, want %d-%d", c.narrow, c.lossy, n, cfg, c.lo, c.hi)
			}
		}
	}
}

// TestFECFollowsMeetdsReports: with real pion peers, a phone whose packets
// to the server are 15 % lost learns it from the server's receiver reports
// and its encoder expects the loss; a phone on a clean path codes no FEC.
func TestFECFollowsMeetdsReports(t *testing.T) {
	for _, c := range []struct {
		loss     float64
		min, max int
	}{{0.15, 5, lossfec.Max}, {0, 0, 0}} {
		srv := newTestServer(t, serverHz)
		opts := []Option{WithInputWAV(writeToneWAV(t, 16000, micHz)), WithOutputWAV(filepath.Join(t.TempDir(), "out.wav"))}
		if c.loss > 0 {
			opts = append(opts, WithSimulatedSendLoss(c.loss))
		}
		p := startPhone(t, srv, opts...)
		p.Joined(api.JoinResult{Call: api.Call{ID: 7}, Mode: api.ModeTalk})
		var st Stats
		deadline := time.Now().Add(8 * time.Second)
		for {
			st = p.Snapshot()
			if st.FECLoss >= c.min && st.FECLoss <= c.max && (c.loss == 0 || st.RemoteLoss > 0.05) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("send loss %.2f: after 8 s the encoder expects %d %% (meetd reports %.3f lost), want %d..%d %%",
					c.loss, st.FECLoss, st.RemoteLoss, c.min, c.max)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("send loss %.2f: meetd reports %.3f lost, encoder expects %d %%", c.loss, st.RemoteLoss, st.FECLoss)
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// voiced is n samples of a voiced sound at 48 kHz: a gliding pitch with
// harmonics, at syllable rate.
func voiced(n int) audio.PCM16 {
	voice := make(audio.PCM16, n)
	phase := 0.0
	for i := range voice {
		tm := float64(i) / 48000
		phase += 2 * math.Pi * (140 + 40*math.Sin(2*math.Pi*1.3*tm)) / 48000
		v := 0.0
		for h := 1; h <= 12; h++ {
			v += math.Sin(float64(h)*phase) / float64(h)
		}
		voice[i] = int16(v * (0.55 + 0.45*math.Sin(2*math.Pi*4*tm)) * 6000)
	}
	return voice
}
