package trunk

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/meet-dev/meet/internal/udpbatch"
)

// TestRTPSendsThroughTheSendBatch: with WithSendBatch a leg's RTP waits
// while the batch is held and leaves from the leg's own port on release;
// a leg closed while its packet waits sends nothing.
func TestRTPSendsThroughTheSendBatch(t *testing.T) {
	batch := udpbatch.NewBatch(true)
	defer batch.Close()
	s := startServer(t, newFakeHandler(), WithSendBatch(batch))
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	peerAddr := netip.MustParseAddrPort(peer.LocalAddr().String())
	read := func(within time.Duration) (netip.AddrPort, []byte, bool) {
		buf := make([]byte, 1500)
		_ = peer.SetReadDeadline(time.Now().Add(within))
		n, from, err := peer.ReadFromUDPAddrPort(buf)
		if err != nil {
			return netip.AddrPort{}, nil, false
		}
		return from, buf[:n], true
	}
	leg, err := s.NewRTPLeg(nil)
	if err != nil {
		t.Fatal(err)
	}
	leg.Connect(peerAddr)
	frame := make([]int16, frameSamples)
	for i := range frame {
		frame[i] = int16(i * 100)
	}
	batch.Hold()
	if err := leg.WriteFrame(frame); err != nil {
		t.Fatal(err)
	}
	if batch.Uring() {
		if _, _, ok := read(50 * time.Millisecond); ok {
			t.Fatal("a packet left while the batch was held")
		}
	} else {
		t.Log("this kernel refuses io_uring: the batch sends at once")
	}
	batch.Release()
	from, pkt, ok := read(5 * time.Second)
	if !ok {
		t.Fatal("the held packet never left")
	}
	if from.Port() != leg.LocalAddr().Port() {
		t.Fatalf("sent from port %d, the leg's is %d", from.Port(), leg.LocalAddr().Port())
	}
	if len(pkt) != 12+frameSamples || pkt[0] != 0x80 || pkt[1]&0x7f != 0 {
		t.Fatalf("not a PCMU RTP packet: % x", pkt[:12])
	}
	// Closed while its packet waits: the packet is dropped, never sent
	// from a descriptor number that may already be another socket's.
	batch.Hold()
	if err := leg.WriteFrame(frame); err != nil {
		t.Fatal(err)
	}
	leg.Close()
	batch.Release()
	if _, _, ok := read(100 * time.Millisecond); ok {
		t.Fatal("a closed leg's queued packet was sent")
	}
	if n := batch.Lost(); n != 0 {
		t.Fatalf("%d datagrams lost", n)
	}
}
