package lossfec

import (
	"testing"

	"github.com/pion/rtcp"

	"github.com/meet-dev/meet/audio/opus"
)

func TestFECControlFollowsReports(t *testing.T) {
	f := New()
	if got := f.Expected(); got != opus.DefaultExpectedLoss {
		t.Fatalf("before any report: %d %%, want the default %d %%", got, opus.DefaultExpectedLoss)
	}
	// Each step: the report's fraction lost and the expected loss after it.
	steps := []struct {
		lost float64
		want int
	}{
		{0, 0},      // the first report replaces the default
		{0, 0},      // nothing lost: no FEC
		{0.10, 10},  // loss: up at once
		{0, 7},      // then down by Decay a report
		{0, 5},      // 4.9 % rounds up
		{0.30, 25},  // capped
		{0.01, 21},  // 0.7 × 30 %
		{0.002, 15}, // 14.7 %
		{0.004, 11}, // 10.29 %
		{0, 8},      // 7.2 %
		{0, 6},      // 5.04 %
		{0, 4},      // 3.53 %
		{0, 3},      // 2.47 %
		{0, 2},      // 1.73 %
		{0, 2},      // 1.21 %: at least Min while FEC is on
		{0, 2},      // 0.85 %
		{0, 2},      // 0.59 %
		{0, 0},      // 0.42 %: below Off, FEC off
		{0.004, 0},  // a trickle below Off keeps it off
		{0.0078, 2}, // one packet in 128 turns it on at Min
	}
	for i, s := range steps {
		f.Report(s.lost)
		if got := f.Expected(); got != s.want {
			t.Fatalf("step %d (report %.4f): expected loss %d %%, want %d %%", i, s.lost, got, s.want)
		}
	}
}

func TestLossFromReports(t *testing.T) {
	pkts := []rtcp.Packet{
		&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{SSRC: 7, FractionLost: 128}}},
		&rtcp.SenderReport{Reports: []rtcp.ReceptionReport{{SSRC: 9, FractionLost: 64}}},
	}
	if got, ok := FromReports(pkts, 9); !ok || got != 0.25 {
		t.Errorf("ssrc 9: %v %v, want 0.25", got, ok)
	}
	if _, ok := FromReports(pkts, 8); ok {
		t.Error("ssrc 8 has no report block")
	}
}
