package trunk

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/meet-dev/meet/api"
	"github.com/zaf/g711"
)

// answeringHandler gives each call a new ID and answers it at once.
func answeringHandler(s **Server) *fakeHandler {
	h := newFakeHandler()
	var next atomic.Int64
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) {
		id := next.Add(1)
		go (*s).Answer(id) // before Inbound returns: the trunk must hold it
		return id, nil
	}
	return h
}

func responseCode(err error) int {
	var re *sipgo.ErrDialogResponse
	if errors.As(err, &re) {
		return re.Res.StatusCode
	}
	return 0
}

func TestInboundCallAudioBothWaysAndCallerBye(t *testing.T) {
	var s *Server
	h := answeringHandler(&s)
	s = startServer(t, h)
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	dlg := p.answered(ctx, t, s, "udp", "+4930111", "+4930222", defaultOffer(p))
	ev := h.wait(t, "inbound", time.Second)
	if ev.detail != "+4930111>+4930222" {
		t.Fatalf("from>to = %q", ev.detail)
	}
	answer := dlg.InviteResponse.Body()
	if !strings.Contains(string(answer), "a=rtpmap:0 PCMU/8000") || !strings.Contains(string(answer), "telephone-event") {
		t.Fatalf("answer:\n%s", answer)
	}
	media := s.Media(ev.id)

	// Caller → trunk: 1 kHz tone, decoded through the jitter buffer.
	snd := &rtpSender{conn: p.rtp, to: remoteRTP(t, answer)}
	var heard []int16
	frame := make([]int16, frameSamples)
	for i := range 50 {
		snd.sendPCM(tone(1000, i*frameSamples, frameSamples))
		time.Sleep(20 * time.Millisecond)
		if media.ReadFrame(frame) {
			heard = append(heard, frame...)
		}
	}
	if len(heard) < 30*frameSamples || !hasTone(heard[len(heard)/2:], 1000) {
		t.Fatalf("trunk did not hear the caller's 1 kHz tone (%d samples)", len(heard))
	}
	if hasTone(heard[len(heard)/2:], 1600) {
		t.Fatal("tone detector is not selective")
	}
	// /metrics' callers' counters count the live call's packets...
	live := s.MediaStats()
	if live.Played < 30 {
		t.Fatalf("media stats of the live call: %+v", live)
	}

	// Trunk → caller: 600 Hz tone, sent to the latched address.
	got := make(chan []int16, 1)
	go func() {
		buf := make([]byte, 1500)
		var pcm []int16
		p.rtp.SetReadDeadline(time.Now().Add(3 * time.Second))
		for len(pcm) < 40*frameSamples {
			n, err := p.rtp.Read(buf)
			if err != nil {
				break
			}
			if n < 12 || buf[1]&0x7f != 0 {
				continue // RTCP or other payloads
			}
			for _, b := range buf[12:n] {
				pcm = append(pcm, g711.DecodeUlawFrame(b))
			}
		}
		got <- pcm
	}()
	for i := range 50 {
		if err := media.WriteFrame(tone(600, i*frameSamples, frameSamples)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	pcm := <-got
	if len(pcm) < 40*frameSamples || !hasTone(pcm, 600) {
		t.Fatalf("caller did not hear the trunk's 600 Hz tone (%d samples)", len(pcm))
	}

	if err := dlg.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	if ev := h.wait(t, "hungup", 2*time.Second); ev.detail != "bye" {
		t.Fatalf("hung up detail = %q", ev.detail)
	}
	if n := s.ActiveCalls(); n != 0 {
		t.Fatalf("%d calls left", n)
	}
	// ... and keep them once it ended.
	if ended := s.MediaStats(); ended.Played < live.Played {
		t.Fatalf("media stats after the call %+v, during it %+v", ended, live)
	}
	if media.ReadFrame(frame) || media.WriteFrame(frame) == nil {
		t.Fatal("media of an ended call must be dead")
	}
}

// The trunk's BYE (an operator hung up) reaches the caller over the
// transport the call came in on; a second Hangup does nothing, and the
// handler is not told about an end it asked for.
func TestServerHangupSendsBye(t *testing.T) {
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			var s *Server
			h := answeringHandler(&s)
			s = startServer(t, h)
			p := newPhone(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			p.answered(ctx, t, s, transport, "100", "200", defaultOffer(p))
			ev := h.wait(t, "inbound", time.Second)
			s.Hangup(ev.id, "operator hung up")
			select {
			case req := <-p.byes:
				if !strings.EqualFold(req.Transport(), transport) {
					t.Fatalf("BYE over %s", req.Transport())
				}
			case <-ctx.Done():
				t.Fatal("no BYE from trunk")
			}
			s.Hangup(ev.id, "again") // idempotent
			time.Sleep(50 * time.Millisecond)
			select {
			case ev := <-h.events:
				t.Fatalf("handler must not hear about an end it asked for: %+v", ev)
			default:
			}
		})
	}
}

