package trunk

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/zaf/g711"

	"github.com/meet-dev/meet/audio/rtpseq"
	"github.com/meet-dev/meet/internal/g711tab"
	"github.com/meet-dev/meet/internal/udpbatch"
)

var (
	// ErrNoMedia is returned by WriteFrame while a call has no media path
	// (not answered yet, ended, or unknown).
	ErrNoMedia = errors.New("trunk: no media for this call")
)

const defaultRTCPInterval = 5 * time.Second

// rtpSession is one call's RTP/RTCP endpoint: a UDP socket (and one for
// RTCP unless rtcp-mux), symmetric latching, G.711, the jitter buffer,
// RFC 4733 events, RTCP reports and the RTP timeout.
//
// No goroutine waits on the RTP socket: the room's tick reads what came
// (ReadFrame, with the kernel's arrival stamps) just before it takes the
// next frame, one system call on a thread awake already, where a reader
// goroutine was woken, scheduled and parked for every packet. While no
// room ticks the call (before it has one, or if its room stops reading
// it), the monitor goroutine reads the socket every 20 ms instead, so
// latching, keys and the RTP timeout go on. RFC 4733 keys go to the
// monitor goroutine, which calls onDTMF: the room's clock must not wait
// for a key's handler. A separate RTCP socket keeps a reader goroutine
// (a packet every few seconds).
type rtpSession struct {
	log          *slog.Logger
	conn         *udpbatch.Polled      // RTP (and RTCP with rtcp-mux); used under mu only
	out          *udpbatch.BatchSocket // conn through the trunk's send batch; nil: conn itself
	rtcpConn     *net.UDPConn          // nil when rtcp-mux is used
	timeout      time.Duration
	rtcpInterval time.Duration

	onDTMF    func(rune)
	onTimeout func()
	keys      chan rune                          // decoded keys, for the monitor goroutine to hand to onDTMF
	onPacket  func(udpbatch.Datagram, time.Time) // s.packet, bound once

	mu       sync.Mutex
	params   mediaParams
	localDir direction
	remote   netip.AddrPort // where we send RTP
	rtcpTo   netip.AddrPort // where we send RTCP
	latched  bool
	rtcpLat  bool
	jb       *jitterBuffer
	dtmf     dtmfDecoder
	started  time.Time // media start: 183 or 200 sent, or 200 received
	ticked   time.Time // the last ReadFrame: the room's tick reads the socket
	empty    int       // reads in a row that found nothing (see readLocked)
	skipped  int       // reads skipped since the last one, while quiet
	keysLost int       // keys dropped on a full queue
	armedAt  time.Time // RTP timeout runs from here: the call was answered
	lastRTP  time.Time
	closed   bool
	timedOut bool
	totals   *mediaTotals

	tx  txState
	rx  rxStats
	buf []byte
	pcm []int16 // decoded payload, copied into the jitter buffer's ring

	done chan struct{}
	wg   sync.WaitGroup
}

type txState struct {
	ssrc    uint32
	seq     uint16
	ts      uint32
	packets uint32
	octets  uint32
	sentAny bool
}

// rxStats follows RFC 3550 appendix A.1, A.3 and A.8.
type rxStats struct {
	ssrc          uint32
	init          bool
	seq           rtpseq.Counter
	expectedPrior uint32
	receivedPrior uint32
	transit       int64
	jitter        float64
	lastSR        uint32
	lastSRAt      time.Time
}

type sessionConfig struct {
	log       *slog.Logger
	timeout   time.Duration
	rtcp      time.Duration
	jbPrime   int
	jbMax     int
	batch     *udpbatch.Batch
	onDTMF    func(rune)
	onTimeout func()
	totals    *mediaTotals // where the session's receive counters go when it closes (calls; nil: nowhere)
}

// keyQueue bounds the keys decoded and not yet handed to onDTMF (a
// caller presses a few a second; a flood of key events beyond it is
// dropped).
const keyQueue = 32

