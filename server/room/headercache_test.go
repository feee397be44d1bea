package room

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// receiveChain is a softphone connection's receive chain of interceptors
// (with or without the header cache under pion's receiver reports) over
// pkts, on a clock that steps 20 ms a packet, and the reports it writes.
type receiveChain struct {
	read    interceptor.RTPReader
	mu      sync.Mutex
	reports []rtcp.ReceptionReport
	close   func()
}

func newReceiveChain(t *testing.T, cached bool, pkts [][]byte) *receiveChain {
	t.Helper()
	c := &receiveChain{}
	var clockMu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	recv, err := report.NewReceiverInterceptor(report.ReceiverInterval(5*time.Millisecond),
		report.ReceiverNow(func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }))
	if err != nil {
		t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	if cached {
		reg.Add(headerCacheFactory{})
	}
	reg.Add(recv)
	ic, err := reg.Build("")
	if err != nil {
		t.Fatal(err)
	}
	ic.BindRTCPWriter(interceptor.RTCPWriterFunc(func(ps []rtcp.Packet, _ interceptor.Attributes) (int, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, p := range ps {
			if rr, ok := p.(*rtcp.ReceiverReport); ok {
				c.reports = append(c.reports, rr.Reports...)
			}
		}
		return 0, nil
	}))
	i := 0
	src := interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		clockMu.Lock()
		now = now.Add(20 * time.Millisecond)
		clockMu.Unlock()
		n := copy(b, pkts[i%len(pkts)])
		i++
		return n, a, nil
	})
	c.read = ic.BindRemoteStream(&interceptor.StreamInfo{SSRC: 0x5eed, ClockRate: 48000}, src)
	c.close = func() { _ = ic.Close() }
	return c
}

// lastReport waits for a report written after every packet was read.
func (c *receiveChain) lastReport(t *testing.T) rtcp.ReceptionReport {
	t.Helper()
	c.mu.Lock()
	have := len(c.reports)
	c.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		if len(c.reports) > have {
			rr := c.reports[len(c.reports)-1]
			c.mu.Unlock()
			return rr
		}
		c.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("no receiver report")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// opusPackets are a softphone's stream with a loss and a reordering.
func opusPackets(t *testing.T) [][]byte {
	var pkts [][]byte
	for _, seq := range []uint16{100, 101, 103, 102, 104, 106, 107, 108} {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: seq,
			Timestamp: 960 * uint32(seq), SSRC: 0x5eed}, Payload: make([]byte, 40)}
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, b)
	}
	return pkts
}

// TestHeaderCacheKeepsReports: pion's receiver reports over the header
// cache are the ones it writes without it (sequence, loss, jitter), and a
// packet read costs no allocation (without the cache: a map and a header).
func TestHeaderCacheKeepsReports(t *testing.T) {
	pkts := opusPackets(t)
	var got [2]rtcp.ReceptionReport
	for k, cached := range []bool{false, true} {
		c := newReceiveChain(t, cached, pkts)
		buf := make([]byte, 1500)
		for range pkts {
			if _, _, err := c.read.Read(buf, nil); err != nil {
				t.Fatal(err)
			}
		}
		got[k] = c.lastReport(t)
		c.close()
	}
	// FractionLost covers the packets since the previous report, and the
	// 5 ms report ticker runs in real time: a report in the middle of the
	// reads moves the loss out of the last one's interval, with or
	// without the cache (it made this test fail about one run in five).
	// The cumulative fields must agree.
	a, b := got[0], got[1]
	a.FractionLost, b.FractionLost = 0, 0
	if a != b {
		t.Fatalf("reports differ:\nwithout the cache %+v\nwith it           %+v", got[0], got[1])
	}
	if got[0].LastSequenceNumber != 108 || got[0].TotalLost != 1 {
		t.Fatalf("report %+v: want last sequence 108, 1 lost", got[0])
	}

	c := newReceiveChain(t, true, pkts)
	defer c.close()
	buf := make([]byte, 1500)
	if allocs := testing.AllocsPerRun(200, func() { _, _, _ = c.read.Read(buf, nil) }); allocs != 0 {
		t.Fatalf("%.1f allocations a packet read through the reports", allocs)
	}
}
