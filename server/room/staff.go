package room

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/mixer"
	"github.com/meet-dev/meet/internal/bandhint"
	"github.com/meet-dev/meet/internal/litertc"
	"github.com/meet-dev/meet/internal/lossfec"
)

// staffLeg is one softphone: its current peer connection and, when
// attached, its place in a room. It is the mixer Source and Sink of the
// staff member, so re-pointing it to a room needs no renegotiation.
type staffLeg struct {
	id  int64
	log *slog.Logger

	mu    sync.Mutex // guards cur, share and the peer's media state
	cur   *peer
	share *sharedSend // the attached room's shared encoders (share.go)

	// narrow: everyone else this leg hears is the 8 kHz caller (set by the
	// Manager on every room change), so the Opus stream may be narrowband.
	narrow atomic.Bool
	// narrowUp: everything that hears this leg takes 8 kHz (no other
	// staff leg in its room), so its softphone may code its microphone
	// narrowband; the softphone is told by a bandhint (hintBand).
	narrowUp atomic.Bool

	online     atomic.Bool
	presenceMu sync.Mutex // orders presence changes and their announcements
	pending    []bool     // announcements not yet delivered, guarded by presenceMu
	delivering bool       // a goroutine is delivering pending, guarded by presenceMu

	handoffOK  bool       // peer.hand8 holds the switch tick's narrowband frame, guarded by mu
	pairedWith *callerLeg // the caller of its last two-party tick, guarded by mu

	// Guarded by Manager.mu.
	room *Room
	leg  *mixer.Leg
	mode api.JoinMode
}

// peer is one negotiated peer connection of a staff leg. A new offer
// replaces it with a fresh one.
type peer struct {
	conn   *litertc.Conn // nil: a connection-less leg (benchmarks)
	track  sampleTrack
	answer string // the answer SDP conn was made with
	pts    map[uint8]codecKind
	send   codecKind
	sends  [sendKinds]*sendPipe // built by buildSends (send.go)
	fec    *lossfec.Control     // the loss the softphone reports about our stream: our Opus encoders' FEC

	// The softphone's stream's SSRC once its first packet arrived (0
	// before): band hints name it. hints ends with the connection.
	remoteSSRC atomic.Uint32
	hints      chan struct{}
	hintsOnce  sync.Once
	out        packetOut

	// Receive side, guarded by staffLeg.mu.
	jb    *jitter
	recv  *recvPipes // built by pipes on first use (recv.go)
	lastN int        // samples of the last packet, at 48 kHz
	// lastCodec is the codec of the last decoded packet.
	lastCodec codecKind
	clock     func() time.Time // a tick's time; nil: time.Now (tests run their own)

	narrowRecv
	newDe func(c codecKind, rate int) (decoder, error)
}

// narrowRecv is a peer's narrowband receive path, for the two-party fast
// path (narrow.go).
type narrowRecv struct {
	narrowed bool             // the last frame was read narrowband
	recent   [warmPkts][]byte // the last Opus packets decoded, to warm up a decoder
	nRecent  int              // packets stored in recent, ever
	hand8    [CallerFrame]int16
}

// pipelines names the peer's two directions through the mixer as they
// run now (narrow: the operator hears nothing but the 8 kHz caller).
func (p *peer) pipelines(narrow bool) (receive, send string) {
	receive = "no receive pipeline"
	if rp := p.recvPipe(p.streamCodec(nil), false); rp != nil {
		receive = rp.String()
	}
	if sp := p.sends[sendKindOf(p, narrow)]; sp != nil {
		send = sp.String()
	} else {
		send = "no send pipeline"
	}
	return receive, send
}

// buildSends builds the peer's send pipelines for its codec (send.go).
func (p *peer) buildSends(newOpus func(narrow bool) (encoder, error)) error {
	kinds := []sendKind{sendPCMU}
	if p.send == codecOpus {
		kinds = []sendKind{sendOpus, sendOpus8}
	}
	for _, k := range kinds {
		sp, err := buildSend(k, newOpus, &p.out)
		if err != nil {
			return err
		}
		p.sends[k] = sp
	}
	return nil
}

