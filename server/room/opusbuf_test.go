package room

import (
	"slices"
	"testing"

	"github.com/meet-dev/meet/audio/audiotest"
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
	var pkts [][]byte
	for i := range 20 {
		p, err := enc.Encode(audiotest.ToneAt(CallerRate, callerTone, toneAmp, i*CallerFrame, CallerFrame))
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, slices.Clone(p))
	}
	const lost = 15
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
	if slices.Equal(recovered, concealed) {
		t.Fatalf("packet %d recovered from the next one's FEC is only concealment: no FEC", lost)
	}
}
