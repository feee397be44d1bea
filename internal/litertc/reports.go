package litertc

import (
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// rxStats are the receive statistics of the peer's stream, for the
// reception report block (RFC 3550 §6.4.1, appendix A.3 and A.8).
type rxStats struct {
	ssrc             uint32
	started          bool
	baseSeq, maxSeq  uint16
	cycles           uint32
	received         uint32
	expectedPrior    uint32
	receivedPrior    uint32
	jitter           float64 // in timestamp units
	lastTransit      int64
	lastSR           uint32        // middle 32 bits of the last sender report's NTP time
	lastSRAt         time.Duration // when it arrived (since the connection's epoch)
	haveLastTransits bool
}

// update counts one packet that arrived at now; clock is its payload
// type's clock rate (0: unknown, no jitter).
func (r *rxStats) update(h *rtp.Header, now time.Duration, clock uint32) {
	if !r.started || h.SSRC != r.ssrc { // a new stream starts the counts again
		*r = rxStats{ssrc: h.SSRC, started: true, baseSeq: h.SequenceNumber, maxSeq: h.SequenceNumber}
	} else if d := h.SequenceNumber - r.maxSeq; d != 0 && d < 1<<15 {
		if h.SequenceNumber < r.maxSeq {
			r.cycles += 1 << 16
		}
		r.maxSeq = h.SequenceNumber
	}
	r.received++
	if clock == 0 {
		return
	}
	transit := int64(now)*int64(clock)/int64(time.Second) - int64(h.Timestamp)
	if r.haveLastTransits {
		d := float64(transit - r.lastTransit)
		if d < 0 {
			d = -d
		}
		r.jitter += (d - r.jitter) / 16
	}
	r.lastTransit, r.haveLastTransits = transit, true
}

// block is the reception report about the stream now, and starts the next
// interval.
func (r *rxStats) block(now time.Duration) rtcp.ReceptionReport {
	extMax := r.cycles + uint32(r.maxSeq)
	expected := extMax - uint32(r.baseSeq) + 1
	lost := int64(expected) - int64(r.received)
	lost = max(min(lost, 0x7fffff), 0)
	expInt := expected - r.expectedPrior
	recInt := r.received - r.receivedPrior
	r.expectedPrior, r.receivedPrior = expected, r.received
	var fraction uint8
	if lostInt := int64(expInt) - int64(recInt); expInt > 0 && lostInt > 0 {
		fraction = uint8(min(lostInt<<8/int64(expInt), 255))
	}
	rr := rtcp.ReceptionReport{SSRC: r.ssrc, FractionLost: fraction, TotalLost: uint32(lost),
		LastSequenceNumber: extMax, Jitter: uint32(r.jitter), LastSenderReport: r.lastSR}
	if r.lastSRAt != 0 {
		rr.Delay = uint32((now - r.lastSRAt) * 65536 / time.Second)
	}
	return rr
}

// txStats are our stream's send counts, for the sender report.
type txStats struct {
	packets, octets uint32
	lastTS          uint32
	lastAt          time.Duration
}

func (t *txStats) sent(payload int, ts uint32, now time.Duration) {
	t.packets++
	t.octets += uint32(payload)
	t.lastTS, t.lastAt = ts, now
}

// ntpTime is t as a 64-bit NTP timestamp.
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800 // seconds from 1900 to 1970
	secs := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// sendReports sends a sender report (once we have sent) or a receiver
// report (once we have received), with our CNAME.
func (c *Conn) sendReports(now time.Duration) {
	var blocks []rtcp.ReceptionReport
	c.dmu.Lock()
	if c.rx.started {
		blocks = append(blocks, c.rx.block(now))
	}
	c.dmu.Unlock()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var first rtcp.Packet
	if c.tx.packets > 0 {
		rtpTime := c.tx.lastTS + uint32(int64(now-c.tx.lastAt)*int64(c.send.ClockRate)/int64(time.Second))
		first = &rtcp.SenderReport{SSRC: c.ssrc, NTPTime: ntpTime(c.epoch.Add(now)), RTPTime: rtpTime,
			PacketCount: c.tx.packets, OctetCount: c.tx.octets, Reports: blocks}
	} else if len(blocks) > 0 {
		first = &rtcp.ReceiverReport{SSRC: c.ssrc, Reports: blocks}
	} else {
		return
	}
	raw, err := rtcp.Marshal([]rtcp.Packet{first, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
		Source: c.ssrc, Items: []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: c.cname}}}}}})
	if err != nil {
		return
	}
	_ = c.writeRTCPLocked(raw)
}