// narrowPipe is the send pipeline with an 8 kHz tail, for the fast path.
func (p *peer) narrowPipe() *sendPipe {
	if p.send == codecPCMU {
		return p.sends[sendPCMU]
	}
	return p.sends[sendOpus8]
}

// sendsNarrow says whether the peer's full-path send goes through the
// narrowband Opus encoder (narrow: the operator hears only the caller).
func (p *peer) sendsNarrow(narrow bool) bool { return p.send == codecOpus && narrow }

// String names the leg's two directions as they run now.
func (s *staffLeg) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return "no peer"
	}
	recv, send := s.cur.pipelines(s.narrow.Load())
	return "receive: " + recv + "; send: " + send
}

// push stores a received RTP packet (read loop goroutine).
func (s *staffLeg) push(p *peer, pkt *rtp.Packet) {
	codec, ok := p.pts[pkt.PayloadType]
	if !ok || len(pkt.Payload) == 0 {
		return // comfort noise, DTMF, padding: not for the mix
	}
	s.mu.Lock()
	if s.cur == p {
		p.jb.pushAt(pkt.SequenceNumber, pkt.Timestamp, codec, pkt.Payload, time.Now())
	}
	s.mu.Unlock()
}

// ReadFrame is the mixer Source: one 20 ms frame at 48 kHz from the
// jitter buffer. The first one after two-party ticks also hands the
// narrowband decode of the same packets to the caller, who fades over.
func (s *staffLeg) ReadFrame(dst []int16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.cur
	if p == nil {
		return false
	}
	if !p.narrowed {
		ok, _ := p.read(s.log, dst, false, nil)
		return ok
	}
	p.narrowed = false
	ok, alsoOK := p.read(s.log, dst, false, p.hand8[:])
	if !alsoOK {
		clear(p.hand8[:])
	}
	p.pipes().narrow.out(p.hand8[:])
	s.handoffOK = true
	return ok
}

// readNarrow is ReadFrame for the two-party fast path: 160 samples at
// 8 kHz, delayed to line up with the full path (48 kHz decode and
// Resample(48000->8000)), silence when nothing comes. On the first fast
// tick it also decodes the same packets at 48 kHz into wide (wideOK), so
// the caller can fade over from what the full path would have given.
func (s *staffLeg) readNarrow(dst, wide []int16) (wideOK bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handoffOK = false
	p := s.cur
	if p == nil {
		clear(dst)
		return false
	}
	var ok bool
	if p.narrowed {
		ok, _ = p.read(s.log, dst, true, nil)
	} else {
		p.narrowed = true
		ok, wideOK = p.read(s.log, dst, true, wide)
	}
	if !ok {
		clear(dst)
	}
	p.pipes().narrow.out(dst)
	return wideOK
}

// takeHandoff copies the narrowband frame of the switch tick into dst,
// when it is c's.
func (s *staffLeg) takeHandoff(c *callerLeg, dst []int16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.handoffOK || s.cur == nil || s.pairedWith != c {
		return false
	}
	s.handoffOK = false
	copy(dst, s.cur.hand8[:])
	return true
}

// narrowOK reports whether the operator's stream can be decoded at 8 kHz
// directly (Opus).
func (s *staffLeg) narrowOK(p *peer) bool {
	c := p.lastCodec
	if c == codecUnknown {
		c = p.send
	}
	return c == codecOpus
}

var errNoSendPipe = errors.New("room: peer has no send pipeline")

var silence = make(audio.PCM16, 5760) // 120 ms at 48 kHz, the longest Opus frame

// pipes is the peer's receive direction, built on first use.
func (p *peer) pipes() *recvPipes {
	if p.recv == nil {
		p.recv = buildRecv(p.jb, p.newDe)
	}
	return p.recv
}

// streamCodec is the codec of what the jitter buffer gave: the packet's
// (slot), else the stream's last one (concealment continues it), else the
// one the peer was offered.
func (p *peer) streamCodec(slot *jbSlot) codecKind {
	c := p.lastCodec
	if slot != nil {
		c = codecKind(slot.Codec)
	}
	if c == codecUnknown {
		c = p.send
	}
	return c
}

