package softphone

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/meet-dev/meet/internal/litertc"
	"github.com/meet-dev/meet/internal/lossfec"
)

// Payload types we offer, in order of preference.
const (
	ptOpus = 111
	ptPCMU = 0
)

var (
	capOpus = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1;stereo=0;sprop-stereo=0"}
	capPCMU = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}
)

// ErrNoCommonCodec is returned when meetd's answer carries neither Opus nor PCMU.
var ErrNoCommonCodec = errors.New("softphone: the answer has no codec in common (want opus or PCMU)")

// newEndpoint opens the phone's media sockets: one UDP socket per local
// address (127.0.0.1 only with loopback ICE), kept for the phone's life
// and used by every connection it negotiates (internal/litertc). meetd is
// an ICE-lite server that learns the phone's address from its checks, so
// the phone needs no STUN or TURN server. The connection is disconnected
// after 3 s without a packet and failed after 8 s, when the phone
// renegotiates; a check every second keeps it alive between calls.
func newEndpoint(o *options) (*litertc.Endpoint, error) {
	return litertc.NewEndpoint(litertc.Config{Loopback: o.loopback, Log: o.log,
		DisconnectAfter: 3 * time.Second, FailAfter: 8 * time.Second, KeepAlive: time.Second})
}

// offerCodecs are the codecs we offer, in order of preference.
func offerCodecs(o *options) []litertc.Codec {
	var cs []litertc.Codec
	if !o.noOpus {
		cs = append(cs, litertc.Codec{PT: ptOpus, Name: "opus", ClockRate: capOpus.ClockRate,
			Channels: capOpus.Channels, Fmtp: capOpus.SDPFmtpLine})
	}
	return append(cs, litertc.Codec{PT: ptPCMU, Name: "PCMU", ClockRate: capPCMU.ClockRate})
}

// codecOfPT is the codec of one of our payload types.
func codecOfPT(pt uint8) Codec {
	switch pt {
	case ptOpus:
		return CodecOpus
	case ptPCMU:
		return CodecPCMU
	}
	return CodecUnknown
}

// peer is one negotiated peer connection. The phone replaces it as a whole
// when it fails (a new offer, new ICE and DTLS).
type peer struct {
	conn    *litertc.Conn
	codec   Codec
	ssrc    uint32
	rxCodec atomic.Int32 // the codec of the stream received, once bound (receiver.onRTP)

	connected chan struct{} // closed when the connection first reaches connected
	done      chan struct{} // closed when it fails or closes
	onceConn  sync.Once
	onceDone  sync.Once

	sent atomic.Uint64

	// fecCtl sets the Opus encoder's expected loss from meetd's reports;
	// narrowUp holds meetd's last band hint (bandhint): narrowband.
	fecCtl   *lossfec.Control
	narrowUp atomic.Bool

	// Simulated send loss (WithSimulatedSendLoss); used by the one writer.
	lossRate float64
	lossRNG  *rand.Rand
	dropped  uint16 // packets dropped since the last one sent
}

// trackSink writes encoded frames to the peer's connection.
type trackSink struct{ p *peer }

// WritePacket sends b as one RTP packet lasting d; an empty b sends
// nothing and only moves the stream's RTP clock on by d (an idle stream).
func (t trackSink) WritePacket(b []byte, d time.Duration) error {
	if len(b) > 0 && t.p.lossRate > 0 && t.p.lossRNG.Float64() < t.p.lossRate {
		t.p.dropped++
		return nil
	}
	if err := t.p.conn.WriteSample(media.Sample{Data: b, Duration: d, PrevDroppedPackets: t.p.dropped}); err != nil {
		return err
	}
	t.p.dropped = 0
	if len(b) > 0 {
		t.p.sent.Add(1)
	}
	return nil
}
func (t trackSink) String() string { return "Track" }
func (t trackSink) link() *peer    { return t.p }