func TestInboundOverTCP(t *testing.T) {
	var s *Server
	h := answeringHandler(&s)
	s = startServer(t, h)
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dlg := p.answered(ctx, t, s, "tcp", "100", "200", defaultOffer(p))
	if err := dlg.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	h.wait(t, "hungup", 2*time.Second)
}

func TestInboundRefusals(t *testing.T) {
	h := newFakeHandler()
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) {
		switch to {
		case "404":
			return 0, api.Errorf(api.CodeNotFound, "no channel has number %s", to)
		case "503":
			return 0, api.Errorf(api.CodeUnavailable, "closed")
		case "403":
			return 0, api.Errorf(api.CodeForbidden, "blocked")
		}
		return 0, errors.New("boom")
	}
	s := startServer(t, h)
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tt := range []struct {
		to   string
		body []byte
		want int
	}{
		{"404", defaultOffer(p), 404},
		{"503", defaultOffer(p), 503},
		{"403", defaultOffer(p), 403},
		{"500", defaultOffer(p), 500},
		{"404", p.offer("9", "a=rtpmap:9 G722/8000"), 488},
		{"404", []byte("not sdp at all"), 400},
	} {
		dlg, err := p.invite(ctx, s, "udp", "1", tt.to, tt.body)
		if err != nil {
			t.Fatal(err)
		}
		err = dlg.WaitAnswer(ctx, sipgo.AnswerOptions{})
		if got := responseCode(err); got != tt.want {
			t.Errorf("to %s: got %d (%v), want %d", tt.to, got, err, tt.want)
		}
	}
	if n := s.ActiveCalls(); n != 0 {
		t.Fatalf("%d calls left", n)
	}
}

func TestAdmissionOverSIP(t *testing.T) {
	var s *Server
	h := answeringHandler(&s)
	t.Run("source not allowed", func(t *testing.T) {
		s = startServer(t, h, WithAllow("10.0.0.0/8"))
		p := newPhone(t)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		dlg, err := p.invite(ctx, s, "udp", "1", "2", defaultOffer(p))
		if err != nil {
			t.Fatal(err)
		}
		if got := responseCode(dlg.WaitAnswer(ctx, sipgo.AnswerOptions{})); got != 403 {
			t.Fatalf("got %d want 403", got)
		}
	})
	for _, tt := range []struct {
		name, user, pass string
		want             int
	}{
		{"right password", "carrier", "s3cret", 200},
		{"wrong password", "carrier", "wrong", 403},
		{"unknown user", "nobody", "s3cret", 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s = startServer(t, h, WithAllow("10.0.0.0/8"), WithDigestUsers(map[string]string{"carrier": "s3cret"}))
			p := newPhone(t)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			dlg, err := p.invite(ctx, s, "udp", "1", "2", defaultOffer(p))
			if err != nil {
				t.Fatal(err)
			}
			err = dlg.WaitAnswer(ctx, sipgo.AnswerOptions{Username: tt.user, Password: tt.pass})
			got := responseCode(err)
			if err == nil {
				got = 200
				dlg.Ack(ctx)
				dlg.Bye(ctx)
			}
			if got != tt.want {
				t.Fatalf("got %d (%v) want %d", got, err, tt.want)
			}
		})
	}
}

func TestCancelWhileRinging(t *testing.T) {
	h := newFakeHandler()
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) { return 42, nil }
	s := startServer(t, h)
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dlg, err := p.invite(ctx, s, "udp", "1", "2", defaultOffer(p))
	if err != nil {
		t.Fatal(err)
	}
	ringCtx, stopRinging := context.WithCancel(ctx)
	go func() {
		h.wait(t, "inbound", 2*time.Second)
		time.Sleep(100 * time.Millisecond)
		stopRinging() // WaitAnswer sends CANCEL
	}()
	var codes []int
	err = dlg.WaitAnswer(ringCtx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
		codes = append(codes, r.StatusCode)
		return nil
	}})
	if err == nil {
		t.Fatal("call should not be answered")
	}
	if ev := h.wait(t, "hungup", 3*time.Second); ev.id != 42 || ev.detail != "cancelled" {
		t.Fatalf("got %+v", ev)
	}
	if !containsInt(codes, 180) {
		t.Fatalf("no 180 Ringing before CANCEL: %v", codes)
	}
	waitNoCalls(t, s)
}