func newRTPSession(conn *udpbatch.Polled, rtcpConn *net.UDPConn, cfg sessionConfig) *rtpSession {
	s := &rtpSession{
		log: cfg.log, conn: conn, rtcpConn: rtcpConn, timeout: cfg.timeout, rtcpInterval: cfg.rtcp,
		onDTMF: cfg.onDTMF, onTimeout: cfg.onTimeout, totals: cfg.totals,
		keys: make(chan rune, keyQueue),
		jb:   newJitterBuffer(cfg.jbPrime, cfg.jbMax),
		buf:  make([]byte, 12+8*frameSamples),
		done: make(chan struct{}),
	}
	s.onPacket = s.packet
	if cfg.batch != nil {
		s.out = cfg.batch.PolledSocket(conn)
	}
	s.tx.ssrc = rand.Uint32()
	s.tx.seq = uint16(rand.Uint32())
	s.tx.ts = rand.Uint32()
	return s
}

func (s *rtpSession) localPort() int { return int(s.conn.LocalAddr().Port()) }
func (s *rtpSession) localRTCPPort() int {
	if s.rtcpConn == nil {
		return s.localPort()
	}
	return s.rtcpConn.LocalAddr().(*net.UDPAddr).Port
}

// start begins media with the negotiated parameters and starts the
// monitor goroutine (and the RTCP socket's reader).
func (s *rtpSession) start(p mediaParams, localDir direction) {
	s.mu.Lock()
	s.applyLocked(p, localDir)
	s.started = time.Now()
	s.mu.Unlock()
	s.wg.Add(1)
	go s.monitor()
	if s.rtcpConn != nil {
		s.wg.Add(1)
		go s.readLoop(s.rtcpConn)
	}
}

// arm starts the RTP timeout: callers often send nothing during early
// media, so only an answered call is expected to keep RTP flowing.
func (s *rtpSession) arm() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.armedAt.IsZero() {
		s.armedAt = time.Now()
	}
}

// update applies a re-negotiation (re-INVITE: hold, unhold, new address).
func (s *rtpSession) update(p mediaParams, localDir direction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Remote != s.params.Remote && p.Remote.IsValid() {
		s.latched, s.rtcpLat = false, false
	}
	s.applyLocked(p, localDir)
	s.lastRTP = time.Now() // a re-negotiation restarts the timeout window
}

func (s *rtpSession) applyLocked(p mediaParams, localDir direction) {
	s.params, s.localDir = p, localDir
	if !s.latched && p.Remote.IsValid() {
		s.remote = p.Remote
	}
	if !s.rtcpLat && p.RemoteRTCP.IsValid() {
		s.rtcpTo = p.RemoteRTCP
	}
}

// receiveStatsLocked is what the jitter buffer played, concealed, skipped
// and time-compressed so far; the caller holds mu.
func (s *rtpSession) receiveStatsLocked() ReceiveStats {
	st := s.jb.core.Stats()
	return ReceiveStats{Played: st.Played, Concealed: st.Lost, Skipped: st.Trimmed + st.Drained + st.Jumped,
		Accelerated: st.Accelerated, CutSamples: s.jb.sh.Cut()}
}

func (s *rtpSession) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	if s.totals != nil {
		s.totals.add(s.receiveStatsLocked())
	}
	if s.out != nil {
		s.out.Detach() // before the descriptor it names is closed
	}
	s.conn.Close() // under mu: nothing reads or writes it meanwhile
	s.mu.Unlock()
	close(s.done)
	if s.rtcpConn != nil {
		s.rtcpConn.Close()
	}
	s.wg.Wait()
}

// ReadFrame implements CallMedia: it reads what the socket holds, then
// pops the next frame.
func (s *rtpSession) ReadFrame(dst []int16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(dst) == 0 {
		clear(dst)
		return false
	}
	now := time.Now() // the room's tick
	s.readLocked()
	s.ticked = now
	return s.jb.PopAt(dst, now)
}

// pollMax bounds the datagrams one read of the socket takes: 320 ms of a
// call's packets, after a stall; a flood beyond it stays in the socket's
// buffer, where the kernel drops what does not fit.
const pollMax = 16

