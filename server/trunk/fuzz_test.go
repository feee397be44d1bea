package trunk

import (
	"context"
	"errors"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/emiago/sipgo/siptest"
	"github.com/meet-dev/meet/api"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/ as well.

var sdpSeeds = []string{
	"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n",
	"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 8\r\nc=IN IP4 192.0.2.1\r\na=rtcp-mux\r\na=sendonly\r\n",
	"v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU/8000\r\na=rtcp:4005 IN IP6 ::1\r\n",
	"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\na=inactive\r\n",
}

func FuzzSDPOffer(f *testing.F) {
	for _, s := range sdpSeeds {
		f.Add([]byte(s))
	}
	local := localMedia{IP: netip.MustParseAddr("127.0.0.1"), Port: 30000, RTCPPort: 30001, SessionID: 1, Version: 1}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = parseAnswer(data) // must not panic
		p, sd, err := negotiateOffer(data)
		if err != nil {
			if !errors.Is(err, ErrBadSDP) && !errors.Is(err, ErrNoCommonCodec) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		ans, err := buildAnswer(sd, p, local, false)
		if err != nil {
			t.Fatalf("accepted offer but cannot answer: %v", err)
		}
		pa, err := parseAnswer(ans)
		if err != nil {
			t.Fatalf("our answer does not parse: %v\n%s", err, ans)
		}
		if pa.Codec.Name != p.Codec.Name || pa.DTMFPT != p.DTMFPT {
			t.Fatalf("answer %+v does not match negotiation %+v", pa, p)
		}
	})
}

var sipSeeds = []string{
	"INVITE sip:+4930222@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK776asdhds\r\nMax-Forwards: 70\r\nTo: <sip:+4930222@127.0.0.1>\r\nFrom: <sip:+4930111@127.0.0.1>;tag=1928301774\r\nCall-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\nContact: <sip:caller@127.0.0.1:5999>\r\nContent-Type: application/sdp\r\nContent-Length: 129\r\n\r\nv=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n",
	"INVITE sip:404@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK776asdhdt\r\nTo: <sip:404@127.0.0.1>\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nCall-ID: b1\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@127.0.0.1:5999>\r\nContent-Length: 0\r\n\r\n",
	"INVITE sip:1@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK776asdhdu\r\nTo: <sip:1@127.0.0.1>;tag=abc\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nCall-ID: c1\r\nCSeq: 2 INVITE\r\nContact: <sip:caller@127.0.0.1:5999>\r\nContent-Type: application/sdp\r\nContent-Length: 10\r\n\r\nv=0\r\nbroken",
	"BYE sip:1@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK776asdhdv\r\nTo: <sip:1@127.0.0.1>;tag=abc\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nCall-ID: a84b4c76e66710\r\nCSeq: 3 BYE\r\nContent-Length: 0\r\n\r\n",
	"ACK sip:1@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK776asdhdw\r\nTo: <sip:1@127.0.0.1>;tag=abc\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nCall-ID: a84b4c76e66710\r\nCSeq: 314159 ACK\r\nContent-Length: 0\r\n\r\n",
	"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK776asdhdx\r\nTo: <sip:127.0.0.1>\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nCall-ID: d1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
	"INVITE sip:1@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK776asdhdy\r\nTo: <sip:1@127.0.0.1>\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nCall-ID: e1\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@127.0.0.1:5999>\r\nAuthorization: Digest username=\"u\", realm=\"meetd\", nonce=\"1.2\", uri=\"sip:1@127.0.0.1\", response=\"00\"\r\nContent-Length: 0\r\n\r\n",
}

// FuzzSIPRequest feeds raw SIP messages through sipgo's parser and the
// trunk's request handlers (unguarded, so a panic fails the fuzz), with a
// recording server transaction. Every request must get its final answer
// or return promptly: nothing may wedge.
func FuzzSIPRequest(f *testing.F) {
	for _, s := range sipSeeds {
		f.Add([]byte(s))
	}
	var s *Server
	var ids atomic.Int64
	h := newFakeHandler()
	h.events = make(chan event, 1<<16)
	h.InboundFunc = func(ctx context.Context, from, to string) (int64, error) {
		if to == "404" {
			return 0, api.Errorf(api.CodeNotFound, "no such number")
		}
		id := ids.Add(1)
		go s.Hangup(id, "busy")
		return id, nil
	}
	s = startServer(f, h, WithAllow("127.0.0.1"), WithDigestUsers(map[string]string{"u": "p"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := sip.ParseMessage(data)
		if err != nil {
			return
		}
		req, ok := msg.(*sip.Request)
		if !ok {
			return
		}
		req.SetSource("127.0.0.1:5999") // admitted by address
		if req.GetHeader("Authorization") != nil {
			req.SetSource("192.0.2.1:5999") // must pass digest
		}
		if _, err := sip.ServerTxKeyMake(req); err != nil {
			return // the transaction layer answers these with 400 itself
		}
		for len(h.events) > 1<<15 {
			<-h.events
		}
		rec := siptest.NewServerTxRecorder(req)
		done := make(chan struct{})
		go func() {
			defer close(done)
			switch req.Method {
			case sip.INVITE:
				s.onInvite(req, rec)
			case sip.ACK:
				s.onAck(req, rec)
			case sip.BYE:
				s.onBye(req, rec)
			case sip.CANCEL:
				s.onCancel(req, rec)
			case sip.OPTIONS:
				s.onOptions(req, rec)
			}
		}()
		deadline := time.Now().Add(300 * time.Millisecond)
		for time.Now().Before(deadline) {
			if final(rec.Result()) {
				break
			}
			select {
			case <-done:
				deadline = time.Now()
			case <-time.After(time.Millisecond):
			}
		}
		rec.Terminate()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Fatalf("handler wedged on:\n%q", data)
		}
	})
}

func final(rs []*sip.Response) bool {
	for _, r := range rs {
		if !r.IsProvisional() {
			return true
		}
	}
	return false
}
