package room

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkPacketFloor is BenchmarkNetworkCalls' packet pattern with
// nothing else, the reference its per-call figure is read against: N
// calls, each two UDP sockets in this process (the caller's RTP leg and
// the operator's WebRTC leg), one goroutine reading each as Go's net
// package does, and a 20 ms ticker sending one packet back on each (172
// bytes, a G.711 RTP packet, and 80, about an Opus one); a separate
// process (TestPacketFloorGenerator) sends one packet to each socket every
// 20 ms and reads the replies. No codec, no SRTP, no jitter buffer, no
// mixing, no pion: what the kernel and Go's runtime cost on this machine
// for the four packets of a call-tick, in the same units ("cpu-µs/tick" is
// this process's CPU per call-tick). The difference from
// BenchmarkNetworkCalls at the same N is meetd's own work.
func BenchmarkPacketFloor(b *testing.B) {
	for _, n := range []int{20, 200} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchPacketFloor(b, n) })
	}
}

// floorPacket is the reply's size on socket i: RTP (G.711) on even
// sockets, an Opus-sized SRTP packet on odd ones.
func floorPacket(i int) int {
	if i%2 == 0 {
		return 172
	}
	return 80
}

func benchPacketFloor(b *testing.B, n int) {
	socks := make([]*net.UDPConn, 2*n)
	peers := make([]atomic.Pointer[netip.AddrPort], 2*n)
	var received atomic.Int64
	ports := make([]string, 2*n)
	defer func() {
		for _, c := range socks {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range socks {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		socks[i] = c
		ports[i] = strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)
		go func() {
			buf := make([]byte, 1500)
			for {
				_, from, err := c.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				if p := peers[i].Load(); p == nil || *p != from {
					peers[i].Store(&from)
				}
				received.Add(1)
			}
		}()
	}
	_, _, lines, stop := startChild(b, []string{"ROOM_FLOOR_PORTS=" + strings.Join(ports, ",")}, 10*time.Second,
		"-test.run=^TestPacketFloorGenerator$", "-test.count=1")
	defer stop() // the generator ends when its standard input closes
	if !lines.Scan() || lines.Text() != "READY" {
		b.Fatalf("generator said %q", lines.Text())
	}
	done := make(chan struct{})
	var ticks atomic.Int64
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		pkt := make([]byte, 172)
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			for i, c := range socks {
				if p := peers[i].Load(); p != nil {
					_, _ = c.WriteToUDPAddrPort(pkt[:floorPacket(i)], *p)
				}
			}
			ticks.Add(1)
		}
	}()
	defer close(done)
	time.Sleep(time.Second)
	c0, w0, t0, r0 := cpuTime(), time.Now(), ticks.Load(), received.Load()
	for b.Loop() {
		time.Sleep(3 * time.Second)
	}
	cpu, wall, tk, got := cpuTime()-c0, time.Since(w0), ticks.Load()-t0, received.Load()-r0
	if tk == 0 || got == 0 {
		b.Fatalf("%d ticks, %d packets received: the pattern did not run", tk, got)
	}
	b.ReportMetric(float64(cpu)/float64(wall)/float64(n)*100, "%core/call")
	b.ReportMetric(float64(cpu.Microseconds())/float64(tk)/float64(n), "cpu-µs/tick")
	// The generator's packets this process read per call-tick: two when
	// none is lost (its clock and ours are not aligned, so a window can
	// hold one round more or less of either).
	b.ReportMetric(float64(got)/float64(int64(n)*tk), "pkts-in/call-tick")
}

// TestPacketFloorGenerator is BenchmarkPacketFloor's other process: a
// socket per port in ROOM_FLOOR_PORTS, one packet to each every 20 ms,
// the replies read and dropped, until its standard input closes.
func TestPacketFloorGenerator(t *testing.T) {
	list := os.Getenv("ROOM_FLOOR_PORTS")
	if list == "" {
		t.Skip("child process of BenchmarkPacketFloor")
	}
	var socks []*net.UDPConn
	var dst []netip.AddrPort
	for _, f := range strings.Split(list, ",") {
		port, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		socks = append(socks, c)
		dst = append(dst, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)))
		go func() {
			buf := make([]byte, 1500)
			for {
				if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // EOF when the benchmark ends
		close(done)
	}()
	fmt.Println("READY")
	pkt := make([]byte, 172)
	tk := time.NewTicker(20 * time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-done:
			return
		case <-tk.C:
		}
		for i, c := range socks {
			_, _ = c.WriteToUDPAddrPort(pkt[:floorPacket(i)], dst[i])
		}
	}
}
