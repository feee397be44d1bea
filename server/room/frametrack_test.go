package room

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// frameTrack (the test peers' send track) sends each frame as one RTP
// packet through a TrackLocalStaticRTP, reusing one packet: the same packets
// TrackLocalStaticSample sends for a frame that fits one packet (a random
// first sequence number below 2^15 and first timestamp, the marker bit set
// as pion's packetizer sets it on a sample's last packet, the timestamp
// advanced by the frame's duration, an empty frame only advancing it), but
// without the packetizer's three allocations per packet (its packet list,
// the packet, a copy of the payload), 50 a second for every operator.
type frameTrack struct {
	*webrtc.TrackLocalStaticRTP

	mu        sync.Mutex
	pkt       rtp.Packet
	clockRate int64
}

func newFrameTrack(c webrtc.RTPCodecCapability, id, streamID string) (*frameTrack, error) {
	t, err := webrtc.NewTrackLocalStaticRTP(c, id, streamID)
	if err != nil {
		return nil, err
	}
	f := &frameTrack{TrackLocalStaticRTP: t, clockRate: int64(c.ClockRate)}
	f.pkt.Version = 2
	f.pkt.Marker = true
	f.pkt.SequenceNumber = uint16(rand.N(1 << 15)) // as rtp.NewRandomSequencer
	f.pkt.Timestamp = rand.Uint32()
	return f, nil
}

// WriteSample sends one frame; its payload is not kept. The SSRC and
// payload type are each binding's (TrackLocalStaticRTP sets them).
func (f *frameTrack) WriteSample(s media.Sample) error {
	ticks := uint32(int64(s.Duration) * f.clockRate / int64(time.Second))
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(s.Data) == 0 {
		f.pkt.Timestamp += ticks
		return nil
	}
	f.pkt.Payload = s.Data
	err := f.WriteRTP(&f.pkt)
	f.pkt.Payload = nil
	f.pkt.SequenceNumber++
	f.pkt.Timestamp += ticks
	return err
}
