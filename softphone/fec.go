package softphone

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"

	"github.com/meet-dev/meet/audio/opus"
)

// fecControl sets how much loss the microphone's Opus encoder protects
// against from the loss meetd reports about our stream (RTCP receiver
// reports, about one a second), as WebRTC's Opus senders do: libopus codes
// in-band FEC (a low-rate copy of each frame in the next packet) only when
// told to expect loss, and that copy costs about a quarter of the
// encoder's CPU at our complexity (BenchmarkOpusComplexity). On a path that loses nothing the
// encoder codes no FEC; when meetd reports loss, the next frame carries it.
//
// The estimate jumps up to a report's loss at once and falls by fecDecay
// per report after, so one lossy second keeps FEC on for a few seconds. A
// new peer connection starts at opus.DefaultExpectedLoss (protected until
// the far end has said otherwise); its first report replaces that.
type fecControl struct {
	mu     sync.Mutex
	est    float64 // smoothed fraction lost, 0..1
	seen   bool    // a report has arrived
	expect atomic.Int32
}

// fecDecay is what the loss estimate keeps per report without more loss:
// from 10 % it takes 7 loss-free reports to fall below fecOff.
const fecDecay = 0.7

// fecOff is the estimate below which the encoder expects no loss; above
// it the encoder expects at least fecMin percent, the smallest share at
// which libopus still codes FEC at our bitrate.
const (
	fecOff = 0.005
	fecMin = 2
	fecMax = 25 // more protection than this costs the primary frame too much
)

func newFECControl() *fecControl {
	f := &fecControl{}
	f.expect.Store(opus.DefaultExpectedLoss)
	return f
}

// report takes one receiver report's fraction lost (0..1).
func (f *fecControl) report(lost float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.seen {
		f.est, f.seen = lost, true
	} else {
		f.est = max(lost, fecDecay*f.est)
	}
	pct := 0
	if f.est >= fecOff {
		// Up to the next whole percent; the 1e-9 keeps 0.7 × 10 % at 7.
		pct = min(fecMax, max(fecMin, int(math.Ceil(100*f.est-1e-9))))
	}
	f.expect.Store(int32(pct))
}

// expected is the loss in percent the encoder should protect against.
func (f *fecControl) expected() int { return int(f.expect.Load()) }

// lossFromReports returns the fraction lost of the first report block
// about our stream ssrc, or false.
func lossFromReports(pkts []rtcp.Packet, ssrc uint32) (float64, bool) {
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
				return float64(rr.FractionLost) / 256, true
			}
		}
	}
	return 0, false
}
