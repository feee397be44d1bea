package trunk

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtcp"
)

// answeredCall sets up an answered inbound call from p with the given offer.
func answeredCall(t *testing.T, s *Server, h *fakeHandler, p *phone, offer []byte) (*sipgo.DialogClientSession, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dlg := p.answered(ctx, t, s, "udp", "1", "2", offer)
	t.Cleanup(func() { // before the phone goes away, so the trunk is not left waiting
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		dlg.Bye(ctx)
	})
	return dlg, h.wait(t, "inbound", time.Second).id
}

func TestSymmetricRTPLatching(t *testing.T) {
	var s *Server
	h := answeringHandler(&s)
	s = startServer(t, h)
	p := newPhone(t)
	dlg, id := answeredCall(t, s, h, p, defaultOffer(p))
	// The caller announced p.rtp but sends from another socket (a NAT):
	// after the first packet the trunk must answer there.
	natted, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer natted.Close()
	snd := &rtpSender{conn: natted, to: remoteRTP(t, dlg.InviteResponse.Body())}
	snd.sendPCM(tone(440, 0, 160))
	time.Sleep(50 * time.Millisecond)
	if err := s.Media(id).WriteFrame(tone(440, 0, 160)); err != nil {
		t.Fatal(err)
	}
	natted.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1500)
	n, err := natted.Read(buf)
	if err != nil || n != 172 {
		t.Fatalf("no RTP at the latched address: n=%d err=%v", n, err)
	}
	// Packets from a third address are ignored once latched.
	intruder, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer intruder.Close()
	bad := &rtpSender{conn: intruder, to: snd.to, seq: 5000}
	for range 5 {
		bad.sendPCM(tone(1000, 0, 160))
	}
	time.Sleep(50 * time.Millisecond)
	if d := s.lookup(id).mediaSession().depth(); d > 1 {
		t.Fatalf("intruder packets were queued (depth %d)", d)
	}
}

func TestRTCPReportsAndMux(t *testing.T) {
	for _, mux := range []bool{false, true} {
		name := "separate port"
		if mux {
			name = "rtcp-mux"
		}
		t.Run(name, func(t *testing.T) {
			var s *Server
			h := answeringHandler(&s)
			s = startServer(t, h)
			s.cfg.rtcpInterval = 200 * time.Millisecond
			p := newPhone(t)
			rtcpSock := p.rtp
			extra := []string{"a=rtpmap:0 PCMU/8000"}
			if mux {
				extra = append(extra, "a=rtcp-mux")
			} else {
				port := p.rtp.LocalAddr().(*net.UDPAddr).Port
				var err error
				rtcpSock, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port + 1})
				if err != nil {
					t.Skipf("port %d+1 busy: %v", port, err)
				}
				defer rtcpSock.Close()
			}
			dlg, id := answeredCall(t, s, h, p, p.offer("0", extra...))
			snd := &rtpSender{conn: p.rtp, to: remoteRTP(t, dlg.InviteResponse.Body())}
			media := s.Media(id)
			deadline := time.Now().Add(3 * time.Second)
			buf := make([]byte, 1500)
			for time.Now().Before(deadline) {
				snd.sendPCM(tone(440, 0, 160))
				media.WriteFrame(tone(440, 0, 160))
				rtcpSock.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
				n, err := rtcpSock.Read(buf)
				if err != nil || !isRTCP(buf[:n]) {
					continue
				}
				pkts, err := rtcp.Unmarshal(buf[:n])
				if err != nil {
					t.Fatalf("bad RTCP: %v", err)
				}
				if sr, ok := pkts[0].(*rtcp.SenderReport); ok && len(sr.Reports) == 1 && sr.Reports[0].SSRC == 0x1234 && sr.PacketCount > 0 {
					return
				}
			}
			t.Fatal("no sender report with a reception block for our stream")
		})
	}
}

func TestRTPPortRange(t *testing.T) {
	var s *Server
	h := answeringHandler(&s)
	s = startServer(t, h, WithRTPPorts(41000, 41999))
	p := newPhone(t)
	dlg, id := answeredCall(t, s, h, p, defaultOffer(p))
	port := remoteRTP(t, dlg.InviteResponse.Body()).Port
	if port < 41000 || port > 41998 || port%2 != 0 {
		t.Fatalf("RTP port %d not an even port in range", port)
	}
	if got := s.lookup(id).mediaSession().localRTCPPort(); got != port+1 {
		t.Fatalf("RTCP port %d, want %d", got, port+1)
	}
}

func TestOptionValidation(t *testing.T) {
	for name, opt := range map[string]Option{
		"bad cidr":         WithAllow("10.0.0.0/99"),
		"bad ip":           WithAllow("not-an-ip"),
		"bad range":        WithRTPPorts(5000, 4000),
		"bad rtp ip":       WithRTPIP("x"),
		"bad listen":       WithListen("nope"),
		"tls no key":       WithTLS("127.0.0.1:0", "cert.pem", ""),
		"bad proxy":        WithOutbound(OutboundConfig{Proxy: "nohostport"}),
		"bad transport":    WithOutbound(OutboundConfig{Proxy: "1.2.3.4:5060", Transport: "sctp"}),
		"register no user": WithRegister(RegisterConfig{Registrar: "1.2.3.4:5060"}),
		"bad jitter":       WithJitterBuffer(5, 5),
		"empty user":       WithDigestUsers(map[string]string{"": "x"}),
	} {
		if _, err := New(opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if s, err := New(); err != nil || s.Start(context.Background(), nil) == nil {
		t.Error("nil handler accepted")
	}
}

func TestDelayedOfferAnsweredInAck(t *testing.T) {
	var s *Server
	h := answeringHandler(&s)
	s = startServer(t, h)
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dlg, err := p.invite(ctx, s, "udp", "1", "2", nil) // no SDP
	if err != nil {
		t.Fatal(err)
	}
	if err := dlg.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		t.Fatal(err)
	}
	ourOffer, err := parseAnswer(dlg.InviteResponse.Body())
	if err != nil || ourOffer.Codec.Name != "PCMU" {
		t.Fatalf("200 must carry our offer: %v\n%s", err, dlg.InviteResponse.Body())
	}
	ack := sip.NewRequest(sip.ACK, dlg.InviteResponse.Contact().Address)
	ack.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	ack.SetBody(p.offer("8", "a=rtpmap:8 PCMA/8000"))
	if err := dlg.WriteAck(ctx, ack); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dlg.Bye(context.Background()) })
	id := h.wait(t, "inbound", time.Second).id
	buf := make([]byte, 1500)
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		s.Media(id).WriteFrame(tone(440, 0, 160))
		p.rtp.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if n, err := p.rtp.Read(buf); err == nil && n == 172 {
			if pt := buf[1] & 0x7f; pt != 8 {
				t.Fatalf("payload type %d, want PCMA from the ACK's answer", pt)
			}
			return
		}
	}
	t.Fatal("no RTP after the ACK answer")
}
