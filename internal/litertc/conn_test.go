package litertc

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/stun/v4"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/stretchr/testify/require"
)

var testCodecs = []Codec{
	{PT: 111, Name: "opus", ClockRate: 48000, Channels: 2, Fmtp: "minptime=10;useinbandfec=1"},
	{PT: 0, Name: "PCMU", ClockRate: 8000},
}

// pionPeer is a full pion PeerConnection with one sendrecv Opus track, as
// meet phone was; heard counts the RTP packets it receives.
func pionPeer(t *testing.T) (pc *webrtc.PeerConnection, tr *webrtc.TrackLocalStaticSample, snd *webrtc.RTPSender, heard *atomic.Int64) {
	t.Helper()
	me := &webrtc.MediaEngine{}
	require.NoError(t, me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, PayloadType: 111}, webrtc.RTPCodecTypeAudio))
	ir := &interceptor.Registry{}
	require.NoError(t, webrtc.ConfigureRTCPReports(ir))
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pc.Close() })
	tr, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "a", "s")
	require.NoError(t, err)
	snd, err = pc.AddTrack(tr)
	require.NoError(t, err)
	heard = new(atomic.Int64)
	pc.OnTrack(func(rt *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := rt.ReadRTP(); err != nil {
				return
			}
			heard.Add(1)
		}
	})
	return pc, tr, snd, heard
}

func offerOf(t *testing.T, pc *webrtc.PeerConnection) string {
	t.Helper()
	o, err := pc.CreateOffer(nil)
	require.NoError(t, err)
	g := webrtc.GatheringCompletePromise(pc)
	require.NoError(t, pc.SetLocalDescription(o))
	<-g
	return pc.LocalDescription().SDP
}

func TestPionPeerTwoWay(t *testing.T) {
	ep, err := NewEndpoint(Config{Loopback: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ep.Close() })
	pc, tr, snd, heard := pionPeer(t)
	var got atomic.Int64
	var rtcpIn atomic.Int64
	states := make(chan State, 16)
	c, answer, err := ep.Answer(context.Background(), offerOf(t, pc), Media{Codecs: testCodecs, CNAME: "t",
		Handler: Handler{
			RTP:   func(p *rtp.Packet) { got.Add(1) },
			RTCP:  func([]rtcp.Packet) { rtcpIn.Add(1) },
			State: func(s State) { states <- s },
		}})
	require.NoError(t, err)
	require.Contains(t, answer, "a=ice-lite")
	rrAboutUs := make(chan rtcp.ReceptionReport, 1)
	go func() {
		for {
			pkts, _, err := snd.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				if sr, ok := p.(*rtcp.SenderReport); ok {
					_ = sr
				}
				if rr, ok := p.(*rtcp.ReceiverReport); ok && len(rr.Reports) > 0 {
					select {
					case rrAboutUs <- rr.Reports[0]:
					default:
					}
				}
				if sr, ok := p.(*rtcp.SenderReport); ok && len(sr.Reports) > 0 {
					select {
					case rrAboutUs <- sr.Reports[0]:
					default:
					}
				}
			}
		}
	}()
	require.NoError(t, pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}))
	require.Equal(t, StateConnecting, waitState(t, states))
	require.Equal(t, StateConnected, waitState(t, states))
	exchange(t, tr, c, &got, heard)
	select {
	case rr := <-rrAboutUs:
		require.Zero(t, rr.FractionLost)
	case <-time.After(3 * time.Second):
		t.Fatal("no reception report from litertc reached the pion peer")
	}
	require.Positive(t, rtcpIn.Load())
	require.Equal(t, webrtc.PeerConnectionStateConnected, pc.ConnectionState())
	closed := make(chan struct{})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateClosed || s == webrtc.PeerConnectionStateFailed {
			select {
			case <-closed:
			default:
				close(closed)
			}
		}
	})
	require.NoError(t, c.Close())
	require.Equal(t, StateClosed, c.State())
}

func waitState(t *testing.T, ch chan State) State {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no state change")
	}
	return 0
}

