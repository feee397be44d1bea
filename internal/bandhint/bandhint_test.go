package bandhint

import (
	"testing"

	"github.com/pion/rtcp"
)

func TestRoundTrip(t *testing.T) {
	for _, narrow := range []bool{true, false} {
		raw, err := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 1}, Packet(7, narrow)})
		if err != nil {
			t.Fatal(err)
		}
		pkts, err := rtcp.Unmarshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := Parse(pkts, 7)
		if !ok || got != narrow {
			t.Errorf("narrow=%v: parsed %v %v", narrow, got, ok)
		}
		if _, ok := Parse(pkts, 8); ok {
			t.Error("a hint about another stream was taken")
		}
	}
	other := &rtcp.ApplicationDefined{SSRC: 7, Name: "XXXX", Data: []byte("BNDN")}
	if _, ok := Parse([]rtcp.Packet{other}, 7); ok {
		t.Error("another application's packet was taken")
	}
}
