package trunk

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// SDP offer/answer for G.711 audio (RFC 3264), kept free of I/O so it can be
// fuzzed and table-tested.

var (
	// ErrBadSDP means the body is not a usable session description (400).
	ErrBadSDP = errors.New("trunk: malformed SDP")
	// ErrNoCommonCodec means the offer has no PCMU/PCMA audio stream (488).
	ErrNoCommonCodec = errors.New("trunk: no common codec")
)

const maxSDPSize = 16 << 10

// codec is an audio payload we can encode and decode.
type codec struct {
	PT   uint8
	Name string // "PCMU" or "PCMA"
}

var (
	codecPCMU = codec{PT: 0, Name: "PCMU"}
	codecPCMA = codec{PT: 8, Name: "PCMA"}
)

const defaultDTMFPT = 101

// direction is an SDP media direction attribute.
type direction int

const (
	dirSendRecv direction = iota
	dirSendOnly
	dirRecvOnly
	dirInactive
)

func (d direction) String() string {
	switch d {
	case dirSendOnly:
		return "sendonly"
	case dirRecvOnly:
		return "recvonly"
	case dirInactive:
		return "inactive"
	}
	return "sendrecv"
}

// reverse is the direction we answer with for a remote direction.
func (d direction) reverse() direction {
	switch d {
	case dirSendOnly:
		return dirRecvOnly
	case dirRecvOnly:
		return dirSendOnly
	}
	return d
}

// canSend tells whether a side with this direction sends media.
func (d direction) canSend() bool { return d == dirSendRecv || d == dirSendOnly }

// mediaParams is the result of a negotiation: what both sides agreed on, as
// seen by us. Remote is where the peer wants to receive RTP (may be invalid
// for hold with c=0.0.0.0).
type mediaParams struct {
	Codec      codec
	DTMFPT     int // -1 when telephone-event was not negotiated
	Remote     netip.AddrPort
	RemoteRTCP netip.AddrPort
	RTCPMux    bool
	RemoteDir  direction // the peer's direction attribute
	Ptime      int       // ms, 0 when not given
}

// audioMedia finds the first audio m-line.
func audioMedia(sd *sdp.SessionDescription) (int, *sdp.MediaDescription) {
	for i, md := range sd.MediaDescriptions {
		if md != nil && md.MediaName.Media == "audio" {
			return i, md
		}
	}
	return -1, nil
}

func parseSDP(body []byte) (*sdp.SessionDescription, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadSDP)
	}
	if len(body) > maxSDPSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadSDP, len(body))
	}
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	return &sd, nil
}

// negotiateOffer picks, in the offer's order, the first codec we support and
// telephone-event if offered. It returns the parsed offer too, so the answer
// can mirror its m-lines.
func negotiateOffer(body []byte) (mediaParams, *sdp.SessionDescription, error) {
	sd, err := parseSDP(body)
	if err != nil {
		return mediaParams{}, nil, err
	}
	_, md := audioMedia(sd)
	if md == nil || md.MediaName.Port.Value < 0 || md.MediaName.Port.Value > 65535 {
		return mediaParams{}, nil, fmt.Errorf("%w: no audio stream", ErrNoCommonCodec)
	}
	if !isRTPAVP(md.MediaName.Protos) {
		return mediaParams{}, nil, fmt.Errorf("%w: transport %s", ErrNoCommonCodec, strings.Join(md.MediaName.Protos, "/"))
	}
	p, found := pickFormats(md)
	if !found {
		return mediaParams{}, nil, fmt.Errorf("%w: offered %s", ErrNoCommonCodec, strings.Join(md.MediaName.Formats, " "))
	}
	if err := fillTransport(&p, sd, md); err != nil {
		return mediaParams{}, nil, err
	}
	return p, sd, nil
}

// pickFormats chooses the first codec we support in the stream's order of
// preference and its telephone-event payload type (-1 when absent).
func pickFormats(md *sdp.MediaDescription) (p mediaParams, found bool) {
	p.DTMFPT = -1
	rtpmap := rtpMaps(md)
	for _, f := range md.MediaName.Formats {
		pt, err := strconv.Atoi(f)
		if err != nil || pt < 0 || pt > 127 {
			continue
		}
		name := rtpmap[pt]
		if !found {
			if c, ok := codecFor(pt, name); ok {
				p.Codec, found = c, true
			}
		}
		if p.DTMFPT < 0 && strings.EqualFold(name, "telephone-event/8000") {
			p.DTMFPT = pt
		}
	}
	return p, found
}

