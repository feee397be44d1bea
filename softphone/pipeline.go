package softphone

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/denoise"
)

// sendPipeline is the send direction from the microphone's first stage on.
type sendPipeline struct {
	head    audio.Writer // what the microphone writes into
	ns      *denoiseStage
	meter   *audio.Meter
	mute    *audio.Mute
	encoder audio.Writer
}

// buildSendPipeline builds the send direction, microphone → meetd:
//
//	Denoise -> Meter -> Mute -> Opus(encode) -> Track
//	Denoise -> Meter -> Mute -> Resample(48000->8000) -> PCMU(encode) -> Track
//
// at 48 kHz from the microphone (10 or 20 ms frames) to 20 ms packets on the
// track. The meter reads the microphone level before mute, so a level meter
// works while muted. Denoise is always in the chain and switched live.
func buildSendPipeline(c Codec, out packetSink, denoiseOn bool) (*sendPipeline, error) {
	return buildSendPipelineWith(c, out, denoiseOn, nil)
}

// buildSendPipelineWith is buildSendPipeline with the phone's suppressor ns
// (nil: a new default one). The phone keeps one suppressor for all its
// pipelines, one at a time, so re-attaching costs no new WebAssembly
// instance.
func buildSendPipelineWith(c Codec, out packetSink, denoiseOn bool, ns denoise.Denoiser) (*sendPipeline, error) {
	enc, err := newEncoder(c, out)
	if err != nil {
		return nil, err
	}
	var w audio.Writer = enc
	if c.rate() != 48000 {
		w = audio.NewResampler(enc, 48000)
	}
	sp := &sendPipeline{encoder: enc}
	sp.mute = audio.NewMute(w)
	sp.meter = audio.NewMeter(sp.mute)
	if sp.ns, err = newDenoiseStage(sp.meter, ns); err != nil {
		return nil, err
	}
	sp.ns.s.SetEnabled(denoiseOn)
	sp.head = sp.ns
	return sp, nil
}

// denoiseStage runs the default noise suppressor (denoise.NewDefault: the
// learned hybrid when rnnoise.wasm is installed, else ours) on 10 ms frames
// at 48 kHz.
type denoiseStage struct {
	dst  audio.Writer
	s    denoise.Denoiser
	pend audio.PCM16
}

func newDenoiseStage(dst audio.Writer, s denoise.Denoiser) (*denoiseStage, error) {
	if s == nil {
		var err error
		if s, _, err = denoise.NewDefault(48000); err != nil {
			return nil, fmt.Errorf("denoise: %w", err)
		}
	}
	return &denoiseStage{dst: dst, s: s}, nil
}

