// Package lossfec decides how much packet loss an Opus sender's in-band FEC
// protects against, from the loss its receiver reports (RTCP).
package lossfec

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"

	"github.com/meet-dev/meet/audio/opus"
)

// Control sets how much loss an Opus encoder protects against from the
// loss the far end reports about its stream (RTCP receiver reports, about
// one a second), as WebRTC's Opus senders do: libopus codes in-band FEC (a
// low-rate copy of each frame in the next packet) only when told to expect
// loss, and that copy costs CPU (a quarter of the softphone's encode,
// softphone's BenchmarkOpusComplexity) and takes bits from the primary
// frame. On a path that loses nothing the encoder codes no FEC; when the
// far end reports loss, the next frame carries it.
//
// The estimate jumps up to a report's loss at once and falls by Decay
// per report after, so one lossy second keeps FEC on for a few seconds. A
// new Control (one per peer connection) starts at opus.DefaultExpectedLoss,
// protected until the far end has said otherwise; its first report
// replaces that.
type Control struct {
	mu     sync.Mutex
	est    float64 // smoothed fraction lost, 0..1
	seen   bool    // a report has arrived
	expect atomic.Int32
}

// Decay is what the loss estimate keeps per report without more loss:
// from 10 % it takes 7 loss-free reports to fall below Off.
const Decay = 0.7

// Off is the estimate below which the encoder expects no loss; above it
// the encoder expects at least Min percent, a design choice: a reported
// trickle of loss gets FEC at once rather than at the edge of libopus's
// threshold for coding it.
const (
	Off = 0.005
	Min = 2
	Max = 25 // more protection than this costs the primary frame too much
)

// New returns a Control that expects opus.DefaultExpectedLoss until the
// first report.
func New() *Control {
	f := &Control{}
	f.expect.Store(opus.DefaultExpectedLoss)
	return f
}

// Report takes one receiver report's fraction lost (0..1).
func (f *Control) Report(lost float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.seen {
		f.est, f.seen = lost, true
	} else {
		f.est = max(lost, Decay*f.est)
	}
	pct := 0
	if f.est >= Off {
		// Up to the next whole percent; the 1e-9 keeps 0.7 × 10 % at 7.
		pct = min(Max, max(Min, int(math.Ceil(100*f.est-1e-9))))
	}
	f.expect.Store(int32(pct))
}

// Expected is the loss in percent the encoder should protect against.
func (f *Control) Expected() int { return int(f.expect.Load()) }

// FromReports returns the fraction lost of the first report block about
// the stream ssrc, or false.
func FromReports(pkts []rtcp.Packet, ssrc uint32) (float64, bool) {
	rr, ok := Block(pkts, ssrc)
	return float64(rr.FractionLost) / 256, ok
}

// Block returns the first report block about the stream ssrc in a
// compound RTCP packet's receiver and sender reports, or false.
func Block(pkts []rtcp.Packet, ssrc uint32) (rtcp.ReceptionReport, bool) {
	for _, pk := range pkts {
		var reports []rtcp.ReceptionReport
		switch r := pk.(type) {
		case *rtcp.ReceiverReport:
			reports = r.Reports
		case *rtcp.SenderReport:
			reports = r.Reports
		}
		for _, rr := range reports {
			if rr.SSRC == ssrc {
				return rr, true
			}
		}
	}
	return rtcp.ReceptionReport{}, false
}
