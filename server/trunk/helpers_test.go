package trunk

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/zaf/g711"
)

// event is one Handler call seen by fakeHandler.
type event struct {
	kind   string // inbound, hungup, timeout, answered, failed, dtmf
	id     int64
	detail string
	digit  rune
}

// fakeHandler records Handler calls; InboundFunc decides about new calls.
type fakeHandler struct {
	InboundFunc func(ctx context.Context, from, to string) (int64, error)
	events      chan event

	mu   sync.Mutex
	from []string
}

func newFakeHandler() *fakeHandler { return &fakeHandler{events: make(chan event, 10000)} }

func (h *fakeHandler) Inbound(ctx context.Context, from, to string) (int64, error) {
	h.mu.Lock()
	h.from = append(h.from, from+">"+to)
	h.mu.Unlock()
	if h.InboundFunc == nil {
		return 0, fmt.Errorf("no inbound func")
	}
	id, err := h.InboundFunc(ctx, from, to)
	if err == nil {
		h.events <- event{kind: "inbound", id: id, detail: from + ">" + to}
	}
	return id, err
}
func (h *fakeHandler) CallerHungUp(id int64, d string) {
	h.events <- event{kind: "hungup", id: id, detail: d}
}
func (h *fakeHandler) MediaTimeout(id int64)     { h.events <- event{kind: "timeout", id: id} }
func (h *fakeHandler) OutboundAnswered(id int64) { h.events <- event{kind: "answered", id: id} }
func (h *fakeHandler) OutboundFailed(id int64, d string) {
	h.events <- event{kind: "failed", id: id, detail: d}
}
func (h *fakeHandler) DTMF(id int64, d rune) { h.events <- event{kind: "dtmf", id: id, digit: d} }

// wait returns the next event of a kind, failing the test after d.
func (h *fakeHandler) wait(t *testing.T, kind string, d time.Duration) event {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-h.events:
			if ev.kind == kind {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %q event within %v", kind, d)
			return event{}
		}
	}
}

func testLogger() *slog.Logger {
	if os.Getenv("TRUNK_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func init() {
	sip.SetDefaultLogger(testLogger())
}

func startServer(t testing.TB, h Handler, opts ...Option) *Server {
	t.Helper()
	opts = append([]Option{WithListen("127.0.0.1:0"), WithRTPIP("127.0.0.1"), WithLogger(testLogger())}, opts...)
	s, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// phone is a sipgo user agent acting as a caller (or a provider's UAS).
type phone struct {
	t      testing.TB
	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	client *sipgo.Client
	dc     *sipgo.DialogClientCache
	addr   *net.UDPAddr
	rtp    *net.UDPConn
	byes   chan *sip.Request
}

func newPhone(t testing.TB) *phone { return newPhoneWith(t, nil) }

// newPhoneWith lets setup install handlers before the phone starts serving.
func newPhoneWith(t testing.TB, setup func(*phone)) *phone {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("testphone"), sipgo.WithUserAgentHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	conn := listenUDPAndTCPFree(t)
	addr := conn.LocalAddr().(*net.UDPAddr)
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientConnectionAddr(addr.String()))
	if err != nil {
		t.Fatal(err)
	}
	rtpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &phone{t: t, ua: ua, srv: srv, client: client, addr: addr, rtp: rtpConn, byes: make(chan *sip.Request, 10)}
	p.dc = sipgo.NewDialogClientCache(client, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "caller", Host: "127.0.0.1", Port: addr.Port}})
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := p.dc.ReadBye(req, tx); err != nil {
			tx.Respond(sip.NewResponseFromRequest(req, 481, "No dialog", nil))
		}
		p.byes <- req
	})
	if setup != nil {
		setup(p)
	}
	go srv.ServeUDP(conn)
	if err := waitListening(ua, addr.String()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ua.Close()
		conn.Close()
		rtpConn.Close()
	})
	return p
}

// listenUDPAndTCPFree listens on a UDP port whose number is also free for
// TCP: the phone's client dials TCP from the same local port, and a UDP
// port the kernel picks may be in use by another process's TCP connection
// ("bind: address already in use" when the TCP test dials).
func listenUDPAndTCPFree(t testing.TB) net.PacketConn {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if conn, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			return conn
		}
	}
	t.Fatal("no port free for both UDP and TCP")
	return nil
}

