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

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

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

// newAPI builds the pion API: Opus then PCMU for audio, RTCP sender and
// receiver reports, and with loopback ICE only UDP4 host candidates
// including loopback, mDNS off.
func newAPI(o *options) (*webrtc.API, error) {
	me := &webrtc.MediaEngine{}
	for _, c := range []webrtc.RTPCodecParameters{
		{RTPCodecCapability: capOpus, PayloadType: ptOpus},
		{RTPCodecCapability: capPCMU, PayloadType: ptPCMU},
	} {
		if c.MimeType == webrtc.MimeTypeOpus && o.noOpus {
			continue
		}
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("register %s: %w", c.MimeType, err)
		}
	}
	reg := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetICETimeouts(3*time.Second, 8*time.Second, time.Second)
	if o.loopback {
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		se.SetIncludeLoopbackCandidate(true)
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg),
		webrtc.WithSettingEngine(se)), nil
}

// peer is one negotiated peer connection. The phone replaces it as a whole
// when it fails (a new offer, new ICE and DTLS).
type peer struct {
	pc     *webrtc.PeerConnection
	sender *webrtc.RTPSender
	track  *webrtc.TrackLocalStaticSample
	codec  Codec
	ssrc   uint32

	connected chan struct{} // closed when the connection first reaches connected
	done      chan struct{} // closed when it fails or closes
	onceConn  sync.Once
	onceDone  sync.Once
	wg        sync.WaitGroup

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

// trackSink writes encoded frames to the peer's local track.
type trackSink struct{ p *peer }

func (t trackSink) WritePacket(b []byte, d time.Duration) error {
	if t.p.lossRate > 0 && t.p.lossRNG.Float64() < t.p.lossRate {
		t.p.dropped++
		return nil
	}
	if err := t.p.track.WriteSample(media.Sample{Data: b, Duration: d, PrevDroppedPackets: t.p.dropped}); err != nil {
		return err
	}
	t.p.dropped = 0
	t.p.sent.Add(1)
	return nil
}
func (t trackSink) String() string { return "Track" }
func (t trackSink) link() *peer    { return t.p }

// negotiate creates a peer connection with one sendrecv audio transceiver,
// waits for ICE gathering to complete, sends the complete offer through sig
// and applies the answer (non-trickle both ways).
func negotiate(ctx context.Context, api *webrtc.API, o *options, sig Signaller, h peerHandlers) (*peer, error) {
	pc, err := api.NewPeerConnection(webrtc.Configuration{ICEServers: o.iceServers})
	if err != nil {
		return nil, fmt.Errorf("new peer connection: %w", err)
	}
	p := &peer{pc: pc, connected: make(chan struct{}), done: make(chan struct{}), lossRate: o.sendLoss, fecCtl: lossfec.New()}
	if p.lossRate > 0 {
		p.lossRNG = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	ok := false
	defer func() {
		if !ok {
			p.close()
		}
	}()
	first := capOpus
	if o.noOpus {
		first = capPCMU
	}
	p.track, err = webrtc.NewTrackLocalStaticSample(first, "audio", "meet")
	if err != nil {
		return nil, err
	}
	tr, err := pc.AddTransceiverFromTrack(p.track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv})
	if err != nil {
		return nil, fmt.Errorf("add transceiver: %w", err)
	}
	p.sender = tr.Sender()
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			p.onceConn.Do(func() { close(p.connected) })
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			p.onceDone.Do(func() { close(p.done) })
		}
		h.state(s)
	})
	pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		p.wg.Add(2)
		go func() { defer p.wg.Done(); h.track(p, t) }()
		go func() { defer p.wg.Done(); drainRTCP(r) }()
	})

	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return nil, fmt.Errorf("create offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return nil, fmt.Errorf("set local description: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return nil, fmt.Errorf("ice gathering: %w", ctx.Err())
	}
	answerSDP, err := sig.Offer(ctx, pc.LocalDescription().SDP)
	if err != nil {
		return nil, fmt.Errorf("offer: %w", err)
	}
	p.codec, err = answerCodec(answerSDP)
	if err != nil {
		return nil, err
	}
	if want := codecCap(p.codec); want.MimeType != first.MimeType {
		// Bind the track that matches the answer before applying it.
		if p.track, err = webrtc.NewTrackLocalStaticSample(want, "audio", "meet"); err != nil {
			return nil, err
		}
		if err := p.sender.ReplaceTrack(p.track); err != nil {
			return nil, fmt.Errorf("replace track: %w", err)
		}
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answerSDP}); err != nil {
		return nil, fmt.Errorf("apply answer: %w", err)
	}
	if enc := p.sender.GetParameters().Encodings; len(enc) > 0 {
		p.ssrc = uint32(enc[0].SSRC)
	}
	p.wg.Add(1)
	go func() { defer p.wg.Done(); h.senderRTCP(p) }()
	ok = true
	return p, nil
}

// peerHandlers are the phone's callbacks for one peer.
type peerHandlers struct {
	state      func(webrtc.PeerConnectionState)
	track      func(*peer, *webrtc.TrackRemote) // reads RTP until the track ends
	senderRTCP func(*peer)                      // reads RTCP for our stream until the sender closes
}

func (p *peer) close() {
	_ = p.pc.Close()
	p.onceDone.Do(func() { close(p.done) })
	p.wg.Wait()
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

func drainRTCP(r *webrtc.RTPReceiver) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := r.Read(buf); err != nil {
			return
		}
	}
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