// negotiate makes an offer for one sendrecv audio stream, sends it through
// sig and applies the answer (complete both ways, no trickle); the
// connection checks and connects from then on.
func negotiate(ctx context.Context, ep *litertc.Endpoint, o *options, sig Signaller, h peerHandlers) (*peer, error) {
	p := &peer{connected: make(chan struct{}), done: make(chan struct{}), lossRate: o.sendLoss, fecCtl: lossfec.New()}
	if p.lossRate > 0 {
		p.lossRNG = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	conn, offer, err := ep.Offer(litertc.Media{Codecs: offerCodecs(o), CNAME: "meet", Handler: litertc.Handler{
		RTP:  func(pkt *rtp.Packet) { h.rtp(p, pkt) },
		RTCP: func(pkts []rtcp.Packet) { h.rtcp(p, pkts) },
		State: func(s litertc.State) {
			switch s {
			case litertc.StateConnected:
				p.onceConn.Do(func() { close(p.connected) })
			case litertc.StateFailed, litertc.StateClosed:
				p.onceDone.Do(func() { close(p.done) })
			}
			h.state(s)
		},
	}})
	if err != nil {
		return nil, fmt.Errorf("offer: %w", err)
	}
	p.conn, p.ssrc = conn, conn.SSRC()
	ok := false
	defer func() {
		if !ok {
			p.close()
		}
	}()
	answerSDP, err := sig.Offer(ctx, offer)
	if err != nil {
		return nil, fmt.Errorf("offer: %w", err)
	}
	if p.codec, err = answerCodec(answerSDP); err != nil {
		return nil, err
	}
	if err := conn.SetAnswer(answerSDP); err != nil {
		return nil, fmt.Errorf("apply answer: %w", err)
	}
	ok = true
	return p, nil
}

// peerHandlers are the phone's callbacks for one peer.
type peerHandlers struct {
	state func(litertc.State)
	rtp   func(*peer, *rtp.Packet)   // a packet of meetd's stream, on the socket's goroutine
	rtcp  func(*peer, []rtcp.Packet) // meetd's reports and hints
}

func (p *peer) close() {
	_ = p.conn.Close()
	p.onceDone.Do(func() { close(p.done) })
}

func codecCap(c Codec) webrtc.RTPCodecCapability {
	if c == CodecPCMU {
		return capPCMU
	}
	return capOpus
}

// answerCodec reads the codec meetd will use from the answer: the first
// payload type of the audio m-line that we support.
func answerCodec(answer string) (Codec, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(answer); err != nil {
		return CodecUnknown, fmt.Errorf("parse answer: %w", err)
	}
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		if md.MediaName.Port.Value == 0 {
			return CodecUnknown, fmt.Errorf("%w: audio was rejected", ErrNoCommonCodec)
		}
		names := map[string]string{}
		for _, a := range md.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			pt, enc, _ := strings.Cut(a.Value, " ")
			name, _, _ := strings.Cut(enc, "/")
			names[pt] = name
		}
		for _, f := range md.MediaName.Formats {
			name, ok := names[f]
			if !ok && f == strconv.Itoa(ptPCMU) {
				name = "PCMU" // static payload type without rtpmap
			}
			if c, err := ParseCodec(name); err == nil {
				return c, nil
			}
		}
	}
	return CodecUnknown, ErrNoCommonCodec
}

// rttFromReports returns the round-trip time from an RTCP report block about
// our stream (RFC 3550 §6.4.1: RTT = A - LSR - DLSR), or false.
func rttFromReports(pkts []rtcp.Packet, ssrc uint32, now time.Time) (time.Duration, bool) {
	rr, ok := lossfec.Block(pkts, ssrc)
	if !ok || rr.LastSenderReport == 0 {
		return 0, false
	}
	d := ntpMiddle(now) - rr.LastSenderReport - rr.Delay // modulo 2^32, units of 1/65536 s
	if d > 1<<31 {
		return 0, false // clock weirdness: ignore
	}
	return time.Duration(float64(d) / 65536 * float64(time.Second)), true
}

// ntpMiddle is the middle 32 bits of the NTP timestamp of t.
func ntpMiddle(t time.Time) uint32 {
	const ntpEpochOffset = 2208988800
	secs := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return uint32((secs&0xffff)<<16 | frac>>16)
}