func containsInt(xs []int, v int) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

func waitNoCalls(t *testing.T, s *Server) {
	t.Helper()
	for range 100 {
		if s.ActiveCalls() == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d calls left", s.ActiveCalls())
}

func TestEarlyMediaThenBusy(t *testing.T) {
	var s *Server
	h := newFakeHandler()
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) { return 7, nil }
	s = startServer(t, h)
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dlg, err := p.invite(ctx, s, "udp", "1", "2", p.offer("8 0"))
	if err != nil {
		t.Fatal(err)
	}
	early := make(chan *sip.Response, 1)
	done := make(chan error, 1)
	go func() {
		done <- dlg.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
			if r.StatusCode == 183 {
				early <- r
			}
			return nil
		}})
	}()
	h.wait(t, "inbound", 2*time.Second)
	if err := s.EarlyMedia(7); err != nil {
		t.Fatal(err)
	}
	// Guidance plays before the answer: the caller receives PCMA audio.
	buf := make([]byte, 1500)
	for i := range 5 {
		if err := s.Media(7).WriteFrame(tone(400, i*160, 160)); err != nil {
			t.Fatal(err)
		}
	}
	p.rtp.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := p.rtp.Read(buf)
	if err != nil || n != 172 || buf[1]&0x7f != 8 {
		t.Fatalf("early media packet: n=%d pt=%d err=%v", n, buf[1]&0x7f, err)
	}
	// sipgo hands each response to its own goroutine: see the 183 before
	// refusing, so the 486 cannot overtake it on the caller's side.
	select {
	case r := <-early:
		if !strings.Contains(string(r.Body()), "PCMA") {
			t.Fatalf("183 without SDP answer:\n%s", r.Body())
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no 183")
	}
	s.Hangup(7, "busy")
	err = <-done
	if got := responseCode(err); got != 486 {
		t.Fatalf("final = %d (%v), want 486", got, err)
	}
	waitNoCalls(t, s)
}

// Hanging up an unanswered call refuses its INVITE with the final
// response its detail names, also when the Hangup comes before Inbound
// has returned the call's id.
func TestHangupBeforeAnswer(t *testing.T) {
	for _, tt := range []struct {
		detail string
		want   int
	}{
		{"noOperator", 480},
		{"busy", 486},
		{"declined", 603},
		{"ring timeout", 408},
		{"server shutdown", 503},
	} {
		t.Run(tt.detail, func(t *testing.T) {
			var s *Server
			h := newFakeHandler()
			h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) {
				go s.Hangup(9, tt.detail) // may arrive before Inbound returns
				return 9, nil
			}
			s = startServer(t, h)
			p := newPhone(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			dlg, err := p.invite(ctx, s, "udp", "1", "2", defaultOffer(p))
			if err != nil {
				t.Fatal(err)
			}
			if got := responseCode(dlg.WaitAnswer(ctx, sipgo.AnswerOptions{})); got != tt.want {
				t.Fatalf("got %d want %d", got, tt.want)
			}
			waitNoCalls(t, s)
		})
	}
}

func TestDTMFAndReInviteHold(t *testing.T) {
	var s *Server
	h := answeringHandler(&s)
	s = startServer(t, h)
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dlg := p.answered(ctx, t, s, "udp", "1", "2", defaultOffer(p))
	ev := h.wait(t, "inbound", time.Second)
	snd := &rtpSender{conn: p.rtp, to: remoteRTP(t, dlg.InviteResponse.Body())}
	for _, d := range []byte{7, 11} {
		for i := range 6 {
			end := byte(0)
			if i >= 3 {
				end = 0x80
			}
			snd.send([]byte{d, end | 10, 0, byte(160 * (i + 1))}, 101, i == 0, 0)
		}
		snd.ts += 1600
	}
	for _, want := range []rune{'7', '#'} {
		if got := h.wait(t, "dtmf", 2*time.Second); got.digit != want || got.id != ev.id {
			t.Fatalf("dtmf = %+v, want %c", got, want)
		}
	}

	// Hold: sendonly re-INVITE is answered recvonly and keeps the call.
	req := sip.NewRequest(sip.INVITE, dlg.InviteResponse.Contact().Address)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(p.offer("0 101", "a=rtpmap:101 telephone-event/8000", "a=sendonly"))
	res, err := dlg.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.Contains(string(res.Body()), "a=recvonly") {
		t.Fatalf("hold answer %d:\n%s", res.StatusCode, res.Body())
	}
	dlg.WriteRequest(sip.NewRequest(sip.ACK, req.Recipient))
	if s.ActiveCalls() != 1 {
		t.Fatal("hold must not end the call")
	}
	if err := dlg.Bye(ctx); err != nil {
		t.Fatal(err)
	}
	h.wait(t, "hungup", 2*time.Second)
}

