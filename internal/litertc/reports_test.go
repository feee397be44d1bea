package litertc

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/stretchr/testify/require"
)

// TestReceptionReport: RFC 3550 A.3 counts across a sequence wrap, a gap
// and a duplicate; the fraction lost is the interval's, the total the
// stream's; LSR and DLSR come from the last sender report.
func TestReceptionReport(t *testing.T) {
	var r rxStats
	at := time.Duration(0)
	push := func(seq uint16) {
		at += 20 * time.Millisecond
		r.update(&rtp.Header{SSRC: 9, SequenceNumber: seq, Timestamp: uint32(at / time.Millisecond * 48)}, at, 48000)
	}
	for s := uint16(65530); s != 6; s++ { // 65530 … 65535, 0 … 5: 12 packets across the wrap
		push(s)
	}
	b := r.block(at)
	require.Equal(t, uint32(9), b.SSRC)
	require.Equal(t, uint32(1<<16+5), b.LastSequenceNumber)
	require.Zero(t, b.TotalLost)
	require.Zero(t, b.FractionLost)
	require.Zero(t, b.Jitter, "packets on time have no jitter")

	for _, s := range []uint16{6, 7, 10, 11, 11, 12, 13} { // 8 and 9 lost, 11 twice
		push(s)
	}
	r.lastSR, r.lastSRAt = 0xabcd1234, at-500*time.Millisecond
	b = r.block(at)
	require.Equal(t, uint32(1<<16+13), b.LastSequenceNumber)
	require.Equal(t, uint32(1), b.TotalLost, "8 expected, 7 arrived (one a duplicate): 1 counted lost, as RFC 3550 counts")
	require.Equal(t, uint8(256/8), b.FractionLost)
	require.Equal(t, uint32(0xabcd1234), b.LastSenderReport)
	require.Equal(t, uint32(65536/2), b.Delay)

	r.update(&rtp.Header{SSRC: 10, SequenceNumber: 100}, at, 48000)
	require.Equal(t, uint32(1), r.received, "a new SSRC starts the counts again")
}