// parseAnswer reads the answer to our own offer (outbound calls).
func parseAnswer(body []byte) (mediaParams, error) {
	sd, err := parseSDP(body)
	if err != nil {
		return mediaParams{}, err
	}
	_, md := audioMedia(sd)
	if md == nil || md.MediaName.Port.Value <= 0 || md.MediaName.Port.Value > 65535 {
		return mediaParams{}, fmt.Errorf("%w: audio rejected", ErrNoCommonCodec)
	}
	p, found := pickFormats(md)
	if !found {
		return mediaParams{}, fmt.Errorf("%w: answered %s", ErrNoCommonCodec, strings.Join(md.MediaName.Formats, " "))
	}
	if err := fillTransport(&p, sd, md); err != nil {
		return mediaParams{}, err
	}
	return p, nil
}

func isRTPAVP(protos []string) bool {
	return len(protos) == 2 && protos[0] == "RTP" && (protos[1] == "AVP" || protos[1] == "AVPF")
}

func rtpMaps(md *sdp.MediaDescription) map[int]string {
	m := make(map[int]string, 4)
	for _, a := range md.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		ptStr, name, ok := strings.Cut(a.Value, " ")
		if !ok {
			continue
		}
		pt, err := strconv.Atoi(ptStr)
		if err != nil || pt < 0 || pt > 127 {
			continue
		}
		m[pt] = strings.TrimSpace(name)
	}
	return m
}

// codecFor maps a payload type and its rtpmap (possibly empty for static
// types) to a codec we support.
func codecFor(pt int, rtpmap string) (codec, bool) {
	name, rate, _ := strings.Cut(rtpmap, "/")
	if rtpmap == "" {
		switch pt {
		case 0:
			return codecPCMU, true
		case 8:
			return codecPCMA, true
		}
		return codec{}, false
	}
	if rate != "8000" && !strings.HasPrefix(rate, "8000/") {
		return codec{}, false
	}
	switch strings.ToUpper(name) {
	case "PCMU":
		return codec{PT: uint8(pt), Name: "PCMU"}, true
	case "PCMA":
		return codec{PT: uint8(pt), Name: "PCMA"}, true
	}
	return codec{}, false
}

func fillTransport(p *mediaParams, sd *sdp.SessionDescription, md *sdp.MediaDescription) error {
	ci := md.ConnectionInformation
	if ci == nil {
		ci = sd.ConnectionInformation
	}
	if ci == nil || ci.Address == nil {
		return fmt.Errorf("%w: no connection address", ErrBadSDP)
	}
	host := ci.Address.Address
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: connection address %q is not an IP", ErrBadSDP, host)
	}
	port := md.MediaName.Port.Value
	p.RemoteDir = mediaDirection(sd, md)
	if addr.IsUnspecified() || port == 0 {
		// RFC 2543 style hold: no address to send to.
		if p.RemoteDir == dirSendRecv {
			p.RemoteDir = dirSendOnly
		}
		if p.RemoteDir == dirRecvOnly {
			p.RemoteDir = dirInactive
		}
	} else {
		p.Remote = netip.AddrPortFrom(addr.Unmap(), uint16(port))
	}
	if _, ok := md.Attribute("rtcp-mux"); ok {
		p.RTCPMux = true
	}
	if p.Remote.IsValid() {
		p.RemoteRTCP = netip.AddrPortFrom(p.Remote.Addr(), p.Remote.Port()+1)
		if v, ok := md.Attribute("rtcp"); ok {
			ps, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
			if n, err := strconv.Atoi(ps); err == nil && n > 0 && n <= 65535 {
				ra := p.Remote.Addr()
				if f := strings.Fields(rest); len(f) == 3 {
					if a, err := netip.ParseAddr(f[2]); err == nil && !a.IsUnspecified() {
						ra = a.Unmap()
					}
				}
				p.RemoteRTCP = netip.AddrPortFrom(ra, uint16(n))
			}
		}
		if p.RTCPMux {
			p.RemoteRTCP = p.Remote
		}
	}
	if v, ok := md.Attribute("ptime"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 && n <= 200 {
			p.Ptime = n
		}
	}
	return nil
}

func mediaDirection(sd *sdp.SessionDescription, md *sdp.MediaDescription) direction {
	find := func(attrs []sdp.Attribute) (direction, bool) {
		for _, a := range attrs {
			switch a.Key {
			case "sendrecv":
				return dirSendRecv, true
			case "sendonly":
				return dirSendOnly, true
			case "recvonly":
				return dirRecvOnly, true
			case "inactive":
				return dirInactive, true
			}
		}
		return dirSendRecv, false
	}
	if d, ok := find(md.Attributes); ok {
		return d
	}
	d, _ := find(sd.Attributes)
	return d
}

// localMedia is our side of the session description.
type localMedia struct {
	IP        netip.Addr
	Port      int
	RTCPPort  int // announced with a=rtcp when not Port+1 (RFC 3605)
	SessionID uint64
	Version   uint64
}

