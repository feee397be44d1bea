package litertc

import (
	"crypto"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/dtls/v3/pkg/crypto/fingerprint"
	"github.com/pion/sdp/v3"
)

// fingerprintHash is the hash of our certificate's fingerprint.
const fingerprintHash = crypto.SHA256

// Codec is one payload type the answer accepts, numbered as in the offer.
type Codec struct {
	PT        uint8
	Name      string // "opus", "PCMU"
	ClockRate uint32
	Channels  uint16 // 0: not written
	Fmtp      string // "" : no fmtp line
}

// offer is what an answer needs from an offer.
type offer struct {
	ufrag, pwd string
	fps        []remoteFP
	setup      string // "actpass", "active", "passive"
	media      int    // index of the section we answer
	mid        string
	direction  string
	bundle     bool
	sections   []sdpSection
	pts        map[uint8]bool // payload types of the answered section
	order      []uint8        // the same, in the section's order
	cands      []netip.AddrPort
}

type remoteFP struct {
	hash  crypto.Hash
	value string
}

type sdpSection struct {
	media, proto, mid string
	formats           []string
}

var (
	errNoAudio = errors.New("the offer has no audio section to answer")
	errNoICE   = errors.New("the offer has no ICE credentials")
	errNoFP    = errors.New("the offer has no DTLS fingerprint we can check")
	errNoMux   = errors.New("the offer does not multiplex RTCP with RTP (a=rtcp-mux)")
)

// parseOffer reads an offer: the first audio section with a port is
// answered, the others refused.
func parseOffer(s string) (*offer, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(s); err != nil {
		return nil, fmt.Errorf("offer is not valid SDP: %w", err)
	}
	o := &offer{media: -1}
	sessUfrag, _ := sd.Attribute("ice-ufrag")
	sessPwd, _ := sd.Attribute("ice-pwd")
	sessFP, _ := sd.Attribute("fingerprint")
	sessSetup, _ := sd.Attribute("setup")
	if g, ok := sd.Attribute("group"); ok && strings.HasPrefix(g, "BUNDLE") {
		o.bundle = true
	}
	for i, md := range sd.MediaDescriptions {
		sec := sdpSection{media: md.MediaName.Media, proto: strings.Join(md.MediaName.Protos, "/"),
			formats: md.MediaName.Formats}
		sec.mid, _ = md.Attribute("mid")
		o.sections = append(o.sections, sec)
		if o.media >= 0 || md.MediaName.Media != "audio" || md.MediaName.Port.Value == 0 ||
			!strings.Contains(sec.proto, "SAVPF") && !strings.Contains(sec.proto, "SAVP") {
			continue
		}
		o.media, o.mid = i, sec.mid
		o.ufrag, o.pwd = attrOr(md, "ice-ufrag", sessUfrag), attrOr(md, "ice-pwd", sessPwd)
		o.setup = attrOr(md, "setup", sessSetup)
		fp := attrOr(md, "fingerprint", sessFP)
		for _, a := range md.Attributes {
			if a.Key == "fingerprint" && a.Value != fp {
				o.addFP(a.Value)
			}
		}
		o.addFP(fp)
		if _, ok := md.Attribute("rtcp-mux"); !ok {
			return nil, errNoMux
		}
		o.direction = "sendrecv"
		for _, d := range []string{"sendonly", "recvonly", "inactive"} {
			if _, ok := md.Attribute(d); ok {
				o.direction = d
			}
		}
		o.pts = map[uint8]bool{}
		for _, f := range md.MediaName.Formats {
			if pt, err := strconv.ParseUint(f, 10, 7); err == nil {
				o.pts[uint8(pt)] = true
				o.order = append(o.order, uint8(pt))
			}
		}
		o.cands = mediaCandidates(md)
	}
	switch {
	case o.media < 0:
		return nil, errNoAudio
	case o.ufrag == "" || o.pwd == "":
		return nil, errNoICE
	case len(o.fps) == 0:
		return nil, errNoFP
	}
	return o, nil
}