// A socket that has had nothing for quietAfter reads in a row (a caller
// who sends no RTP during the guidance's early media, or between
// talkspurts) is read only every quietEvery-th time, until a datagram
// comes: meetd holds thousands of such calls at a time at its rated
// calls/s, and an empty read is still a system call. The first packet of a
// talkspurt then waits up to 80 ms in the socket (its arrival stamp keeps
// its time for the jitter buffer).
const (
	quietAfter = 10
	quietEvery = 4
)

// readLocked reads the socket unless it is quiet and this read is not
// due (see quietAfter). The caller holds mu.
func (s *rtpSession) readLocked() {
	if s.empty >= quietAfter {
		if s.skipped++; s.skipped < quietEvery {
			return
		}
		s.skipped = 0
	}
	s.pollLocked()
}

// pollLocked reads the socket. The caller holds mu.
func (s *rtpSession) pollLocked() {
	n, err := s.conn.Poll(pollMax, s.onPacket)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		s.log.Debug("rtp: read failed", "err", err) // an ICMP error and the like: read on
	}
	if n > 0 {
		s.empty, s.skipped = 0, 0
	} else if s.empty < quietAfter {
		s.empty++
	}
}

// packet is one datagram read from the RTP socket. The caller holds mu.
func (s *rtpSession) packet(d udpbatch.Datagram, at time.Time) {
	if isRTCP(d.B) {
		s.handleRTCPLocked(d.B, d.From)
		return
	}
	s.handleRTPLocked(d.B, d.From, at)
}

// depth is the jitter buffer's queue length.
func (s *rtpSession) depth() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jb.Depth()
}

// WriteFrame implements CallMedia: encode and send one frame.
func (s *rtpSession) WriteFrame(src []int16) error {
	if len(src) == 0 || len(src) > 8*frameSamples {
		return errors.New("trunk: frame must hold 1..1280 samples")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrNoMedia
	}
	if !s.remote.IsValid() || !s.localDir.canSend() || s.started.IsZero() {
		return nil // on hold or no address yet: nothing to send, not an error
	}
	b := s.buf[:12+len(src)]
	b[0] = 0x80
	b[1] = s.params.Codec.PT
	if !s.tx.sentAny {
		b[1] |= 0x80 // marker on the first packet
	}
	putU16(b[2:], s.tx.seq)
	putU32(b[4:], s.tx.ts)
	putU32(b[8:], s.tx.ssrc)
	payload := b[12:]
	if s.params.Codec.Name == "PCMA" {
		g711tab.EncodeAlaw(payload, src)
	} else {
		g711tab.EncodeUlaw(payload, src)
	}
	s.tx.seq++
	s.tx.ts += uint32(len(src))
	s.tx.packets++
	s.tx.octets += uint32(len(src))
	s.tx.sentAny = true
	if s.out != nil {
		return s.out.WriteTo(b, s.remote)
	}
	_, err := s.conn.WriteToUDPAddrPort(b, s.remote)
	return err
}

func putU16(b []byte, v uint16) { b[0], b[1] = byte(v>>8), byte(v) }
func putU32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

// readLoop reads a separate RTCP socket.
func (s *rtpSession) readLoop(conn *net.UDPConn) {
	defer s.wg.Done()
	r, err := udpbatch.NewReader(conn, 1)
	if err != nil {
		s.log.Warn("rtcp: cannot read the socket", "err", err)
		return
	}
	defer r.Release()
	handle := func(ds []udpbatch.Datagram) {
		for _, d := range ds {
			s.handleRTCP(d.B, d.From)
		}
	}
	for {
		err := r.Serve(handle)
		select {
		case <-s.done:
			return
		default:
		}
		if errors.Is(err, net.ErrClosed) {
			return
		}
		// A read deadline or a passing socket error: read on.
	}
}

// isRTCP demultiplexes RTP and RTCP on one port (RFC 5761 §4).
func isRTCP(b []byte) bool { return len(b) >= 2 && b[1] >= 192 && b[1] <= 223 }