// recvPipe is the receive pipeline of codec c at 8 kHz (narrow) or 48
// kHz, nil for a codec the room does not decode.
func (p *peer) recvPipe(c codecKind, narrow bool) *recvPipe {
	k, ok := recvKindOf(c, narrow)
	if !ok {
		return nil
	}
	return p.pipes().pipes[k]
}

// WriteFrame is the mixer Sink: encode what the staff member hears and send it.
func (s *staffLeg) WriteFrame(src []int16) error {
	s.mu.Lock()
	p := s.cur
	if p == nil {
		s.mu.Unlock()
		return nil
	}
	var payload []byte
	err := errNoSendPipe
	if sp := p.sends[sendKindOf(p, s.narrow.Load())]; sp != nil {
		payload, err = sp.send(src)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	err = p.track.WriteSample(media.Sample{Data: payload, Duration: mixer.Period})
	if isClosed(err) {
		return nil // the connection went away; presence tells the lifecycle
	}
	return err
}

// restart re-primes the jitter buffer so a newly attached leg plays the
// freshest audio from the first tick, and starts its encoders and
// decoders afresh: nothing of the last room's audio opens the next one.
func (s *staffLeg) restart() {
	s.mu.Lock()
	if p := s.cur; p != nil {
		p.jb.restart()
		for _, sp := range p.sends {
			if sp != nil {
				sp.reset()
			}
		}
		if rp := p.recv; rp != nil {
			rp.reset()
		}
		p.nRecent = 0 // nothing of the last call warms a decoder up
		p.narrowed = false
		s.handoffOK = false
		s.pairedWith = nil
	}
	s.mu.Unlock()
}

// receive takes one packet of p's softphone stream (on its socket's
// goroutine, litertc); a new stream is hinted its band at once.
func (s *staffLeg) receive(p *peer, pkt *rtp.Packet) {
	if p.remoteSSRC.Load() != pkt.SSRC { // only this goroutine stores it
		p.remoteSSRC.Store(pkt.SSRC)
		s.hintBand(p)
	}
	s.push(p, pkt)
}

func (s *staffLeg) current(p *peer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur == p
}

// StaffStats describe one softphone leg as the server sees it.
type StaffStats struct {
	Online   bool
	Codec    string // what the server sends: "opus" or "pcmu"
	CallID   int64  // attached room, 0 when none
	Mode     api.JoinMode
	Received uint64 // RTP packets received
	Lost     uint64 // frames missing at playout (FEC or concealment used)
	FEC      uint64 // of which recovered from the next packet's FEC
	Late     uint64 // packets that arrived after their playout time
	Skipped  uint64 // packets dropped to cut latency (jumped over or drained)
	// Accelerated are packets played early to cut latency, their audio
	// time-compressed (pitch periods left out, nothing dropped); CutMs
	// the audio left out in all, ms.
	Accelerated uint64
	CutMs       float64
}

// StaffStats returns a softphone leg's counters.
func (m *Manager) StaffStats(staffID int64) (StaffStats, bool) {
	m.mu.Lock()
	s := m.staff[staffID]
	var st StaffStats
	if s != nil && s.room != nil {
		st.CallID, st.Mode = s.room.callID, s.mode
	}
	m.mu.Unlock()
	if s == nil {
		return StaffStats{}, false
	}
	st.Online = m.Online(staffID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.cur; p != nil {
		st.Codec = p.send.String()
		p.receiveStats(&st)
	}
	return st, true
}

// MediaStats are receive counters summed over the operators' streams into
// the rooms: every softphone connection's, live or since replaced or
// closed. Counters: they only grow (a connection is counted once, either
// live or retired).
type MediaStats struct {
	Played      uint64  // packets played
	Concealed   uint64  // frames missing at playout (FEC or concealment)
	Skipped     uint64  // packets dropped unplayed to cut delay (jumps)
	Accelerated uint64  // packets played early to cut delay, time-compressed
	CutSeconds  float64 // the audio time compression left out
}

func (a *MediaStats) add(o MediaStats) {
	a.Played += o.Played
	a.Concealed += o.Concealed
	a.Skipped += o.Skipped
	a.Accelerated += o.Accelerated
	a.CutSeconds += o.CutSeconds
}

// mediaStats are p's receive counters; the caller holds the leg's mutex.
func (p *peer) mediaStats() MediaStats {
	j := p.jb.stats()
	return MediaStats{Played: j.Played, Concealed: j.Lost, Skipped: j.Jumped + j.Drained,
		Accelerated: j.Accelerated, CutSeconds: p.cutMs() / 1000}
}

// cutMs is the audio time compression left out of p's stream, ms.
func (p *peer) cutMs() float64 {
	if p.recv == nil {
		return 0
	}
	return float64(p.recv.wide.sh.Cut())/mixer.Rate*1000 + float64(p.recv.narrow.sh.Cut())/CallerRate*1000
}

// MediaStats sums the receive counters of every operator stream the
// Manager has had (for /metrics).
func (m *Manager) MediaStats() MediaStats {
	m.retiredMu.Lock()
	sum := m.retired // first: a stream retired after this read is then missed once, never counted twice
	m.retiredMu.Unlock()
	m.mu.Lock()
	legs := make([]*staffLeg, 0, len(m.staff))
	for _, s := range m.staff {
		legs = append(legs, s)
	}
	m.mu.Unlock()
	for _, s := range legs {
		s.mu.Lock()
		if p := s.cur; p != nil {
			sum.add(p.mediaStats())
		}
		s.mu.Unlock()
	}
	return sum
}

// retire adds the counters of p, a connection being replaced or closed,
// to the Manager's; the caller holds the leg's mutex.
func (m *Manager) retire(p *peer) {
	if p == nil {
		return
	}
	st := p.mediaStats()
	m.retiredMu.Lock()
	m.retired.add(st)
	m.retiredMu.Unlock()
}

// receiveStats fills in st's counters of p's receive direction.
func (p *peer) receiveStats(st *StaffStats) {
	j := p.jb.stats()
	st.Received, st.Lost, st.FEC, st.Late, st.Skipped = j.Received, j.Lost, j.FEC, j.Late, j.Jumped+j.Drained
	st.Accelerated, st.CutMs = j.Accelerated, p.cutMs()
}

// hintBand tells p's softphone the band its microphone stream needs now
// (internal/bandhint), once its SSRC is known, without blocking: callers
// hold locks, so the packet is written by a goroutine of its own.
func (s *staffLeg) hintBand(p *peer) {
	if pkt, ok := s.bandHint(p); ok {
		go func() { _ = p.conn.WriteRTCP([]rtcp.Packet{pkt}) }()
	}
}

// bandHint is the hint for p now, or false before p's SSRC is known.
func (s *staffLeg) bandHint(p *peer) (rtcp.Packet, bool) {
	ssrc := p.remoteSSRC.Load()
	if ssrc == 0 {
		return nil, false
	}
	return bandhint.Packet(ssrc, s.narrowUp.Load()), true
}

// setNarrowUp sets narrowUp and hints the softphone when it changed.
// Called with Manager.mu held.
func (s *staffLeg) setNarrowUp(v bool) {
	if s.narrowUp.Swap(v) == v {
		return
	}
	s.mu.Lock()
	p := s.cur
	s.mu.Unlock()
	if p != nil {
		s.hintBand(p)
	}
}

// bandHintEvery is how often the band hint is repeated (RTCP travels over
// UDP: a lost hint is only late, never missing for long).
const bandHintEvery = 2 * time.Second

// repeatBandHints sends the current band hint every bandHintEvery until
// p's connection ends.
func (s *staffLeg) repeatBandHints(p *peer) {
	t := time.NewTicker(bandHintEvery)
	defer t.Stop()
	for {
		select {
		case <-p.hints:
			return
		case <-t.C:
			if p.conn.State() == litertc.StateClosed {
				return
			}
			if pkt, ok := s.bandHint(p); ok {
				_ = p.conn.WriteRTCP([]rtcp.Packet{pkt})
			}
		}
	}
}

// endHints stops repeatBandHints (the connection closed or failed).
func (p *peer) endHints() { p.hintsOnce.Do(func() { close(p.hints) }) }

// sampleTrack is a staff leg's send track: one encoded 20 ms frame per
// WriteSample. meetd's connections send through their litertc.Conn;
// tests use a *webrtc.TrackLocalStaticSample.
type sampleTrack interface {
	WriteSample(media.Sample) error
}
