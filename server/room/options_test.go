package room

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// offerOnly builds a client offer without keeping the client around.
func offerOnly(t *testing.T) string {
	t.Helper()
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(clientOpus, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	offer, _ := pc.CreateOffer(nil)
	g := webrtc.GatheringCompletePromise(pc)
	_ = pc.SetLocalDescription(offer)
	<-g
	return pc.LocalDescription().SDP
}

func candidates(sdp string) [][]string {
	var out [][]string
	for _, l := range strings.Split(sdp, "\n") {
		if strings.HasPrefix(l, "a=candidate:") {
			out = append(out, strings.Fields(strings.TrimSpace(l)))
		}
	}
	return out
}

func TestICEOptions(t *testing.T) {
	checkGoroutines(t)
	m := newTestManager(t, WithPortRange(40000, 40100), WithPublicIP("203.0.113.7"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	answer, err := m.Offer(ctx, 1, offerOnly(t))
	if err != nil {
		t.Fatal(err)
	}
	cs := candidates(answer)
	if len(cs) == 0 {
		t.Fatalf("answer without candidates (not a complete, non-trickle answer):\n%s", answer)
	}
	for _, c := range cs {
		// a=candidate:foundation component udp priority ip port typ host
		if strings.ToLower(c[2]) != "udp" || c[4] != "203.0.113.7" {
			t.Errorf("candidate %v: want UDP on the public IP", c)
		}
		if p, _ := strconv.Atoi(c[5]); p < 40000 || p > 40100 {
			t.Errorf("candidate %v: port outside 40000-40100", c)
		}
	}
	if !strings.Contains(answer, "a=fingerprint:sha-256") || !strings.Contains(answer, "opus/48000") {
		t.Fatalf("answer lacks DTLS fingerprint or Opus:\n%s", answer)
	}
	if _, err := New(WithPortRange(500, 100)); err == nil {
		t.Fatal("inverted port range accepted")
	}
	if _, err := New(WithSTUN("http://nope")); err == nil {
		t.Fatal("bad STUN URL accepted")
	}
}
