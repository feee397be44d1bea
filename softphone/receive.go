package softphone

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/meet-dev/meet/audio"
)

// receiver is the receive direction: RTP from the track into the jitter
// buffer, and a 20 ms playout loop that decodes (or conceals) one frame and
// writes it to the speaker, with the ring tone mixed in.
type receiver struct {
	p *Phone

	mu    sync.Mutex
	codec Codec
	jb    *jitterBuffer
	dec   frameDecoder
	head  audio.Writer // decoded PCM at the codec's rate
	owner *peer

	meter   *audio.Meter
	ring    *ringStage
	tail    audio.Writer // Meter -> Ring -> Speaker, at 48 kHz
	sink    *guardedSink
	silence audio.PCM16
	level   levelHold // speaker level, updated per frame

	playedFrames uint64
	// onFrame, when set, is called with a received frame's arrival time
	// just before the frame is written to the speaker (delay measurement).
	onFrame func(arrival time.Time)
	closed       bool
}

func newReceiver(sink audio.Writer, p *Phone) (*receiver, error) {
	g := &guardedSink{dst: sink, p: p}
	ring, err := newRingStage(g)
	if err != nil {
		return nil, err
	}
	ring.set(p.ringing.Load())
	r := &receiver{p: p, ring: ring, sink: g, silence: make(audio.PCM16, 960)}
	r.meter = audio.NewMeter(ring)
	r.tail = r.meter
	return r, nil
}

// recvPipeline is one negotiated receive chain.
type recvPipeline struct {
	dec  frameDecoder
	head audio.Writer
}

func (rp recvPipeline) String() string {
	return "Track -> Jitter -> " + rp.dec.String() + " -> " + rp.head.String()
}

// buildRecvPipeline builds the receive direction, meetd → speaker:
//
//	Track -> Jitter -> Opus(decode) -> Meter -> Ring -> Speaker(48000)
//	Track -> Jitter -> PCMU(decode) -> Resample(8000->48000) -> Meter -> Ring -> Speaker(48000)
//
// tail is the 48 kHz Meter -> Ring -> Speaker part, which outlives codecs.
func buildRecvPipeline(c Codec, tail audio.Writer) (recvPipeline, error) {
	dec, err := newDecoder(c)
	if err != nil {
		return recvPipeline{}, err
	}
	head := tail
	if c.rate() != tail.SampleRate() {
		head = audio.NewResampler(tail, c.rate())
	}
	return recvPipeline{dec: dec, head: head}, nil
}

// setCodec prepares decoding for a new peer (or a codec switch): a fresh
// jitter buffer and decoder.
func (r *receiver) setCodec(c Codec) error {
	rp, err := buildRecvPipeline(c, r.tail)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.codec, r.dec, r.head = c, rp.dec, rp.head
	r.jb = newJitterBuffer(frameDuration, int(codecCap(c).ClockRate))
	r.mu.Unlock()
	return nil
}

// String is the receive chain, e.g. for logs and tests.
func (r *receiver) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dec == nil {
		return "Silence -> " + r.tail.String()
	}
	return recvPipeline{dec: r.dec, head: r.head}.String()
}

// readTrack pushes RTP packets of the remote track into the jitter buffer
// until the track ends.
func (r *receiver) readTrack(pr *peer, t *webrtc.TrackRemote) {
	c, err := ParseCodec(strings.TrimPrefix(strings.ToLower(t.Codec().MimeType), "audio/"))
	if err != nil {
		r.p.log.Warn("remote track with an unsupported codec", "mime", t.Codec().MimeType)
		return
	}
	r.mu.Lock()
	r.owner = pr
	switched := c != r.codec
	r.mu.Unlock()
	if switched {
		if err := r.setCodec(c); err != nil {
			r.p.deviceError(fmt.Errorf("decoder: %w", err))
			return
		}
	}
	for {
		pkt, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		now := time.Now()
		r.mu.Lock()
		if r.owner == pr && r.jb != nil {
			r.jb.push(pkt.SequenceNumber, pkt.Timestamp, pkt.Payload, now)
		}
		r.mu.Unlock()
	}
}

// playout writes one frame to the speaker every 20 ms until ctx is done.
// It keeps to the wall clock: frames missed while the process was starved
// are played late (up to 200 ms worth) rather than lost, so a recording
// keeps its real length.
func (r *receiver) playout(ctx context.Context) {
	next := time.Now().Add(frameDuration)
	t := time.NewTimer(frameDuration)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		if now.Sub(next) > 10*frameDuration {
			next = now // starved for long: skip ahead instead of bursting
		}
		for !next.After(now) {
			r.playOnce(now)
			next = next.Add(frameDuration)
		}
		t.Reset(next.Sub(now))
	}
}

// playOnce plays one 20 ms frame: the next packet, a concealed one, or
// silence (with the ring tone when ringing).
func (r *receiver) playOnce(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.playedFrames++
	if r.jb == nil {
		r.writeTail(r.silence)
		return
	}
	st, payload := r.jb.pop(now)
	var pcm audio.PCM16
	var err error
	switch st {
	case jbFrame:
		pcm, err = r.dec.decode(payload)
		if r.onFrame != nil && err == nil {
			r.onFrame(r.jb.lastArrival)
		}
	case jbLost:
		pcm, err = r.dec.conceal(payload)
	default:
		r.writeTail(r.silence)
		return
	}
	if err != nil {
		r.p.log.Debug("decode failed", "err", err)
		r.writeTail(r.silence)
		return
	}
	if err := r.head.WriteSample(pcm); err != nil {
		r.p.log.Debug("playback write failed", "err", err)
	}
	rms, _ := r.meter.Levels()
	r.level.update(rms, len(pcm))
}

func (r *receiver) writeTail(s audio.PCM16) {
	if err := r.tail.WriteSample(s); err != nil {
		r.p.log.Debug("playback write failed", "err", err)
	}
	r.level.update(audio.MinDBFS, len(s))
}

// stats copies the receive figures.
func (r *receiver) stats(st *Stats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st.SpeakerDBFS = r.level.get()
	if r.jb == nil {
		return
	}
	st.Loss = r.jb.lossFraction()
	st.Jitter = r.jb.jitterDuration()
	st.BufferDepth = time.Duration(r.jb.target()) * frameDuration
	st.PacketsReceived = r.jb.received
	st.LatePackets = r.jb.late + r.jb.overflow
	st.Concealed = r.jb.concealed
	st.BufferWait = r.jb.meanWait()
}

func (r *receiver) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	return r.sink.Close()
}

// guardedSink is the speaker. A failing write is reported once (the device
// was unplugged, the disk is full) and the call goes on; when writes work
// again that is reported too.
type guardedSink struct {
	dst     audio.Writer
	p       *Phone
	failing bool
}

func (g *guardedSink) WriteSample(s audio.PCM16) error {
	err := g.dst.WriteSample(s)
	switch {
	case err != nil && !g.failing:
		g.failing = true
		g.p.deviceError(fmt.Errorf("speaker %s: %w", g.dst, err))
	case err == nil && g.failing:
		g.failing = false
		g.p.emit(Event{Type: EventDevice, Message: "speaker " + g.dst.String() + " works again"})
	}
	return err
}

func (g *guardedSink) SampleRate() int { return g.dst.SampleRate() }
func (g *guardedSink) String() string  { return g.dst.String() }
func (g *guardedSink) Close() error    { return g.dst.Close() }