// handleRTPLocked takes one RTP packet that arrived at now. The caller
// holds mu.
func (s *rtpSession) handleRTPLocked(b []byte, from netip.AddrPort, now time.Time) {
	var p rtp.Packet
	if err := p.Unmarshal(b); err != nil || p.Version != 2 {
		return
	}
	pt := p.PayloadType
	isAudio := pt == s.params.Codec.PT
	isDTMF := s.params.DTMFPT >= 0 && int(pt) == s.params.DTMFPT
	if s.closed || (!isAudio && !isDTMF) {
		return
	}
	if !s.latched {
		s.latched, s.remote = true, from // symmetric RTP: answer where it comes from
		if s.params.RTCPMux || s.rtcpConn == nil {
			s.rtcpTo = from
		}
	} else if from != s.remote {
		return // not our peer
	}
	s.lastRTP = now
	if s.rx.init && p.SSRC != s.rx.ssrc {
		s.jb.reset() // a new source (re-INVITE, transfer): new sequence space
	}
	s.rx.update(p.SSRC, p.SequenceNumber, p.Timestamp, now)
	if isDTMF {
		for _, d := range s.dtmf.Decode(p.Timestamp, p.Payload) {
			select {
			case s.keys <- d:
			default:
				if s.keysLost++; s.keysLost == 1 { // once a call: a flood must not flood the log
					s.log.Warn("rtp: keys dropped, too many waiting for the handler", "key", string(d))
				}
			}
		}
	} else if len(p.Payload) > 0 && len(p.Payload) <= 8*frameSamples {
		if cap(s.pcm) < len(p.Payload) {
			s.pcm = make([]int16, len(p.Payload))
		}
		pcm := s.pcm[:len(p.Payload)] // Push copies it into the ring
		if s.params.Codec.Name == "PCMA" {
			for i, v := range p.Payload {
				pcm[i] = g711.DecodeAlawFrame(v)
			}
		} else {
			for i, v := range p.Payload {
				pcm[i] = g711.DecodeUlawFrame(v)
			}
		}
		s.jb.PushAt(p.SequenceNumber, p.Timestamp, pcm, now)
	}
}

func (rx *rxStats) update(ssrc uint32, seq uint16, ts uint32, now time.Time) {
	if !rx.init || ssrc != rx.ssrc {
		*rx = rxStats{ssrc: ssrc, init: true, lastSR: rx.lastSR, lastSRAt: rx.lastSRAt}
	}
	rx.seq.Add(seq)
	// Interarrival jitter in 8 kHz units (RFC 3550 A.8).
	arrival := now.UnixNano() * 8000 / int64(time.Second)
	transit := arrival - int64(ts)
	if rx.transit != 0 {
		d := transit - rx.transit
		if d < 0 {
			d = -d
		}
		rx.jitter += (float64(d) - rx.jitter) / 16
	}
	rx.transit = transit
}

func (rx *rxStats) report(now time.Time) (rtcp.ReceptionReport, bool) {
	if !rx.init {
		return rtcp.ReceptionReport{}, false
	}
	extMax := rx.seq.ExtendedMax()
	expected, received := uint32(rx.seq.Expected()), uint32(rx.seq.Received())
	lost := int64(rx.seq.Lost())
	expInt := expected - rx.expectedPrior
	recInt := received - rx.receivedPrior
	rx.expectedPrior, rx.receivedPrior = expected, received
	var fraction uint8
	if lostInt := int64(expInt) - int64(recInt); expInt > 0 && lostInt > 0 {
		fraction = uint8((lostInt << 8) / int64(expInt))
	}
	rr := rtcp.ReceptionReport{
		SSRC: rx.ssrc, FractionLost: fraction, TotalLost: uint32(min(lost, 0x7fffff)),
		LastSequenceNumber: extMax, Jitter: uint32(rx.jitter), LastSenderReport: rx.lastSR,
	}
	if rx.lastSR != 0 {
		rr.Delay = uint32(now.Sub(rx.lastSRAt).Seconds() * 65536)
	}
	return rr, true
}

func (s *rtpSession) handleRTCP(b []byte, from netip.AddrPort) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handleRTCPLocked(b, from)
}

