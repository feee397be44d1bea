package trunk

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func offerSDP(formats string, extra ...string) []byte {
	lines := []string{
		"v=0",
		"o=caller 1 1 IN IP4 192.0.2.10",
		"s=-",
		"c=IN IP4 192.0.2.10",
		"t=0 0",
		"m=audio 40000 RTP/AVP " + formats,
	}
	lines = append(lines, extra...)
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

func TestNegotiateOffer(t *testing.T) {
	tests := []struct {
		name     string
		sdp      []byte
		codec    string
		pt       uint8
		dtmf     int
		dir      direction
		mux      bool
		err      error
		rtcpPort uint16
	}{
		{name: "pcmu first", sdp: offerSDP("0 8 101", "a=rtpmap:101 telephone-event/8000"), codec: "PCMU", pt: 0, dtmf: 101, rtcpPort: 40001},
		{name: "pcma preferred by offer order", sdp: offerSDP("8 0"), codec: "PCMA", pt: 8, dtmf: -1, rtcpPort: 40001},
		{name: "skip unknown codecs", sdp: offerSDP("9 18 8", "a=rtpmap:9 G722/8000", "a=rtpmap:18 G729/8000"), codec: "PCMA", pt: 8, dtmf: -1, rtcpPort: 40001},
		{name: "dynamic pcmu with other dtmf pt", sdp: offerSDP("96 100", "a=rtpmap:96 PCMU/8000", "a=rtpmap:100 telephone-event/8000"), codec: "PCMU", pt: 96, dtmf: 100, rtcpPort: 40001},
		{name: "sendonly hold", sdp: offerSDP("0", "a=sendonly"), codec: "PCMU", dtmf: -1, dir: dirSendOnly, rtcpPort: 40001},
		{name: "inactive", sdp: offerSDP("0", "a=inactive"), codec: "PCMU", dtmf: -1, dir: dirInactive, rtcpPort: 40001},
		{name: "rtcp-mux", sdp: offerSDP("0", "a=rtcp-mux"), codec: "PCMU", dtmf: -1, mux: true, rtcpPort: 40000},
		{name: "rtcp attribute", sdp: offerSDP("0", "a=rtcp:40011 IN IP4 192.0.2.10"), codec: "PCMU", dtmf: -1, rtcpPort: 40011},
		{name: "no common codec", sdp: offerSDP("9 18", "a=rtpmap:9 G722/8000"), err: ErrNoCommonCodec},
		{name: "opus only", sdp: offerSDP("111", "a=rtpmap:111 opus/48000/2"), err: ErrNoCommonCodec},
		{name: "pcmu at wrong rate", sdp: offerSDP("96", "a=rtpmap:96 PCMU/16000"), err: ErrNoCommonCodec},
		{name: "video only", sdp: []byte("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\n"), err: ErrNoCommonCodec},
		{name: "srtp profile", sdp: []byte("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 5000 RTP/SAVP 0\r\n"), err: ErrNoCommonCodec},
		{name: "garbage", sdp: []byte("hello"), err: ErrBadSDP},
		{name: "empty", sdp: nil, err: ErrBadSDP},
		{name: "hostname address", sdp: []byte("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 example.com\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"), err: ErrBadSDP},
		{name: "no connection", sdp: []byte("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"), err: ErrBadSDP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, err := negotiateOffer(tt.sdp)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Codec.Name != tt.codec || (tt.pt != 0 && p.Codec.PT != tt.pt) {
				t.Errorf("codec = %+v, want %s/%d", p.Codec, tt.codec, tt.pt)
			}
			if p.DTMFPT != tt.dtmf {
				t.Errorf("dtmf = %d, want %d", p.DTMFPT, tt.dtmf)
			}
			if p.RemoteDir != tt.dir {
				t.Errorf("dir = %v, want %v", p.RemoteDir, tt.dir)
			}
			if p.RTCPMux != tt.mux {
				t.Errorf("mux = %v", p.RTCPMux)
			}
			if want := netip.MustParseAddrPort("192.0.2.10:40000"); p.Remote != want {
				t.Errorf("remote = %v", p.Remote)
			}
			if p.RemoteRTCP.Port() != tt.rtcpPort {
				t.Errorf("rtcp = %v, want port %d", p.RemoteRTCP, tt.rtcpPort)
			}
		})
	}
}

func TestOldStyleHold(t *testing.T) {
	sdp := []byte("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
	p, _, err := negotiateOffer(sdp)
	if err != nil {
		t.Fatal(err)
	}
	if p.Remote.IsValid() || p.RemoteDir != dirSendOnly {
		t.Fatalf("hold: remote=%v dir=%v", p.Remote, p.RemoteDir)
	}
}

func TestBuildAnswerMirrorsOffer(t *testing.T) {
	offer := []byte("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" +
		"m=video 5002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" +
		"m=audio 5000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n")
	p, sd, err := negotiateOffer(offer)
	if err != nil {
		t.Fatal(err)
	}
	l := localMedia{IP: netip.MustParseAddr("127.0.0.1"), Port: 30000, RTCPPort: 30001, SessionID: 7, Version: 2}
	ans, err := buildAnswer(sd, p, l, false)
	if err != nil {
		t.Fatal(err)
	}
	s := string(ans)
	for _, want := range []string{"m=video 0 RTP/AVP 96", "m=audio 30000 RTP/AVP 8 101", "a=rtpmap:8 PCMA/8000",
		"a=rtpmap:101 telephone-event/8000", "a=recvonly", "c=IN IP4 127.0.0.1"} {
		if !strings.Contains(s, want) {
			t.Errorf("answer lacks %q:\n%s", want, s)
		}
	}
	if strings.Index(s, "m=video") > strings.Index(s, "m=audio") {
		t.Error("answer must keep the offer's m-line order")
	}
	// The answer must itself parse as an answer.
	pa, err := parseAnswer(ans)
	if err != nil {
		t.Fatal(err)
	}
	if pa.Codec.Name != "PCMA" || pa.DTMFPT != 101 || pa.Remote.Port() != 30000 {
		t.Errorf("round trip: %+v", pa)
	}
}

func TestBuildOfferParsesBack(t *testing.T) {
	l := localMedia{IP: netip.MustParseAddr("127.0.0.1"), Port: 20000, RTCPPort: 20501, SessionID: 1, Version: 1}
	off, err := buildOffer(l)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(off), "a=rtcp:20501") {
		t.Errorf("offer must announce a non-adjacent RTCP port:\n%s", off)
	}
	p, _, err := negotiateOffer(off)
	if err != nil {
		t.Fatal(err)
	}
	if p.Codec.Name != "PCMU" || p.DTMFPT != defaultDTMFPT || p.RemoteRTCP.Port() != 20501 {
		t.Errorf("offer round trip: %+v", p)
	}
}

func TestDirectionReverse(t *testing.T) {
	for d, want := range map[direction]direction{dirSendRecv: dirSendRecv, dirSendOnly: dirRecvOnly, dirRecvOnly: dirSendOnly, dirInactive: dirInactive} {
		if got := d.reverse(); got != want {
			t.Errorf("%v.reverse() = %v, want %v", d, got, want)
		}
	}
}