func (p *phone) offer(formats string, extra ...string) []byte {
	port := p.rtp.LocalAddr().(*net.UDPAddr).Port
	lines := []string{"v=0", "o=caller 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
		fmt.Sprintf("m=audio %d RTP/AVP %s", port, formats)}
	lines = append(lines, extra...)
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

func defaultOffer(p *phone) []byte {
	return p.offer("0 8 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=sendrecv")
}

// invite starts a call from number `from` to `to` on the trunk.
func (p *phone) invite(ctx context.Context, s *Server, network, from, to string, body []byte) (*sipgo.DialogClientSession, error) {
	_, port, _ := splitHostPort(s.Addr(network).String())
	recipient := sip.Uri{Scheme: "sip", User: to, Host: "127.0.0.1", Port: port}
	req := sip.NewRequest(sip.INVITE, recipient)
	if network == "tcp" {
		req.SetTransport("TCP")
	}
	fromHdr := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: from, Host: "127.0.0.1"}, Params: sip.NewParams()}
	fromHdr.Params.Add("tag", sip.GenerateTagN(10))
	req.AppendHeader(fromHdr)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(body)
	return p.dc.WriteInvite(ctx, req)
}

// answered places a call from p over network with offer and waits until
// the trunk answered it; the ACK is sent.
func (p *phone) answered(ctx context.Context, tb testing.TB, s *Server, network, from, to string, offer []byte) *sipgo.DialogClientSession {
	tb.Helper()
	dlg, err := p.invite(ctx, s, network, from, to, offer)
	if err != nil {
		tb.Fatal(err)
	}
	if err := dlg.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		tb.Fatal(err)
	}
	if err := dlg.Ack(ctx); err != nil {
		tb.Fatal(err)
	}
	return dlg
}

// rtpSender sends PCMU frames to a destination from the phone's RTP socket.
type rtpSender struct {
	conn *net.UDPConn
	to   *net.UDPAddr
	seq  uint16
	ts   uint32
}

func (r *rtpSender) send(payload []byte, pt byte, marker bool, advance uint32) {
	b := make([]byte, 12+len(payload))
	b[0] = 0x80
	b[1] = pt
	if marker {
		b[1] |= 0x80
	}
	putU16(b[2:], r.seq)
	putU32(b[4:], r.ts)
	putU32(b[8:], 0x1234)
	copy(b[12:], payload)
	r.conn.WriteToUDP(b, r.to)
	r.seq++
	r.ts += advance
}

func (r *rtpSender) sendPCM(frame []int16) {
	payload := make([]byte, len(frame))
	for i, v := range frame {
		payload[i] = g711.EncodeUlawFrame(v)
	}
	r.send(payload, 0, false, uint32(len(frame)))
}

// tone returns n samples of a sine at freq Hz (8 kHz), starting at sample start.
func tone(freq float64, start, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*freq*float64(start+i)/8000))
	}
	return out
}

// goertzel is the relative power of freq in s (8 kHz).
func goertzel(s []int16, freq float64) float64 {
	k := 2 * math.Cos(2*math.Pi*freq/8000)
	var s1, s2 float64
	for _, v := range s {
		s0 := float64(v) + k*s1 - s2
		s2, s1 = s1, s0
	}
	return (s1*s1 + s2*s2 - k*s1*s2) / float64(len(s)*len(s))
}

// hasTone says whether freq dominates s compared with other probe frequencies.
func hasTone(s []int16, freq float64) bool {
	if len(s) == 0 {
		return false
	}
	p := goertzel(s, freq)
	var energy float64
	for _, v := range s {
		energy += float64(v) * float64(v)
	}
	energy /= float64(len(s))
	// A pure tone of amplitude A has Goertzel power ≈ A²/4 and mean square A²/2.
	return energy > 1e4 && p > 0.3*energy/2
}

func remoteRTP(t testing.TB, answer []byte) *net.UDPAddr {
	t.Helper()
	p, err := parseAnswer(answer)
	if err != nil {
		t.Fatalf("answer SDP: %v\n%s", err, answer)
	}
	return net.UDPAddrFromAddrPort(p.Remote)
}
