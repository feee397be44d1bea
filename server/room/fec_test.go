package room

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// TestFECFollowsSoftphoneReports: receiver reports a real pion peer sends
// about meetd's stream (over SRTCP, as a softphone's report interceptor
// does) set the loss meetd's Opus encoders protect against for that peer:
// from the default to the reported loss, and down again without loss.
func TestFECFollowsSoftphoneReports(t *testing.T) {
	m := newTestManager(t)
	c := newClient(t, m, 1, 440, clientOpus)
	waitOnline(t, m, 1, true)
	s := m.staffLeg(1)
	s.mu.Lock()
	p := s.cur
	s.mu.Unlock()
	if got := p.fec.Expected(); got != 10 {
		t.Fatalf("before any report meetd expects %d %% loss, want the default 10 %%", got)
	}
	// meetd's SSRC, from its answer (it sends nothing until a call).
	var ssrc uint32
	for line := range strings.Lines(c.pc.RemoteDescription().SDP) {
		if v, ok := strings.CutPrefix(line, "a=ssrc:"); ok {
			n, err := strconv.ParseUint(strings.Fields(v)[0], 10, 32)
			if err != nil {
				t.Fatal(err)
			}
			ssrc = uint32(n)
			break
		}
	}
	if ssrc == 0 {
		t.Fatal("meetd's answer names no SSRC")
	}
	report := func(fractionLost uint8, want int) {
		t.Helper()
		writeRTCP(t, c, &rtcp.ReceiverReport{SSRC: 1234, Reports: []rtcp.ReceptionReport{{SSRC: ssrc, FractionLost: fractionLost}}})
		deadline := time.Now().Add(3 * time.Second)
		for p.fec.Expected() != want {
			if time.Now().After(deadline) {
				t.Fatalf("after a report of %d/256 lost meetd expects %d %%, want %d %%", fractionLost, p.fec.Expected(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	report(0, 0)   // the first report replaces the default: no FEC
	report(26, 11) // 10.2 % lost
	report(0, 8)   // decaying
	// A report about another stream changes nothing.
	writeRTCP(t, c, &rtcp.ReceiverReport{SSRC: 1234, Reports: []rtcp.ReceptionReport{{SSRC: ssrc + 1, FractionLost: 255}}})
	report(0, 5)
}

// writeRTCP sends p from the client's peer. meetd sees the peer online once
// its own side of the DTLS handshake is done, which can be a moment before
// pion's side has started SRTP and takes RTCP ("the DTLS transport has not
// started yet"): that error is retried for up to 5 s.
func writeRTCP(t *testing.T, c *client, p rtcp.Packet) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := c.pc.WriteRTCP([]rtcp.Packet{p})
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