// releaseDenoiser frees a suppressor's resources (the learned one holds a
// WebAssembly instance) once nothing writes to it any more.
func releaseDenoiser(s denoise.Denoiser) {
	if c, ok := s.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

func (d *denoiseStage) WriteSample(in audio.PCM16) error {
	d.pend = append(d.pend, in...)
	hop := d.s.FrameSize()
	n := len(d.pend) / hop * hop
	if n == 0 {
		return nil
	}
	if err := d.s.ProcessPCM16(d.pend[:n]); err != nil {
		return err
	}
	err := d.dst.WriteSample(d.pend[:n])
	d.pend = append(d.pend[:0], d.pend[n:]...)
	return err
}

func (d *denoiseStage) SampleRate() int { return 48000 }
func (d *denoiseStage) String() string  { return "Denoise -> " + d.dst.String() }
func (d *denoiseStage) Close() error    { return d.dst.Close() }

// sendSwitch is what the microphone writes into. It forwards to the current
// peer's send pipeline (nothing while disconnected, but the mic is still
// metered) and applies mute and denoise switches in the writer's goroutine.
type sendSwitch struct {
	p     *Phone
	mu    sync.Mutex
	pipe  *sendPipeline
	owner *peer
	idle  *sendPipeline // meters the mic while no peer is attached, or no call is on
	level levelHold
	quiet int  // samples metered while idle that no packet or RTP clock step stands for yet
	tail  int  // silence packets still to send before the stream pauses (idleTail)
	used  bool // pipe has carried the microphone since it was built
}

func newSendSwitch(p *Phone) *sendSwitch {
	s := &sendSwitch{p: p}
	idle := &sendPipeline{}
	idle.meter = audio.NewMeter(audio.Discard(48000))
	idle.head = idle.meter
	s.idle, s.pipe = idle, idle
	return s
}

// attach builds a send pipeline for pr's codec and switches to it.
func (s *sendSwitch) attach(pr *peer) error {
	sp, err := buildSendPipelineWith(pr.codec, trackSink{pr}, s.p.denoise.Load(), s.p.ns)
	if err != nil {
		return err
	}
	sp.mute.SetMuted(s.p.sendGate())
	s.mu.Lock()
	s.pipe, s.owner, s.used, s.tail = sp, pr, false, idleTail
	s.mu.Unlock()
	return nil
}

// renew replaces the current peer's send pipeline, which has carried a
// call, by a fresh one, and empties the suppressor's delay line, so nothing
// of the ended call (the suppressor's last frame, the half-built packet,
// the encoder's look-ahead) opens the next one; what the suppressor has
// learned of the noise is kept. It runs on the first idle frame after a
// call, so a join pays nothing for it. The caller holds s.mu.
func (s *sendSwitch) renew() error {
	sp, err := buildSendPipelineWith(s.owner.codec, trackSink{s.owner}, s.p.denoise.Load(), s.p.ns)
	if err != nil {
		return err
	}
	sp.ns.s.Reset()
	s.pipe, s.used = sp, false
	return nil
}

// detach switches back to metering only, if pr is still the current peer.
func (s *sendSwitch) detach(pr *peer) {
	s.mu.Lock()
	if s.owner == pr {
		s.pipe, s.owner = s.idle, nil
	}
	s.mu.Unlock()
}

func (s *sendSwitch) WriteSample(frame audio.PCM16) error { return s.writeAt(time.Now(), frame) }

// writeAt is WriteSample for a frame whose first sample was due at at (a
// paced file microphone writes a frame when its last sample is due).
func (s *sendSwitch) writeAt(at time.Time, frame audio.PCM16) error {
	if tap := s.p.o.micTap; tap != nil {
		tap(at, frame)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.pipe
	if s.owner != nil && !s.p.inCall.Load() && !s.p.ringing.Load() {
		// Connected, but no call is on or coming: the microphone is only
		// metered and, after a few silence packets, nothing is sent; the
		// stream's RTP clock runs on, so its first packet after the pause
		// is stamped with the time that passed (most of an operator's
		// day: nothing denoised, encoded or sent, and meetd receives
		// nothing). Ringing runs the whole chain, so the suppressor has
		// adapted and meetd holds fresh packets by the time the call is
		// accepted.
		if s.used {
			if err := s.renew(); err != nil {
				return err
			}
		}
		return s.idleFrame(frame)
	}
	s.used = true
	s.quiet, s.tail = 0, idleTail
	if sp.mute != nil {
		sp.mute.SetMuted(s.p.sendGate())
	}
	if sp.ns != nil {
		sp.ns.s.SetEnabled(s.p.denoise.Load())
	}
	err := sp.head.WriteSample(frame)
	rms, _ := sp.meter.Levels()
	s.level.update(rms, len(frame))
	return err
}

// silenceOpus is one 20 ms Opus packet of silence (CELT, fullband, one
// frame: the TOC byte 0xf8 and an empty frame), silencePCMU 20 ms of µ-law
// zero.
var (
	silenceOpus = []byte{0xf8, 0xff, 0xfe}
	silencePCMU = func() []byte {
		b := make([]byte, 160)
		for i := range b {
			b[i] = 0xff
		}
		return b
	}()
)

// idleTail is how many silence packets a stream sends when it goes idle
// (connected, or a call over) before it pauses: 100 ms, so the receiver's
// decoder ends on silence, not on the last call's last word, which it
// would otherwise blend into the next call's first frame.
const idleTail = 5

// idleFrame meters frame and, for every 20 ms of it, sends a silence packet
// while the idle tail lasts, then only moves the stream's RTP clock on (an
// empty sample). An idle operator used to send a silence packet every
// 20 ms for as long as it stayed idle: a stream meetd spent 0.05 % of a
// core on for each idle operator (BenchmarkIdleOperators: silence/200
// against 200), and about half of the idle phone's own CPU, for audio
// nobody hears. The caller holds s.mu.
func (s *sendSwitch) idleFrame(frame audio.PCM16) error {
	err := s.idle.head.WriteSample(frame)
	rms, _ := s.idle.meter.Levels()
	s.level.update(rms, len(frame))
	pkt := silenceOpus
	if s.owner.codec == CodecPCMU {
		pkt = silencePCMU
	}
	for s.quiet += len(frame); s.quiet >= 960; s.quiet -= 960 { // 20 ms at 48 kHz
		b := pkt
		if s.tail == 0 {
			b = nil // the tail is sent: only the RTP clock moves on
		} else {
			s.tail--
		}
		if werr := (trackSink{s.owner}).WritePacket(b, frameDuration); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

func (s *sendSwitch) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pipe.head.String()
}

// micLevel is the microphone's RMS level with a falling hold (see levelHold).
func (s *sendSwitch) micLevel() float64 { return s.level.get() }

func (s *sendSwitch) SampleRate() int { return 48000 }
func (s *sendSwitch) Close() error    { return nil }

// levelHold smooths a frame-by-frame level for a meter: it jumps up at once
// and falls by at most 40 dB per second, so a poll every 100 ms sees the
// recent peak rather than whatever the last 10 ms happened to be.
// The zero value holds silence.
type levelHold struct {
	bits atomic.Uint64 // math.Float64bits(level - audio.MinDBFS): zero is silence
}

func (l *levelHold) update(db float64, samples int) {
	cur := l.get()
	fall := 40 * float64(samples) / 48000
	cur = max(db, cur-fall, audio.MinDBFS)
	l.bits.Store(math.Float64bits(cur - audio.MinDBFS))
}

func (l *levelHold) get() float64 { return math.Float64frombits(l.bits.Load()) + audio.MinDBFS }