// TestOfferToLite: the offering side (meet phone's) against the answering
// side (meetd's): checks, DTLS, two-way RTP, reports both ways, a round
// trip from the checks, and the answerer sees the offerer close.
func TestOfferToLite(t *testing.T) {
	srv, err := NewEndpoint(Config{Loopback: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	cli, err := NewEndpoint(Config{Loopback: true, KeepAlive: 200 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	var cliGot, srvGot, cliRR, srvRR atomic.Int64
	cliStates := make(chan State, 16)
	srvStates := make(chan State, 16)
	rrCounter := func(n *atomic.Int64) func([]rtcp.Packet) {
		return func(pkts []rtcp.Packet) {
			for _, p := range pkts {
				if sr, ok := p.(*rtcp.SenderReport); ok && len(sr.Reports) > 0 {
					n.Add(1)
				}
			}
		}
	}
	cc, offer, err := cli.Offer(Media{Codecs: testCodecs, CNAME: "phone", Handler: Handler{
		RTP: func(*rtp.Packet) { cliGot.Add(1) }, RTCP: rrCounter(&cliRR), State: func(s State) { cliStates <- s }}})
	require.NoError(t, err)
	sc, answer, err := srv.Answer(context.Background(), offer, Media{Codecs: testCodecs[1:], CNAME: "meetd", Handler: Handler{
		RTP: func(*rtp.Packet) { srvGot.Add(1) }, RTCP: rrCounter(&srvRR), State: func(s State) { srvStates <- s }}})
	require.NoError(t, err)
	require.NoError(t, cc.SetAnswer(answer))
	require.Equal(t, uint8(0), cc.send.PT, "the offerer sends the answer's codec")
	require.Equal(t, StateConnecting, waitState(t, cliStates))
	require.Equal(t, StateConnected, waitState(t, cliStates))
	require.Equal(t, StateConnecting, waitState(t, srvStates))
	require.Equal(t, StateConnected, waitState(t, srvStates))
	frame := make([]byte, 160)
	for range 120 {
		require.NoError(t, cc.WriteSample(media.Sample{Data: frame, Duration: 20 * time.Millisecond}))
		require.NoError(t, sc.WriteSample(media.Sample{Data: frame, Duration: 20 * time.Millisecond}))
		time.Sleep(20 * time.Millisecond)
	}
	require.GreaterOrEqual(t, cliGot.Load(), int64(100))
	require.GreaterOrEqual(t, srvGot.Load(), int64(100))
	require.Positive(t, cliRR.Load())
	require.Positive(t, srvRR.Load())
	require.Positive(t, cc.RTT())
	require.Less(t, cc.RTT(), 100*time.Millisecond)
	require.NoError(t, cc.Close())
	require.Equal(t, StateClosed, waitState(t, srvStates), "the answerer hears the close")
	require.NoError(t, sc.Close())
}

// TestOfferToPion: the offering side against pion's full ICE agent
// answering (the other role in a connectivity check).
func TestOfferToPion(t *testing.T) {
	cli, err := NewEndpoint(Config{Loopback: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	var got atomic.Int64
	states := make(chan State, 16)
	cc, offer, err := cli.Offer(Media{Codecs: testCodecs, Handler: Handler{
		RTP: func(*rtp.Packet) { got.Add(1) }, State: func(s State) { states <- s }}})
	require.NoError(t, err)
	defer cc.Close()
	pc, tr, _, heard := pionPeer(t)
	require.NoError(t, pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}))
	ans, err := pc.CreateAnswer(nil)
	require.NoError(t, err)
	g := webrtc.GatheringCompletePromise(pc)
	require.NoError(t, pc.SetLocalDescription(ans))
	<-g
	require.NoError(t, cc.SetAnswer(pc.LocalDescription().SDP))
	require.Equal(t, StateConnecting, waitState(t, states))
	require.Equal(t, StateConnected, waitState(t, states))
	exchange(t, tr, cc, &got, heard)
}

// exchange sends 20 ms frames both ways until each side got 50.
func exchange(t *testing.T, a, b interface{ WriteSample(media.Sample) error }, gotA, gotB *atomic.Int64) {
	t.Helper()
	frame := media.Sample{Data: make([]byte, 60), Duration: 20 * time.Millisecond}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && (gotA.Load() < 50 || gotB.Load() < 50) {
		require.NoError(t, a.WriteSample(frame))
		require.NoError(t, b.WriteSample(frame))
		time.Sleep(20 * time.Millisecond)
	}
	require.GreaterOrEqual(t, gotA.Load(), int64(50))
	require.GreaterOrEqual(t, gotB.Load(), int64(50))
}

// TestInterfaceAddresses: without loopback mode both ends bind the
// machine's interface addresses (127.0.0.1 when it has none) and connect.
func TestInterfaceAddresses(t *testing.T) {
	srv, err := NewEndpoint(Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	cli, err := NewEndpoint(Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	for _, p := range srv.Ports() {
		require.False(t, p.Addr().IsUnspecified())
	}
	states := make(chan State, 16)
	cc, offer, err := cli.Offer(Media{Codecs: testCodecs, Handler: Handler{State: func(s State) { states <- s }}})
	require.NoError(t, err)
	defer cc.Close()
	sc, answer, err := srv.Answer(context.Background(), offer, Media{Codecs: testCodecs})
	require.NoError(t, err)
	defer sc.Close()
	require.NoError(t, cc.SetAnswer(answer))
	require.Equal(t, StateConnecting, waitState(t, states))
	require.Equal(t, StateConnected, waitState(t, states))
}

// TestServerReflexive: with a STUN server configured the answer carries
// each socket's address as the server saw it (a srflx candidate related to
// the socket), and one STUN round trip serves every later answer.
func TestServerReflexive(t *testing.T) {
	srv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer srv.Close()
	var asked atomic.Int64
	go func() { // a STUN server behind which the world sees us as 203.0.113.9, port + 1000
		buf := make([]byte, 1500)
		for {
			n, from, err := srv.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			m := &stun.Message{Raw: buf[:n]}
			if m.Decode() != nil || m.Type != stun.BindingRequest {
				continue
			}
			asked.Add(1)
			resp := stun.MustBuild(stun.NewTransactionIDSetter(m.TransactionID), stun.BindingSuccess,
				&stun.XORMappedAddress{IP: net.IPv4(203, 0, 113, 9), Port: int(from.Port()) + 1000}, stun.Fingerprint)
			_, _ = srv.WriteToUDPAddrPort(resp.Raw, from)
		}
	}()
	ep, err := NewEndpoint(Config{Loopback: true, STUN: []string{"stun:" + srv.LocalAddr().String()}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ep.Close() })
	local := ep.Ports()[0]
	want := fmt.Sprintf("typ srflx raddr %s rport %d", local.Addr(), local.Port())
	for range 2 {
		c, ans, err := ep.Answer(context.Background(), sampleOffer, Media{Codecs: testCodecs})
		require.NoError(t, err)
		require.Contains(t, ans, fmt.Sprintf(" udp 1694498815 203.0.113.9 %d %s\r\n", local.Port()+1000, want))
		require.NoError(t, c.Close())
	}
	require.Equal(t, int64(1), asked.Load(), "the second answer asked the STUN server again")
}