func addrType(ip netip.Addr) string {
	if ip.Is4() {
		return "IP4"
	}
	return "IP6"
}

func baseSession(l localMedia) *sdp.SessionDescription {
	return &sdp.SessionDescription{
		Origin: sdp.Origin{
			Username: "meetd", SessionID: l.SessionID, SessionVersion: l.Version,
			NetworkType: "IN", AddressType: addrType(l.IP), UnicastAddress: l.IP.String(),
		},
		SessionName: "meetd",
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN", AddressType: addrType(l.IP), Address: &sdp.Address{Address: l.IP.String()},
		},
		TimeDescriptions: []sdp.TimeDescription{{}},
	}
}

func audioAttrs(c codec, dtmfPT int, dir direction, rtcpMux bool, l localMedia) ([]string, []sdp.Attribute) {
	formats := []string{strconv.Itoa(int(c.PT))}
	attrs := []sdp.Attribute{sdp.NewAttribute("rtpmap", fmt.Sprintf("%d %s/8000", c.PT, c.Name))}
	if dtmfPT >= 0 {
		formats = append(formats, strconv.Itoa(dtmfPT))
		attrs = append(attrs,
			sdp.NewAttribute("rtpmap", fmt.Sprintf("%d telephone-event/8000", dtmfPT)),
			sdp.NewAttribute("fmtp", fmt.Sprintf("%d 0-16", dtmfPT)))
	}
	attrs = append(attrs, sdp.NewAttribute("ptime", "20"))
	if rtcpMux {
		attrs = append(attrs, sdp.NewPropertyAttribute("rtcp-mux"))
	} else if l.RTCPPort != 0 && l.RTCPPort != l.Port+1 {
		attrs = append(attrs, sdp.NewAttribute("rtcp", strconv.Itoa(l.RTCPPort)))
	}
	attrs = append(attrs, sdp.NewPropertyAttribute(dir.String()))
	return formats, attrs
}

// buildAnswer answers an offer: the first audio m-line is accepted with the
// negotiated codec, every other m-line is rejected with port 0 (RFC 3264 §6).
func buildAnswer(offer *sdp.SessionDescription, p mediaParams, l localMedia, hold bool) ([]byte, error) {
	sd := baseSession(l)
	ai, _ := audioMedia(offer)
	dir := p.RemoteDir.reverse()
	if hold {
		dir = dirInactive
	}
	for i, om := range offer.MediaDescriptions {
		if om == nil {
			continue
		}
		if i != ai {
			sd.MediaDescriptions = append(sd.MediaDescriptions, &sdp.MediaDescription{
				MediaName: sdp.MediaName{Media: om.MediaName.Media, Port: sdp.RangedPort{Value: 0},
					Protos: om.MediaName.Protos, Formats: om.MediaName.Formats},
			})
			continue
		}
		formats, attrs := audioAttrs(p.Codec, p.DTMFPT, dir, p.RTCPMux, l)
		sd.MediaDescriptions = append(sd.MediaDescriptions, &sdp.MediaDescription{
			MediaName:  sdp.MediaName{Media: "audio", Port: sdp.RangedPort{Value: l.Port}, Protos: []string{"RTP", "AVP"}, Formats: formats},
			Attributes: attrs,
		})
	}
	return sd.Marshal()
}

// buildOffer is our offer for outbound calls: PCMU, PCMA and telephone-event.
func buildOffer(l localMedia) ([]byte, error) {
	sd := baseSession(l)
	sd.MediaDescriptions = []*sdp.MediaDescription{{
		MediaName: sdp.MediaName{Media: "audio", Port: sdp.RangedPort{Value: l.Port}, Protos: []string{"RTP", "AVP"},
			Formats: []string{"0", "8", strconv.Itoa(defaultDTMFPT)}},
		Attributes: []sdp.Attribute{
			sdp.NewAttribute("rtpmap", "0 PCMU/8000"),
			sdp.NewAttribute("rtpmap", "8 PCMA/8000"),
			sdp.NewAttribute("rtpmap", fmt.Sprintf("%d telephone-event/8000", defaultDTMFPT)),
			sdp.NewAttribute("fmtp", fmt.Sprintf("%d 0-16", defaultDTMFPT)),
			sdp.NewAttribute("ptime", "20"),
		},
	}}
	if l.RTCPPort != 0 && l.RTCPPort != l.Port+1 {
		sd.MediaDescriptions[0].Attributes = append(sd.MediaDescriptions[0].Attributes, sdp.NewAttribute("rtcp", strconv.Itoa(l.RTCPPort)))
	}
	sd.MediaDescriptions[0].Attributes = append(sd.MediaDescriptions[0].Attributes, sdp.NewPropertyAttribute("sendrecv"))
	return sd.Marshal()
}