func TestRTPTimeoutEndsCall(t *testing.T) {
	var s *Server
	h := answeringHandler(&s)
	s = startServer(t, h, WithRTPTimeout(300*time.Millisecond))
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dlg := p.answered(ctx, t, s, "udp", "1", "2", defaultOffer(p))
	ev := h.wait(t, "inbound", time.Second)
	snd := &rtpSender{conn: p.rtp, to: remoteRTP(t, dlg.InviteResponse.Body())}
	start := time.Now()
	for range 20 { // 400 ms of media keeps it alive
		snd.sendPCM(tone(300, 0, 160))
		time.Sleep(20 * time.Millisecond)
	}
	if got := h.wait(t, "timeout", 3*time.Second); got.id != ev.id {
		t.Fatalf("timeout for %d", got.id)
	}
	if el := time.Since(start); el < 600*time.Millisecond {
		t.Fatalf("timed out after %v although RTP flowed for 400 ms", el)
	}
	select {
	case <-p.byes:
	case <-time.After(3 * time.Second):
		t.Fatal("no BYE after RTP timeout")
	}
	waitNoCalls(t, s)
}

func TestOptionsAndUnknownDialogs(t *testing.T) {
	s := startServer(t, newFakeHandler())
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, port, _ := splitHostPort(s.Addr("udp").String())
	for _, tt := range []struct {
		method sip.RequestMethod
		want   int
	}{{sip.OPTIONS, 200}, {sip.BYE, 481}, {sip.CANCEL, 481}, {sip.MESSAGE, 405}} {
		req := sip.NewRequest(tt.method, sip.Uri{Scheme: "sip", User: "x", Host: "127.0.0.1", Port: port})
		res, err := p.client.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != tt.want {
			t.Errorf("%s: %d want %d", tt.method, res.StatusCode, tt.want)
		}
	}
}

func TestMalformedDatagramsDoNotWedge(t *testing.T) {
	var s *Server
	h := answeringHandler(&s)
	s = startServer(t, h)
	c, err := net.Dial("udp", s.Addr("udp").String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, junk := range []string{
		"", "\x00\x01\x02", "INVITE\r\n\r\n", "INVITE sip:1@x SIP/2.0\r\nContent-Length: 99999\r\n\r\n",
		"INVITE sip:1@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\nCall-ID: a\r\nCSeq: 1 INVITE\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:1@c>\r\nContent-Length: 5\r\n\r\nv=0\r\n",
		"SIP/2.0 200 OK\r\n\r\n", strings.Repeat("A", 1400),
	} {
		c.Write([]byte(junk))
	}
	time.Sleep(100 * time.Millisecond)
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dlg := p.answered(ctx, t, s, "udp", "1", "2", defaultOffer(p))
	dlg.Bye(ctx)
}

func TestNoRTPTimeoutDuringEarlyMedia(t *testing.T) {
	h := newFakeHandler()
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) { return 12, nil }
	s := startServer(t, h, WithRTPTimeout(150*time.Millisecond))
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dlg, err := p.invite(ctx, s, "udp", "1", "2", defaultOffer(p))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- dlg.WaitAnswer(ctx, sipgo.AnswerOptions{}) }()
	h.wait(t, "inbound", 2*time.Second)
	if err := s.EarlyMedia(12); err != nil {
		t.Fatal(err)
	}
	// A caller listening to guidance sends no RTP: that is no timeout.
	select {
	case ev := <-h.events:
		t.Fatalf("unexpected %+v during early media", ev)
	case <-time.After(600 * time.Millisecond):
	}
	s.Hangup(12, "noOperator")
	if got := responseCode(<-done); got != 480 {
		t.Fatalf("final %d", got)
	}
}

