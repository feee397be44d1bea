package softphone

import (
	"fmt"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/timescale"
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
	// Delay given back (see giveBack): decoded samples at the codec's rate
	// waiting to be played, the debt to leave out of them, and the frame
	// taken from them.
	fifo  audio.PCM16
	sh    timescale.Shortener
	frame audio.PCM16

	meter   *audio.Meter
	ring    *ringStage
	tail    audio.Writer // Meter -> Ring -> Speaker, at 48 kHz
	sink    *guardedSink
	paced   bufferedSink // the speaker when it is a sound card, else nil
	clk     playClock    // the playout's clock (see playout)
	ended   bool         // a call was left: its last packets may still come (see endStream)
	lastPkt time.Time    // arrival of the last packet received
	skipped uint64       // this stream's frames not played: past the fifo's debt bound (see maxBehindDebt, maxOwedFrames)
	behind  uint64       // this stream's decoded frames owed to the fifo because the sound card was behind (see playOnceLocked)
	ahead   int          // writes in a row that found aheadQueued waiting
	silence audio.PCM16
	level   levelHold // speaker level, updated per frame

	playedFrames uint64
	// onFrame, when set, is called with a received frame's arrival time
	// just before the frame is written to the speaker (delay measurement).
	onFrame func(arrival time.Time)
	closed  bool
}

func newReceiver(sink audio.Writer, p *Phone) (*receiver, error) {
	g := &guardedSink{dst: sink, p: p}
	ring, err := newRingStage(g)
	if err != nil {
		return nil, err
	}
	ring.set(p.ringing.Load())
	r := &receiver{p: p, ring: ring, sink: g, silence: make(audio.PCM16, 960)}
	if b, ok := sink.(bufferedSink); ok {
		r.paced = b
	}
	r.meter = audio.NewMeter(ring)
	r.tail = r.meter
	return r, nil
}

// bufferedSink is a speaker that plays at its own pace from a queue
// (device.Playback): it reports how much audio waits in it.
type bufferedSink interface {
	Buffered() time.Duration
}

// A sound card's queue is normally empty when a frame is written (the card
// took the last one in two 10 ms parts). With maxQueued or more waiting, or
// with a device frame or more waiting for aheadWrites writes in a row, the
// card is behind (its clock is slower, it underran, or frames were played
// late after the process was starved): the frame is not written, and its
// audio is left out of the next frames by time compression (or dropped,
// past maxBehindDebt), rather than let the delay grow.
const (
	maxQueued   = frameDuration + frameDuration/4
	aheadQueued = 10 * time.Millisecond
	aheadWrites = 50
	// maxBehindDebt is how many frames the fifo may owe (see giveBack)
	// before a frame the card has no room for is dropped instead: time
	// compression removes a few ms a frame from a voice, so a card stuck
	// behind would otherwise grow the fifo and the delay without bound.
	maxBehindDebt = 2
	// maxOwedFrames is the same bound for the packets the jitter buffer
	// owes (a burst's excess, delay to give back): past it they are
	// dropped, as before time compression.
	maxOwedFrames = 5
)

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
	r.newStreamLocked()
	r.mu.Unlock()
	return nil
}

// newStreamLocked starts the playout of a new stream (a codec, a call):
// an empty jitter buffer and fifo, and its counters from zero. The caller
// holds r.mu.
func (r *receiver) newStreamLocked() {
	r.jb = newJitterBuffer(frameDuration, int(codecCap(r.codec).ClockRate))
	r.fifo = r.fifo[:0]
	r.sh = timescale.Shortener{Rate: r.codec.rate()}
	r.skipped, r.behind = 0, 0
}

