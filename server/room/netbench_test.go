package room

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/meet-dev/meet/api"
)

// BenchmarkNetworkCalls is the whole server path for N concurrent two-party
// calls: N softphones (real pion peer connections, Opus, DTLS-SRTP over
// loopback UDP) run in a child process so that only the server's CPU is
// measured here; each is attached to its own room with a G.711 caller.
// Reports server CPU per call, late ticks and operator packet loss.
func BenchmarkNetworkCalls(b *testing.B) {
	for _, n := range []int{20, 100, 200} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchNetworkCalls(b, n) })
	}
}

func benchNetworkCalls(b *testing.B, n int) {
	m := newTestManager(b)
	ulaw, _ := benchMedia(b)
	args := []string{"-test.run=^TestClientProcess$", "-test.count=1"}
	if f := os.Getenv("ROOM_CLIENT_CPUPROFILE"); f != "" { // the load generator's own profile
		args = append(args, "-test.cpuprofile="+f)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ROOM_CLIENTS="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	for i := range n {
		if !lines.Scan() {
			b.Fatalf("client process ended after %d offers: %v", i, lines.Err())
		}
		f := strings.Fields(lines.Text())
		if len(f) != 3 || f[0] != "OFFER" {
			b.Fatalf("client process said %q", lines.Text())
		}
		sdp, _ := base64.StdEncoding.DecodeString(f[2])
		id, _ := strconv.ParseInt(f[1], 10, 64)
		ctx, cancel := contextWithTimeout(10 * time.Second)
		answer, err := m.Offer(ctx, id, string(sdp))
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(stdin, "ANSWER %d %s\n", id, base64.StdEncoding.EncodeToString([]byte(answer)))
	}
	for i := range n {
		waitOnline(b, m, int64(i+1), true)
	}
	for i := range n {
		id := int64(i + 1)
		if err := m.OpenRoom(id); err != nil {
			b.Fatal(err)
		}
		if err := m.SetCaller(id, &g711Caller{ulaw: ulaw}); err != nil {
			b.Fatal(err)
		}
		if err := m.Attach(id, id, api.ModeTalk); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(time.Second)
	late0, ticks0, recv0, lost0 := netStats(m, n)
	c0, w0, cc0 := cpuTime(), time.Now(), procCPU(cmd.Process.Pid)
	for b.Loop() {
		time.Sleep(3 * time.Second)
	}
	cpu, wall, clientCPU := cpuTime()-c0, time.Since(w0), procCPU(cmd.Process.Pid)-cc0
	late, ticks, recv, lost := netStats(m, n)
	var worst time.Duration
	for i := range n {
		st, _ := m.Stats(int64(i + 1))
		worst = max(worst, st.MaxLateness)
	}
	b.ReportMetric(float64(cpu)/float64(wall)/float64(n)*100, "%core/call")
	// The same CPU per room tick run: steadier than per wall second when a
	// loaded host makes rooms skip ticks.
	if ticks > ticks0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(ticks-ticks0), "cpu-µs/tick")
	}
	b.ReportMetric(float64(late-late0), "late-ticks")
	b.ReportMetric(float64(ticks-ticks0), "ticks")
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-lateness-ms")
	// The load generator's own CPU (the softphones' process), apart.
	b.ReportMetric(float64(clientCPU)/float64(wall)*100, "client-%core")
	if recv > recv0 {
		b.ReportMetric(float64(lost-lost0)/float64(recv-recv0+lost-lost0)*100, "%operator-loss")
	}
}

// procCPU is a process's user+system CPU time from /proc (Linux), 0 when
// it cannot be read.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / clkTck
}

func netStats(m *Manager, n int) (late, ticks, recv, lost uint64) {
	for i := range n {
		st, _ := m.Stats(int64(i + 1))
		late += st.Late
		ticks += st.Ticks
		ss, _ := m.StaffStats(int64(i + 1))
		recv += ss.Received
		lost += ss.Lost
	}
	return
}

// TestClientProcess is the child side of BenchmarkNetworkCalls: ROOM_CLIENTS
// softphones that offer over stdout, take answers from stdin, send a
// pre-encoded Opus tone and count what they receive, until stdin closes.
func TestClientProcess(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ROOM_CLIENTS"))
	if n == 0 {
		t.Skip("child process of BenchmarkNetworkCalls")
	}
	_, pkts := benchMedia(t)
	me := &webrtc.MediaEngine{}
	for _, c := range []webrtc.RTPCodecParameters{clientOpus, clientPCMU} {
		if err := me.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
	}
	// What `meet phone` registers (softphone/peer.go): RTCP sender and
	// receiver reports only, the same ICE timeouts (a keepalive a second).
	// pion's defaults (NACK buffers, stats, TWCC) would cost the load
	// generator CPU the softphone does not spend, taken from meetd's cores.
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetICETimeouts(3*time.Second, 8*time.Second, time.Second)
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	a := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	pcs := make([]*webrtc.PeerConnection, n)
	tracks := make([]*webrtc.TrackLocalStaticSample, n)
	var received atomic.Int64
	var pcsMu sync.Mutex
	// Answers are read while offers are still being written: both pipes
	// are finite.
	answered := make(chan error, 1)
	go func() {
		in := bufio.NewScanner(os.Stdin)
		in.Buffer(make([]byte, 1<<20), 1<<20)
		for range n {
			if !in.Scan() {
				answered <- fmt.Errorf("stdin closed before all answers")
				return
			}
			f := strings.Fields(in.Text())
			id, _ := strconv.Atoi(f[1])
			sdp, _ := base64.StdEncoding.DecodeString(f[2])
			pcsMu.Lock()
			pc := pcs[id-1]
			pcsMu.Unlock()
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(sdp)}); err != nil {
				answered <- err
				return
			}
		}
		answered <- nil
	}()
	for i := range n {
		pc, err := a.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			t.Fatal(err)
		}
		tracks[i], _ = webrtc.NewTrackLocalStaticSample(opusCap, "mic", "client")
		if _, err := pc.AddTrack(tracks[i]); err != nil {
			t.Fatal(err)
		}
		pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			buf := make([]byte, 1500)
			for {
				if _, _, err := tr.Read(buf); err != nil {
					return
				}
				received.Add(1)
			}
		})
		offer, _ := pc.CreateOffer(nil)
		g := webrtc.GatheringCompletePromise(pc)
		_ = pc.SetLocalDescription(offer)
		<-g
		pcsMu.Lock()
		pcs[i] = pc
		pcsMu.Unlock()
		fmt.Printf("OFFER %d %s\n", i+1, base64.StdEncoding.EncodeToString([]byte(pc.LocalDescription().SDP)))
	}
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		for k := 0; ; k++ {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			for _, tr := range tracks {
				_ = tr.WriteSample(media.Sample{Data: pkts[k%len(pkts)], Duration: 20 * time.Millisecond})
			}
		}
	}()
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes it
	close(stop)
	wg.Wait()
	for _, pc := range pcs {
		_ = pc.Close()
	}
	fmt.Fprintf(os.Stderr, "client process: %d clients received %d packets\n", n, received.Load())
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
