package litertc

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/stun/v4"
	"github.com/stretchr/testify/require"
)

const sampleOffer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n" +
	"a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n" +
	"a=setup:actpass\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n" +
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"

// FuzzParseOffer: any text is an offer or an error, never a panic, and an
// accepted offer has what an answer needs.
func FuzzParseOffer(f *testing.F) {
	f.Add(sampleOffer)
	f.Add(strings.Replace(sampleOffer, "a=rtcp-mux\r\n", "", 1))
	f.Add("v=0\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		o, err := parseOffer(s)
		if err != nil {
			return
		}
		if o.ufrag == "" || o.pwd == "" || len(o.fps) == 0 || o.media < 0 || o.media >= len(o.sections) {
			t.Fatalf("accepted an offer without what an answer needs: %+v", o)
		}
	})
}

// TestAnswerRefusesOtherSections: the data channel section is refused
// (port 0) and only the audio mid is bundled.
func TestAnswerRefusesOtherSections(t *testing.T) {
	ep, err := NewEndpoint(Config{Loopback: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ep.Close() })
	c, ans, err := ep.Answer(context.Background(), sampleOffer, Media{Codecs: testCodecs})
	require.NoError(t, err)
	defer c.Close()
	require.Contains(t, ans, "a=group:BUNDLE 0\r\n")
	require.Contains(t, ans, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n")
	require.Contains(t, ans, "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n")
	require.Contains(t, ans, "a=setup:passive\r\n")
	for _, bad := range []string{"", "hello", strings.Replace(sampleOffer, "a=rtcp-mux\r\n", "", 1),
		strings.Replace(sampleOffer, "a=ice-pwd:0123456789012345678901\r\n", "", 1),
		strings.Replace(sampleOffer, "111 0\r\n", "9\r\n", 1)} {
		_, _, err := ep.Answer(context.Background(), bad, Media{Codecs: testCodecs})
		var oe *OfferError
		require.ErrorAs(t, err, &oe, "offer %q", bad)
	}
}

// TestHostilePackets: packets from an address that never passed a check,
// and checks with the wrong credentials, reach no connection and get no
// answer; the right credentials get one and route the address.
func TestHostilePackets(t *testing.T) {
	ep, err := NewEndpoint(Config{Loopback: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ep.Close() })
	c, _, err := ep.Answer(context.Background(), sampleOffer, Media{Codecs: testCodecs})
	require.NoError(t, err)
	defer c.Close()
	srv := net.UDPAddrFromAddrPort(ep.Ports()[0])
	cl, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer cl.Close()
	from := cl.LocalAddr().(*net.UDPAddr).AddrPort()
	for _, b := range [][]byte{{0x80, 111, 0, 1}, {22, 254, 253, 0}, make([]byte, 1400), {0}, {0x90, 200, 0, 1, 2}} {
		_, err := cl.WriteToUDP(b, srv)
		require.NoError(t, err)
	}
	check := func(user, pwd string) bool {
		m := stun.MustBuild(stun.TransactionID, stun.BindingRequest, stun.NewUsername(user),
			stun.NewShortTermIntegrity(pwd), stun.Fingerprint)
		_, err := cl.WriteToUDP(m.Raw, srv)
		require.NoError(t, err)
		require.NoError(t, cl.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
		buf := make([]byte, 1500)
		n, _, err := cl.ReadFromUDP(buf)
		if err != nil {
			return false
		}
		resp := &stun.Message{Raw: buf[:n]}
		require.NoError(t, resp.Decode())
		require.Equal(t, stun.BindingSuccess, resp.Type)
		require.NoError(t, stun.NewShortTermIntegrity(c.pwd).Check(resp))
		var xa stun.XORMappedAddress
		require.NoError(t, xa.GetFrom(resp))
		got, _ := netip.AddrFromSlice(xa.IP)
		require.Equal(t, from, netip.AddrPortFrom(got.Unmap(), uint16(xa.Port)))
		return true
	}
	require.False(t, check(c.ufrag+":abcd", "wrong-password-wrong-pw"))
	require.False(t, check(c.ufrag+":other", c.pwd))
	require.False(t, check("nobody:abcd", c.pwd))
	require.Nil(t, ep.route(from))
	require.Equal(t, StateNew, c.State())
	require.True(t, check(c.ufrag+":abcd", c.pwd))
	require.Equal(t, c, ep.route(from))
	require.NoError(t, c.Close())
	require.Nil(t, ep.route(from), "a closed connection still routes its peer's address")
}

// FuzzDatagram: any datagram, from an address that passed a check on a
// connection with SRTP keys set and from one that did not, is handled
// without a panic, and only a check with the connection's credentials
// routes a new address.
func FuzzDatagram(f *testing.F) {
	ep, err := NewEndpoint(Config{Loopback: true})
	require.NoError(f, err)
	f.Cleanup(func() { _ = ep.Close() })
	c, _, err := ep.Answer(context.Background(), sampleOffer, Media{Codecs: testCodecs})
	require.NoError(f, err)
	f.Cleanup(func() { _ = c.Close() })
	s := ep.socks[0]
	from := netip.MustParseAddrPort("127.0.0.9:5000")
	c.passed(s, from, true)
	key := make([]byte, 16)
	salt := make([]byte, 12)
	enc, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
	require.NoError(f, err)
	dec, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm, srtp.SRTPReplayProtection(64))
	require.NoError(f, err)
	c.enc, c.dec = enc, dec
	c.ready.Store(true)
	hdr := rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: 1, SSRC: 7}
	plain, _ := (&rtp.Packet{Header: hdr, Payload: []byte{1, 2, 3}}).Marshal()
	good, err := enc.EncryptRTP(nil, plain, nil)
	require.NoError(f, err)
	f.Add(good)
	f.Add(stun.MustBuild(stun.TransactionID, stun.BindingRequest, stun.NewUsername(c.ufrag+":abcd"),
		stun.NewShortTermIntegrity(c.pwd), stun.Fingerprint).Raw)
	f.Add([]byte{22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1})
	f.Add([]byte{0x81, 200, 0, 1, 0, 0, 0, 7})
	out := make([]byte, mtu)
	var pkt rtp.Packet
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 || len(b) > mtu {
			return
		}
		other := netip.MustParseAddrPort("127.0.0.10:5000")
		before := ep.route(other)
		s.dispatch(b, other, out, &pkt)
		s.dispatch(b, from, out, &pkt)
		m := &stun.Message{Raw: append([]byte(nil), b...)}
		valid := m.Decode() == nil && m.Type == stun.BindingRequest && stun.NewShortTermIntegrity(c.pwd).Check(m) == nil
		if before == nil && ep.route(other) != nil && !valid {
			t.Fatal("a datagram that is no valid check routed a new address")
		}
	})
}
