package room

import (
	"slices"
	"testing"

	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/internal/lossfec"
)

// TestNarrowOpusCarriesFEC: the server's 8 kHz Opus stream (the caller's
// voice for the operator) carries in-band FEC, so a packet the operator
// loses is recovered from the next one instead of only concealed. libopus
// drops it, silently, below a bitrate that depends on the band, the
// complexity and the expected loss (narrowband at 10 %: about 26 kbps at
// complexity 0); this fails if the server's settings fall under it.
func TestNarrowOpusCarriesFEC(t *testing.T) {
	enc, err := newServerOpusEncoder(CallerRate)
	if err != nil {
		t.Fatal(err)
	}
	if !carriesFEC(t, enc) {
		t.Fatal("a packet recovered from the next one's FEC is only concealment: no FEC")
	}
}

// TestOpusFECFollowsReportedLoss: with the loss a softphone reports about
// the server's stream (lossfec.Control), the encoder codes no FEC while
// nothing is lost and FEC again once loss is reported.
func TestOpusFECFollowsReportedLoss(t *testing.T) {
	fec := lossfec.New()
	e, err := (&Manager{}).newPeerOpusEncoder(true, fec)
	if err != nil {
		t.Fatal(err)
	}
	fec.Report(0)
	if carriesFEC(t, e) {
		t.Error("FEC with no loss reported")
	}
	fec.Report(0.1)
	if !carriesFEC(t, e) {
		t.Error("no FEC with 10 % loss reported")
	}
}

// carriesFEC encodes 20 frames of a tone with enc and says whether a
// packet decoded from the next one's in-band FEC differs from concealment,
// for any of the packets from the fifth on (libopus codes the copy only for
// frames its voice activity detector finds active enough).
func carriesFEC(t *testing.T, enc encoder) bool {
	t.Helper()
	var pkts [][]byte
	for i := range 20 {
		p, err := enc.Encode(audiotest.ToneAt(CallerRate, callerTone, toneAmp, i*CallerFrame, CallerFrame))
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, slices.Clone(p))
	}
	for lost := 5; lost < len(pkts)-1; lost++ {
		fec, err := newServerOpusDecoder(CallerRate)
		if err != nil {
			t.Fatal(err)
		}
		plc, err := newServerOpusDecoder(CallerRate)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts[:lost] {
			if _, err := fec.Decode(p); err != nil {
				t.Fatal(err)
			}
			if _, err := plc.Decode(p); err != nil {
				t.Fatal(err)
			}
		}
		recovered, err := fec.DecodeFEC(pkts[lost+1], CallerFrame)
		if err != nil {
			t.Fatal(err)
		}
		concealed, err := plc.PLC(CallerFrame)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(recovered, concealed) {
			return true
		}
	}
	return false
}