func TestMergedInviteIsNotASecondCall(t *testing.T) {
	h := newFakeHandler()
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) { return 31, nil }
	s := startServer(t, h)
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv, _ := net.ResolveUDPAddr("udp", s.Addr("udp").String())
	local := c.LocalAddr().String()
	invite := func(branch string) {
		body := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
		msg := "INVITE sip:2@" + srv.String() + " SIP/2.0\r\nVia: SIP/2.0/UDP " + local + ";branch=" + branch + "\r\n" +
			"From: <sip:1@127.0.0.1>;tag=abc\r\nTo: <sip:2@127.0.0.1>\r\nCall-ID: merged-1\r\nCSeq: 1 INVITE\r\n" +
			"Contact: <sip:1@" + local + ">\r\nContent-Type: application/sdp\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + body
		c.WriteToUDP([]byte(msg), srv)
	}
	readStatus := func(want string) {
		t.Helper()
		buf := make([]byte, 4096)
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		for {
			n, err := c.Read(buf)
			if err != nil {
				t.Fatalf("no %s: %v", want, err)
			}
			if strings.HasPrefix(string(buf[:n]), "SIP/2.0 "+want) {
				return
			}
		}
	}
	invite("z9hG4bK-first")
	readStatus("180")
	invite("z9hG4bK-second") // same dialog identifiers, another transaction
	readStatus("482")
	invite("z9hG4bK-first") // a retransmission is absorbed by its transaction
	s.Hangup(31, "busy")
	readStatus("486")
	waitNoCalls(t, s)
	// Once the call is over, its INVITE still must not start another call.
	invite("z9hG4bK-first")
	invite("z9hG4bK-third")
	readStatus("482")
	h.wait(t, "inbound", time.Second)
	select {
	case ev := <-h.events:
		t.Fatalf("a second call was created: %+v", ev)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestMaxCallsRefusesWith503(t *testing.T) {
	h := newFakeHandler()
	var ids atomic.Int64
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) { return ids.Add(1), nil }
	s := startServer(t, h, WithMaxCalls(1))
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	first, err := p.invite(ctx, s, "udp", "1", "2", defaultOffer(p))
	if err != nil {
		t.Fatal(err)
	}
	go first.WaitAnswer(ctx, sipgo.AnswerOptions{})
	h.wait(t, "inbound", 2*time.Second)
	for range 3 { // refusals must not leak capacity
		second, err := p.invite(ctx, s, "udp", "1", "2", defaultOffer(p))
		if err != nil {
			t.Fatal(err)
		}
		if got := responseCode(second.WaitAnswer(ctx, sipgo.AnswerOptions{})); got != 503 {
			t.Fatalf("second call: %d, want 503", got)
		}
	}
	s.Hangup(1, "busy")
	waitNoCalls(t, s)
	third, err := p.invite(ctx, s, "udp", "1", "2", defaultOffer(p))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- third.WaitAnswer(ctx, sipgo.AnswerOptions{}) }()
	if ev := h.wait(t, "inbound", 2*time.Second); ev.id != 2 {
		t.Fatalf("capacity not released: %+v", ev)
	}
	s.Hangup(2, "busy")
	<-done
}

func TestEarlyMediaThenAnswerKeepsTheAnswer(t *testing.T) {
	var s *Server
	h := newFakeHandler()
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) {
		go func() {
			if err := s.EarlyMedia(21); err != nil {
				t.Errorf("early: %v", err)
			}
			if err := s.EarlyMedia(21); err != nil { // idempotent
				t.Errorf("early again: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
			if err := s.Answer(21); err != nil {
				t.Errorf("answer: %v", err)
			}
		}()
		return 21, nil
	}
	s = startServer(t, h)
	p := newPhone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dlg, err := p.invite(ctx, s, "udp", "1", "2", defaultOffer(p))
	if err != nil {
		t.Fatal(err)
	}
	var early []byte
	err = dlg.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
		if r.StatusCode == 183 {
			early = r.Body()
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	dlg.Ack(ctx)
	if string(early) != string(dlg.InviteResponse.Body()) {
		t.Fatalf("200 must repeat the 183's answer:\n183:\n%s\n200:\n%s", early, dlg.InviteResponse.Body())
	}
	if err := s.Answer(21); err != nil {
		t.Fatalf("answering an answered call is a no-op, got %v", err)
	}
	if err := s.Answer(999); err != ErrUnknownCall {
		t.Fatalf("unknown call: %v", err)
	}
	dlg.Bye(ctx)
	h.wait(t, "hungup", 2*time.Second)
	if err := s.Answer(21); err != ErrCallEnded {
		t.Fatalf("ended call: %v", err)
	}
}