func attrOr(md *sdp.MediaDescription, key, def string) string {
	if v, ok := md.Attribute(key); ok {
		return v
	}
	return def
}

// addFP adds "sha-256 AB:CD..." when its hash is one we can compute.
func (o *offer) addFP(v string) {
	algo, value, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return
	}
	h, err := fingerprint.HashFromString(algo)
	if err != nil || !h.Available() {
		return
	}
	for _, f := range o.fps {
		if f.hash == h && strings.EqualFold(f.value, value) {
			return
		}
	}
	o.fps = append(o.fps, remoteFP{hash: h, value: strings.TrimSpace(value)})
}

// answerDirection is the answer's direction for the offer's.
func answerDirection(offered string) string {
	switch offered {
	case "sendonly":
		return "recvonly"
	case "recvonly":
		return "sendonly"
	}
	return offered
}

// sdpWriter writes lines to b, starting with a session description's
// first four.
func sdpWriter(b *strings.Builder) func(string, ...any) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format+"\r\n", a...) }
	w("v=0")
	w("o=- %d 2 IN IP4 0.0.0.0", rand.Uint64N(1<<62))
	w("s=-")
	w("t=0 0")
	return w
}

// answer writes the answer SDP.
func (c *Conn) answer(o *offer, codecs []Codec) string {
	var b strings.Builder
	w := sdpWriter(&b)
	w("a=ice-lite")
	if o.bundle && o.mid != "" {
		w("a=group:BUNDLE %s", o.mid)
	}
	for i, sec := range o.sections {
		if i != o.media {
			w("m=%s 0 %s %s", sec.media, sec.proto, strings.Join(sec.formats, " "))
			w("c=IN IP4 0.0.0.0")
			if sec.mid != "" {
				w("a=mid:%s", sec.mid)
			}
			w("a=inactive")
			continue
		}
		pts := make([]string, len(codecs))
		for j, cd := range codecs {
			pts[j] = strconv.Itoa(int(cd.PT))
		}
		w("m=audio 9 %s %s", sec.proto, strings.Join(pts, " "))
		w("c=IN IP4 0.0.0.0")
		if sec.mid != "" {
			w("a=mid:%s", sec.mid)
		}
		setup := "passive"
		if c.dtlsClient {
			setup = "active"
		}
		c.writeMedia(w, setup, codecs, answerDirection(o.direction))
	}
	return b.String()
}

// writeMedia writes the audio section's attributes after its mid.
func (c *Conn) writeMedia(w func(string, ...any), setup string, codecs []Codec, direction string) {
	w("a=ice-ufrag:%s", c.ufrag)
	w("a=ice-pwd:%s", c.pwd)
	w("a=fingerprint:%s", c.ep.fp)
	w("a=setup:%s", setup)
	w("a=rtcp-mux")
	for _, cd := range codecs {
		if cd.Channels > 0 {
			w("a=rtpmap:%d %s/%d/%d", cd.PT, cd.Name, cd.ClockRate, cd.Channels)
		} else {
			w("a=rtpmap:%d %s/%d", cd.PT, cd.Name, cd.ClockRate)
		}
		if cd.Fmtp != "" {
			w("a=fmtp:%d %s", cd.PT, cd.Fmtp)
		}
	}
	w("a=ssrc:%d cname:%s", c.ssrc, c.cname)
	w("a=msid:%s audio", c.cname)
	w("a=%s", direction)
	for k, cd := range c.cands {
		if cd.typ == "srflx" {
			w("a=candidate:%d 1 udp %d %s %d typ srflx raddr %s rport %d", k+1, 1694498815,
				cd.addr.Addr(), cd.addr.Port(), cd.related.Addr(), cd.related.Port())
		} else {
			w("a=candidate:%d 1 udp %d %s %d typ host", k+1, 2130706431-k, cd.addr.Addr(), cd.addr.Port())
		}
	}
	w("a=end-of-candidates")
}