// endStream forgets the stream of a call that ended: the packets still
// buffered and the decoder's memory of it. Otherwise the playout goes on
// concealing the last call (Opus continues its last sounds for up to three
// frames) into the next one, which is answered at once when it is already
// ringing, and that call's first packet is decoded against the last
// call's state. Packets that still come without a pause (the room sends
// until it has seen the call end) are dropped, up to a pause or a join.
func (r *receiver) endStream() {
	r.mu.Lock()
	c := r.codec
	r.mu.Unlock()
	if c == CodecUnknown {
		return // no stream yet
	}
	rp, err := buildRecvPipeline(c, r.tail)
	if err != nil {
		r.p.log.Debug("receive pipeline", "err", err)
		return
	}
	r.mu.Lock()
	if r.codec == c { // not switched meanwhile (that built a fresh one)
		r.dec, r.head = rp.dec, rp.head
		r.newStreamLocked()
	}
	r.ended = true
	r.mu.Unlock()
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

// onRTP takes one packet of pr's stream (on its socket's goroutine): the
// first of a codec binds the receive pipeline to it.
func (r *receiver) onRTP(pr *peer, pkt *rtp.Packet) {
	c := codecOfPT(pkt.PayloadType)
	if c == CodecUnknown {
		return
	}
	if Codec(pr.rxCodec.Load()) != c {
		if !r.bind(pr, c) {
			return
		}
		pr.rxCodec.Store(int32(c))
	}
	r.receive(pr, pkt.SequenceNumber, pkt.Timestamp, pkt.Payload, time.Now())
}

// bind makes pr's stream, in codec c, the one played.
func (r *receiver) bind(pr *peer, c Codec) bool {
	r.mu.Lock()
	r.owner = pr
	switched := c != r.codec
	r.mu.Unlock()
	if switched {
		if err := r.setCodec(c); err != nil {
			r.p.deviceError(fmt.Errorf("decoder: %w", err))
			return false
		}
	}
	return true
}

// endedGap is the pause that ends a left call's stream: packets that come
// closer than this after the last one are its tail.
const endedGap = 2 * frameDuration

// receive takes one packet of pr's track that arrived at now into the
// jitter buffer, unless it is the tail of a call just left, and runs the
// playout clock (see onPacket). It reports whether the packet was taken.
func (r *receiver) receive(pr *peer, seq uint16, ts uint32, payload []byte, now time.Time) (taken bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	gap := now.Sub(r.lastPkt)
	r.lastPkt = now
	if r.ended && gap < endedGap {
		return false // the left call's room still sending its last ticks
	}
	r.ended = false
	if r.owner != pr || r.jb == nil {
		return false
	}
	r.jb.push(seq, ts, payload, now)
	r.onPacket(now)
	return true
}

// resume takes the stream in again after endStream: a call was joined,
// and what comes now is its.
func (r *receiver) resume() {
	r.mu.Lock()
	r.ended = false
	r.mu.Unlock()
}

// playOnce plays one 20 ms frame: the next packet, a concealed one, or
// silence (with the ring tone when ringing). It returns how much earlier
// the next frame may play (see jitterBuffer.early).
func (r *receiver) playOnce(now time.Time) (early time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.playOnceLocked(now)
}

// playOnceLocked is playOnce with r.mu held.
func (r *receiver) playOnceLocked(now time.Time) (early time.Duration) {
	defer func() {
		if r.jb != nil {
			early = r.jb.early()
		}
	}()
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
	case jbLost:
		pcm, err = r.dec.conceal(payload)
	default:
		if len(r.fifo) > 0 { // the stream stopped: what was left of it is a few ms
			r.fifo = r.fifo[:0]
			r.sh.Forget()
		}
		r.writeTail(r.silence)
		return
	}
	if err != nil {
		r.p.log.Debug("decode failed", "err", err)
		r.writeTail(r.silence)
		return
	}
	if r.cardBehind() {
		// The card's queue holds this frame's time already: the frame
		// goes into the fifo as a debt, left out of the frames after
		// (see giveBack), rather than dropped; with more than
		// maxBehindDebt owed already it is dropped after all.
		if r.sh.Owed()+len(pcm) > maxBehindDebt*len(pcm) {
			r.skipped++
			return
		}
		r.fifo = append(r.fifo, pcm...)
		r.sh.Owe(len(pcm))
		r.behind++
		return
	}
	if r.onFrame != nil && st == jbFrame {
		r.onFrame(r.jb.lastArrival()) // before an owed packet's pop moves it on
	}
	pcm = r.giveBack(pcm, now)
	if err := r.head.WriteSample(pcm); err != nil {
		r.p.log.Debug("playback write failed", "err", err)
	}
	rms, _ := r.meter.Levels()
	r.level.update(rms, len(pcm))
	return
}

// giveBack plays the packet a drain of the jitter buffer owes (delay to
// give back, see jitterBuffer) with the frame pcm, in the time of one
// frame: both are decoded into the fifo, and the frames taken from it
// leave out the packet's length, a pitch period at a time over the next
// frames (audio/timescale: a voice or a tone stays unbroken), instead of
// dropping the packet's 20 ms. Without a debt and with an empty fifo (the
// usual frame) pcm passes through. The caller holds r.mu.
func (r *receiver) giveBack(pcm audio.PCM16, now time.Time) audio.PCM16 {
	if len(r.fifo) == 0 && r.jb.owed() == 0 {
		return pcm
	}
	r.fifo = append(r.fifo, pcm...) // before the next decode reuses pcm
	if st, payload := r.jb.popOwed(now); st == jbFrame {
		if r.sh.Owed() >= maxOwedFrames*len(pcm) {
			// Owed more than time compression gives back (a sender
			// faster than real time): this one is dropped, so the fifo
			// and the delay stay bounded.
			r.skipped++
		} else if more, err := r.dec.decode(payload); err == nil {
			r.fifo = append(r.fifo, more...)
			r.sh.Owe(len(more))
		} else {
			r.p.log.Debug("decode failed", "err", err)
		}
	}
	if cap(r.frame) < len(pcm) {
		r.frame = make(audio.PCM16, len(pcm))
	}
	r.frame = r.frame[:len(pcm)]
	r.fifo = r.sh.Take(r.frame, r.fifo)
	return r.frame
}

// writeTail plays silence (with the ring tone when ringing). A sound card
// plays silence by itself when given nothing, so it is only fed while
// ringing: a stream that starts then finds its queue empty.
// cardBehind reports whether the sound card's queue holds too much for the
// next frame to be written (see maxQueued).
func (r *receiver) cardBehind() bool {
	if r.paced == nil {
		return false
	}
	q := r.paced.Buffered()
	if q < aheadQueued {
		r.ahead = 0
		return false
	}
	if r.ahead++; q >= maxQueued || r.ahead >= aheadWrites {
		r.ahead = 0
		return true
	}
	return false
}

func (r *receiver) writeTail(s audio.PCM16) {
	r.level.update(audio.MinDBFS, len(s))
	if r.paced != nil && !r.ring.active() {
		return
	}
	if err := r.tail.WriteSample(s); err != nil {
		r.p.log.Debug("playback write failed", "err", err)
	}
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
	js := r.jb.stats()
	st.PacketsReceived = js.Received
	st.LatePackets = js.Late + js.Evicted + js.Trimmed
	st.Skipped = js.Drained + js.Skipped + r.skipped
	st.Accelerated = js.Accelerated + r.behind
	st.CompressedMs = float64(r.sh.Cut()) * 1000 / float64(r.sh.Rate)
	st.Concealed = js.Lost
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
