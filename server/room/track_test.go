package room

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// headerSink is a trackSink that keeps each packet's header too.
type headerSink struct {
	trackSink
	headers []rtp.Header
}

func (h *headerSink) WriteStream() webrtc.TrackLocalWriter { return h }
func (h *headerSink) WriteRTP(hdr *rtp.Header, p []byte) (int, error) {
	c := *hdr
	c.CSRC = append([]uint32(nil), hdr.CSRC...)
	h.headers = append(h.headers, c)
	return h.trackSink.WriteRTP(hdr, p)
}

// TestFrameTrackSendsWhatSampleTrackSends: the same frames through
// frameTrack and TrackLocalStaticSample give the same packets, apart from
// the random first sequence number and timestamp.
func TestFrameTrackSendsWhatSampleTrackSends(t *testing.T) {
	for _, c := range []webrtc.RTPCodecCapability{opusCap, pcmuCap} {
		frames := [][]byte{bytes.Repeat([]byte{1}, 80), bytes.Repeat([]byte{2}, 60), nil, bytes.Repeat([]byte{3}, 160)}
		run := func(tr interface {
			webrtc.TrackLocal
			sampleTrack
		}) *headerSink {
			sink := &headerSink{}
			if _, err := tr.Bind(sink); err != nil {
				t.Fatal(err)
			}
			for _, f := range frames {
				if err := tr.WriteSample(media.Sample{Data: f, Duration: 20 * time.Millisecond}); err != nil {
					t.Fatal(err)
				}
			}
			return sink
		}
		ft, err := newFrameTrack(c, "audio", "test")
		if err != nil {
			t.Fatal(err)
		}
		st, err := webrtc.NewTrackLocalStaticSample(c, "audio", "test")
		if err != nil {
			t.Fatal(err)
		}
		got, want := run(ft), run(st)
		if len(got.headers) != len(want.headers) || len(got.headers) != 3 {
			t.Fatalf("%s: %d packets, want %d", c.MimeType, len(got.headers), len(want.headers))
		}
		if got.headers[0].SequenceNumber >= 1<<15 {
			t.Errorf("%s: first sequence number %d, want below 2^15", c.MimeType, got.headers[0].SequenceNumber)
		}
		for i := range got.headers {
			g, w := got.headers[i], want.headers[i]
			// Relative to the first packet: sequence and timestamp steps.
			g.SequenceNumber -= got.headers[0].SequenceNumber
			w.SequenceNumber -= want.headers[0].SequenceNumber
			g.Timestamp -= got.headers[0].Timestamp
			w.Timestamp -= want.headers[0].Timestamp
			if g.Version != w.Version || g.Marker != w.Marker || g.PayloadType != w.PayloadType || g.SSRC != w.SSRC ||
				g.SequenceNumber != w.SequenceNumber || g.Timestamp != w.Timestamp || g.Extension != w.Extension ||
				g.Padding != w.Padding || len(g.CSRC) != len(w.CSRC) || len(g.Extensions) != len(w.Extensions) {
				t.Errorf("%s packet %d: header %+v, want %+v", c.MimeType, i, g, w)
			}
			if !bytes.Equal(got.payloads[i], want.payloads[i]) {
				t.Errorf("%s packet %d: payload differs", c.MimeType, i)
			}
		}
	}
}

// TestFrameTrackAllocatesNothing: a frame costs no allocation of ours or
// the track's (the packetizer's three are what it saves).
func TestFrameTrackAllocatesNothing(t *testing.T) {
	ft, err := newFrameTrack(opusCap, "audio", "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ft.Bind(&countSink{}); err != nil {
		t.Fatal(err)
	}
	frame := media.Sample{Data: make([]byte, 80), Duration: 20 * time.Millisecond}
	if n := testing.AllocsPerRun(100, func() { _ = ft.WriteSample(frame) }); n != 0 {
		t.Errorf("%.1f allocations per frame, want 0", n)
	}
}

// countSink is a trackSink that only counts packets.
type countSink struct {
	trackSink
	n int
}

func (c *countSink) WriteStream() webrtc.TrackLocalWriter { return c }
func (c *countSink) WriteRTP(_ *rtp.Header, p []byte) (int, error) {
	c.n++
	return len(p), nil
}
