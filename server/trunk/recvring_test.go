package trunk

import (
	"net"
	"testing"
	"time"
)

// TestSlowKeyHandlerDoesNotHoldUpOtherCallsAudio: with the receive ring
// every call's RTP is read on one goroutine, so a DTMF handler that takes
// its time (meetd's writes the call's record) must run apart from it: the
// other call's audio keeps reaching its jitter buffer meanwhile, and the
// keys still arrive in order.
func TestSlowKeyHandlerDoesNotHoldUpOtherCallsAudio(t *testing.T) {
	ring := sharedRecvRing(t)
	if ring == nil {
		t.Skip("no receive ring on this kernel")
	}
	release := make(chan struct{})
	keys := make(chan rune, 8)
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cfg := sessionConfig{log: testLogger(), jbPrime: 1, jbMax: 10, ring: ring}
	slowCfg := cfg
	slowCfg.onDTMF = func(d rune) {
		<-release
		keys <- d
	}
	slow := newRTPSession(listen(), nil, slowCfg)
	other := newRTPSession(listen(), nil, cfg)
	defer slow.close()
	defer other.close()
	params := mediaParams{Codec: codecPCMU, DTMFPT: 101, RTCPMux: true}
	slow.start(params, dirSendRecv)
	other.start(params, dirSendRecv)
	time.Sleep(10 * time.Millisecond) // the ring has armed both

	caller := listen()
	defer caller.Close()
	keysTo := &rtpSender{conn: caller, to: slow.conn.LocalAddr().(*net.UDPAddr)}
	for _, d := range []byte{1, 2} { // two keys, each with its end packets
		for i := range 4 {
			end := byte(0)
			if i >= 2 {
				end = 0x80
			}
			keysTo.send([]byte{d, end | 10, 0, byte(160 * (i + 1))}, 101, i == 0, 0)
		}
		keysTo.ts += 1600
	}
	time.Sleep(20 * time.Millisecond) // the first key's handler is now blocked

	audioTo := &rtpSender{conn: caller, to: other.conn.LocalAddr().(*net.UDPAddr)}
	frame := make([]int16, frameSamples)
	for range 3 {
		audioTo.sendPCM(frame)
	}
	deadline := time.Now().Add(2 * time.Second)
	for other.depth() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the other call's jitter buffer holds %d frames while a key handler blocks, want 3", other.depth())
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	for _, want := range []rune{'1', '2'} {
		select {
		case got := <-keys:
			if got != want {
				t.Fatalf("key %c, want %c", got, want)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("key %c never reached the handler", want)
		}
	}
}