// handleRTCPLocked takes one RTCP compound packet. The caller holds mu.
func (s *rtpSession) handleRTCPLocked(b []byte, from netip.AddrPort) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return
	}
	if !s.rtcpLat && s.rtcpConn != nil {
		s.rtcpLat, s.rtcpTo = true, from
	}
	for _, p := range pkts {
		if sr, ok := p.(*rtcp.SenderReport); ok {
			s.rx.lastSR = uint32(sr.NTPTime >> 16)
			s.rx.lastSRAt = time.Now()
		}
	}
}

// unticked is how long after the room's last read the monitor reads the
// socket itself: a few of the room's ticks.
const unticked = 3 * framePeriod

// monitor sends RTCP reports, enforces the RTP timeout, hands keys to
// onDTMF, and reads the socket while no room does.
func (s *rtpSession) monitor() {
	defer s.wg.Done()
	interval := s.rtcpInterval
	if interval <= 0 {
		interval = defaultRTCPInterval
	}
	tick := min(time.Second, interval/2)
	if s.timeout > 0 {
		tick = min(tick, max(s.timeout/4, 10*time.Millisecond))
	}
	t := time.NewTimer(0) // a first read at once
	defer t.Stop()
	nextReport := time.Now().Add(interval / 2)
	nextCheck := time.Now().Add(tick)
	for {
		select {
		case <-s.done:
			return
		case d := <-s.keys:
			if s.onDTMF != nil {
				s.onDTMF(d)
			}
		case now := <-t.C:
			polling := s.pollUnticked(now)
			if !now.Before(nextCheck) {
				nextCheck = now.Add(tick)
				if now.After(nextReport) {
					s.sendRTCP(now)
					nextReport = now.Add(interval)
				}
				if s.checkTimeout(now) && s.onTimeout != nil {
					s.onTimeout()
					return
				}
			}
			wait := time.Until(nextCheck)
			if polling {
				wait = min(wait, framePeriod)
			}
			t.Reset(wait)
		}
	}
}

// pollUnticked reads the socket when no room has read it lately, and says
// whether it did.
func (s *rtpSession) pollUnticked(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || now.Sub(s.ticked) < unticked {
		return false
	}
	s.readLocked()
	return true
}

func (s *rtpSession) checkTimeout(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timeout <= 0 || s.timedOut || s.closed || s.armedAt.IsZero() {
		return false
	}
	if !s.params.RemoteDir.canSend() {
		return false // held with inactive/recvonly: no RTP expected
	}
	last := s.armedAt
	if s.lastRTP.After(last) {
		last = s.lastRTP
	}
	if now.Sub(last) < s.timeout {
		return false
	}
	s.timedOut = true
	return true
}

func ntpTime(t time.Time) uint64 {
	secs := uint64(t.Unix()) + 2208988800
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

func (s *rtpSession) sendRTCP(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock() // the socket is used under mu only
	if s.closed || !s.rtcpTo.IsValid() {
		return
	}
	var reports []rtcp.ReceptionReport
	if rr, ok := s.rx.report(now); ok {
		reports = append(reports, rr)
	}
	var first rtcp.Packet
	if s.tx.sentAny {
		first = &rtcp.SenderReport{SSRC: s.tx.ssrc, NTPTime: ntpTime(now), RTPTime: s.tx.ts,
			PacketCount: s.tx.packets, OctetCount: s.tx.octets, Reports: reports}
	} else {
		first = &rtcp.ReceiverReport{SSRC: s.tx.ssrc, Reports: reports}
	}
	b, err := rtcp.Marshal([]rtcp.Packet{first, rtcp.NewCNAMESourceDescription(s.tx.ssrc, "meetd")})
	if err != nil {
		return
	}
	if s.rtcpConn != nil && !s.params.RTCPMux {
		_, err = s.rtcpConn.WriteToUDPAddrPort(b, s.rtcpTo)
	} else {
		_, err = s.conn.WriteToUDPAddrPort(b, s.rtcpTo)
	}
	if err != nil {
		s.log.Debug("rtcp send failed", "error", err)
	}
}
