package trunk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
)

func TestFramerFollowsMessages(t *testing.T) {
	invite := "INVITE sip:1@x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 5\r\n\r\nv=0\r\n"
	bye := "BYE sip:1@x SIP/2.0\r\nContent-Length: 0\r\n\r\n"
	for _, tc := range []struct {
		name   string
		chunks []string
		idle   bool
		err    bool
	}{
		{"nothing", nil, true, false},
		{"keepalives", []string{"\r\n\r\n", "\r\n"}, true, false},
		{"whole message", []string{invite}, true, false},
		{"two in one read", []string{invite + bye}, true, false},
		{"split everywhere", strings.Split(invite+bye, ""), true, false},
		{"headers only", []string{"INVITE sip:1@x SIP/2.0\r\nContent-Length: 5\r\n\r\n"}, false, false},
		{"start line only", []string{"INVITE sip:1@x"}, false, false},
		{"huge header", []string{"INVITE sip:1@x SIP/2.0\r\nX: " + strings.Repeat("a", 40<<10)}, false, true},
		{"huge body", []string{"INVITE sip:1@x SIP/2.0\r\nContent-Length: 999999\r\n\r\n"}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := framer{maxHeader: 32 << 10, maxBody: 64 << 10}
			var err error
			for _, c := range tc.chunks {
				if err = f.feed([]byte(c)); err != nil {
					break
				}
			}
			if (err != nil) != tc.err {
				t.Fatalf("err %v, want error %v", err, tc.err)
			}
			if !tc.err && f.idle() != tc.idle {
				t.Fatalf("idle %v, want %v", f.idle(), tc.idle)
			}
		})
	}
}

// closedWithin reports whether the server closes c within d.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.ReadAll(c)
	var ne net.Error
	return err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSIPTCPConnectionCaps(t *testing.T) {
	h := newFakeHandler()
	s := startServer(t, h, WithConnLimits(ConnLimits{PerIP: 2, Total: 3, IdleTimeout: time.Minute}),
		WithAllow("127.0.0.0/8"))
	addr := s.Addr("tcp").String()
	a1, a2 := dialFrom(t, "127.0.0.1", addr), dialFrom(t, "127.0.0.1", addr)
	if !closedWithin(dialFrom(t, "127.0.0.1", addr), 2*time.Second) {
		t.Fatal("third connection from one IP stayed open over a per-IP cap of 2")
	}
	b1 := dialFrom(t, "127.0.0.2", addr)
	if !closedWithin(dialFrom(t, "127.0.0.3", addr), 2*time.Second) {
		t.Fatal("fourth connection stayed open over a total cap of 3")
	}
	for _, c := range []net.Conn{a1, a2, b1} {
		if closedWithin(c, 50*time.Millisecond) {
			t.Fatal("a connection within the caps was closed")
		}
	}
	a1.Close()
	waitOpen(t, s, 2)
	if closedWithin(dialFrom(t, "127.0.0.1", addr), 100*time.Millisecond) {
		t.Fatal("a closed connection's place was not given back")
	}
}

