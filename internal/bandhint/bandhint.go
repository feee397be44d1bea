// Package bandhint is meetd's hint to a softphone about the audio band its
// microphone stream needs, carried in-band as an RTCP APP packet (RFC 3550
// §6.7, name "MEET") on the WebRTC leg: narrowband while everything that
// hears the operator takes 8 kHz (a phone-line caller, the 8 kHz recording,
// a node-to-node leg), wideband otherwise (another operator or supervisor
// in the room). A narrowband Opus stream costs the softphone about half
// the encode of a wideband one and codes the 4 kHz the caller hears with
// all its bits.
package bandhint

import "github.com/pion/rtcp"

// Name is the APP packet's name.
const Name = "MEET"

var (
	narrowData = []byte("BNDN")
	wideData   = []byte("BNDW")
)

// Packet is the hint about the stream ssrc (the softphone's own, so pion
// hands it to the softphone's sender, which reads its receiver reports).
func Packet(ssrc uint32, narrow bool) rtcp.Packet {
	d := wideData
	if narrow {
		d = narrowData
	}
	return &rtcp.ApplicationDefined{SSRC: ssrc, Name: Name, Data: append([]byte(nil), d...)}
}

// Parse returns the last hint about ssrc in a compound RTCP packet, or
// false when it has none.
func Parse(pkts []rtcp.Packet, ssrc uint32) (narrow, ok bool) {
	for _, pk := range pkts {
		a, isApp := pk.(*rtcp.ApplicationDefined)
		if !isApp || a.Name != Name || a.SSRC != ssrc || len(a.Data) < 4 {
			continue
		}
		switch string(a.Data[:4]) {
		case string(narrowData):
			narrow, ok = true, true
		case string(wideData):
			narrow, ok = false, true
		}
	}
	return narrow, ok
}