func waitOpen(t *testing.T, s *Server, n int) {
	t.Helper()
	for range 200 {
		if s.OpenConns() == n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d connections open, want %d", s.OpenConns(), n)
}

func TestSIPTCPIdleAndSlowMessageTimeouts(t *testing.T) {
	var s *Server
	h := answeringHandler(&s)
	s = startServer(t, h, WithConnLimits(ConnLimits{IdleTimeout: 400 * time.Millisecond, MsgTimeout: 200 * time.Millisecond}))
	addr := s.Addr("tcp").String()

	idle := dialFrom(t, "127.0.0.1", addr)
	start := time.Now()
	if !closedWithin(idle, 3*time.Second) {
		t.Fatal("idle connection never closed")
	}
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Fatalf("idle connection closed after %v, before its idle timeout", el)
	}

	// Slowloris: a message started and never finished is closed at the
	// message timeout, however often bytes trickle in.
	slow := dialFrom(t, "127.0.0.1", addr)
	closed := make(chan time.Duration, 1)
	start = time.Now()
	go func() {
		io.Copy(io.Discard, slow)
		closed <- time.Since(start)
	}()
	for _, b := range []byte("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1") {
		if _, err := slow.Write([]byte{b}); err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case el := <-closed:
		if el > 900*time.Millisecond {
			t.Fatalf("slow message closed after %v", el)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("slow message never closed")
	}
	waitOpen(t, s, 0)

	// Keep-alives keep a connection; a real call over TCP still works.
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dlg := p.answered(ctx, t, s, "tcp", "1", "2", defaultOffer(p))
	dlg.Bye(ctx)
}

func TestSIPTCPSilentCloseForPeersNeverAdmitted(t *testing.T) {
	h := newFakeHandler()
	s := startServer(t, h, WithAllow("127.0.0.2"))
	c := dialFrom(t, "127.0.0.1", s.Addr("tcp").String())
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := c.Read(make([]byte, 100))
	if n != 0 || err == nil || time.Since(start) > time.Second {
		t.Fatalf("not-admitted peer: read %d bytes, %v after %v; want a silent close at once", n, err, time.Since(start))
	}
	if ok := dialFrom(t, "127.0.0.2", s.Addr("tcp").String()); closedWithin(ok, 100*time.Millisecond) {
		t.Fatal("admitted peer closed")
	}
}

// rawInvite is an INVITE over UDP from port 5999 style raw sockets.
func rawInvite(local, callID, branch string) string {
	body := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
	return fmt.Sprintf("INVITE sip:2@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s\r\nMax-Forwards: 70\r\n"+
		"To: <sip:2@127.0.0.1>\r\nFrom: <sip:1@127.0.0.1>;tag=t%s\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"+
		"Contact: <sip:1@%s>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		local, branch, callID, callID, local, len(body), body)
}

func rawCancel(local, callID, branch string) string {
	return fmt.Sprintf("CANCEL sip:2@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s\r\nMax-Forwards: 70\r\n"+
		"To: <sip:2@127.0.0.1>\r\nFrom: <sip:1@127.0.0.1>;tag=t%s\r\nCall-ID: %s\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n",
		local, branch, callID, callID)
}

// rawSIP opens a UDP socket for hand-written SIP to s (closed when the
// test ends) and returns it, its address and s's UDP address.
func rawSIP(t *testing.T, s *Server) (c net.PacketConn, local string, dst *net.UDPAddr) {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	dst, err = net.ResolveUDPAddr("udp", s.Addr("udp").String())
	if err != nil {
		t.Fatal(err)
	}
	return c, c.LocalAddr().String(), dst
}

// statusLines collects the status lines of responses arriving on c for d.
func statusLines(c net.PacketConn, d time.Duration) []string {
	var out []string
	buf := make([]byte, 65535)
	end := time.Now().Add(d)
	for {
		c.SetReadDeadline(end)
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return out
		}
		line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
		cseq := ""
		for _, l := range strings.Split(string(buf[:n]), "\r\n") {
			if strings.HasPrefix(l, "CSeq:") {
				cseq = strings.TrimSpace(strings.TrimPrefix(l, "CSeq:"))
			}
			if strings.HasPrefix(l, "Call-ID:") {
				line += " " + strings.TrimSpace(strings.TrimPrefix(l, "Call-ID:"))
			}
		}
		if e := line + " (" + cseq + ")"; !slices.Contains(out, e) { // UDP retransmissions
			out = append(out, e)
		}
	}
}

func TestInviteCancelledDuringSetupGets487Only(t *testing.T) {
	h := newFakeHandler()
	entered := make(chan struct{}, 1)
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) {
		entered <- struct{}{}
		<-ctx.Done() // e.g. a store write that sees the cancelled context
		return 0, ctx.Err()
	}
	s := startServer(t, h)
	c, local, dst := rawSIP(t, s)
	c.WriteTo([]byte(rawInvite(local, "cancel-now", "z9hG4bKcan1")), dst)
	<-entered
	c.WriteTo([]byte(rawCancel(local, "cancel-now", "z9hG4bKcan1")), dst)
	got := statusLines(c, 1500*time.Millisecond)
	joined := strings.Join(got, "; ")
	if !strings.Contains(joined, "SIP/2.0 487") {
		t.Fatalf("no 487: %s", joined)
	}
	for _, l := range got {
		if strings.Contains(l, "INVITE") && !strings.HasPrefix(l, "SIP/2.0 1") && !strings.HasPrefix(l, "SIP/2.0 487") {
			t.Fatalf("INVITE got %s besides its 487: %s", l, joined)
		}
	}
}

func TestMaxCPSShedsWith503RetryAfter(t *testing.T) {
	h := newFakeHandler()
	var ids atomic.Int64
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) { return ids.Add(1), nil }
	s := startServer(t, h, WithMaxCPS(1)) // a bucket of 1, earning 1 per second
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	first, err := p.invite(ctx, s, "udp", "1", "2", defaultOffer(p))
	if err != nil {
		t.Fatal(err)
	}
	go first.WaitAnswer(ctx, sipgo.AnswerOptions{})
	h.wait(t, "inbound", 2*time.Second)
	second, err := p.invite(ctx, s, "udp", "1", "2", defaultOffer(p))
	if err != nil {
		t.Fatal(err)
	}
	err = second.WaitAnswer(ctx, sipgo.AnswerOptions{})
	var re *sipgo.ErrDialogResponse
	if !errors.As(err, &re) || re.Res.StatusCode != 503 {
		t.Fatalf("second call within the second: %v, want 503", err)
	}
	if h := re.Res.GetHeader("Retry-After"); h == nil || h.Value() != "1" {
		t.Fatalf("503 without Retry-After: %v", re.Res)
	}
	if s.Shed() != 1 {
		t.Fatalf("Shed() = %d, want 1", s.Shed())
	}
	s.Hangup(1, "busy")
}

func TestSourceCPSLimitsUntrustedSources(t *testing.T) {
	h := newFakeHandler()
	// 127.0.0.1 is outside the allow-list: it must pass digest auth, and
	// may try at most 2 INVITEs at once (burst of 2 × 1/s).
	s := startServer(t, h, WithAllow("192.0.2.0/24"), WithDigestUsers(map[string]string{"u": "p"}), WithSourceCPS(1))
	c, local, dst := rawSIP(t, s)
	for i := range 3 {
		c.WriteTo([]byte(rawInvite(local, fmt.Sprintf("src-%d", i), fmt.Sprintf("z9hG4bKsrc%d", i))), dst)
	}
	got := strings.Join(statusLines(c, time.Second), "; ")
	if strings.Count(got, "SIP/2.0 401") != 2 || strings.Count(got, "SIP/2.0 503") != 1 {
		t.Fatalf("responses %s; want two 401 challenges and one 503", got)
	}
}
