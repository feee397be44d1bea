package room

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/meet-dev/meet/api"
	_ "github.com/meet-dev/meet/internal/timerslack" // as meetd runs (cmd/meetd)
	"github.com/meet-dev/meet/internal/udpbatch"
	"github.com/meet-dev/meet/server/trunk"
)

// BenchmarkNetworkCalls is the whole server path for N concurrent two-party
// calls: N softphones (real pion peer connections, Opus, DTLS-SRTP over
// loopback UDP) and N G.711 callers (RTP over loopback UDP into the
// trunk's RTP legs, trunk.RTPLeg: its socket, jitter buffer and μ-law
// codec) run in a child process so that only the server's CPU is measured
// here; each softphone is attached to its own room with its caller.
// Reports server CPU per call, late ticks, and in both directions (the
// operators' packets at the rooms, the callers' at the trunk's legs) the
// frames concealed, the packets dropped unplayed and those played early
// to give delay back by time compression (audio/timescale). The rooms run on meetd's default shared clock;
// the trunk sends the callers' RTP through io_uring as meetd does by
// default (udpbatch.Batch), sendto/N a system call a packet (meetd
// --io-uring=false, or a kernel that refuses io_uring); own/N gives each
// room its own goroutine and timer (WithOwnTickers). Both
// processes run with meetd's 1 ms timer slack (internal/timerslack; meet
// phone sets the same), MEET_TIMER_SLACK_NS=0 runs them without.
func BenchmarkNetworkCalls(b *testing.B) {
	for _, c := range []struct {
		name  string
		n     int
		uring bool // callers' RTP through udpbatch.Batch's io_uring, as meetd sends it by default
		opts  []Option
	}{{"20", 20, true, nil}, {"100", 100, true, nil}, {"200", 200, true, nil},
		{"sendto/200", 200, false, nil}, {"own/200", 200, true, []Option{WithOwnTickers()}}} {
		b.Run(c.name, func(b *testing.B) { benchNetworkCalls(b, c.n, c.uring, "", c.opts...) })
	}
}

// silenceOpus is the silence packet meet phone sent every 20 ms while its
// operator was idle, until 2026-12-05: one CELT frame, fullband, empty.
var silenceOpus = []byte{0xf8, 0xff, 0xfe}

// BenchmarkIdleOperators is what softphones connected without a call cost
// meetd: N real pion peers (DTLS-SRTP, ICE keepalives and RTCP reports over
// loopback UDP) offered to the Manager as BenchmarkNetworkCalls does, no
// room opened, the load generator in a child process. The N/ variant sends
// no RTP, as meet phone does while its operator is idle; silence/N a
// 3-byte Opus silence packet every 20 ms from each, as meet phone did
// before (2026-12-05). Reports meetd's CPU per connected operator.
func BenchmarkIdleOperators(b *testing.B) {
	for _, c := range []struct{ name, mode string }{{"200", "quiet"}, {"silence/200", "silence"}} {
		b.Run(c.name, func(b *testing.B) {
			benchNetworkCalls(b, 200, true, c.mode)
		})
	}
}

// settle is how long the calls run before BenchmarkNetworkCalls measures.
const settle = 5 * time.Second

// benchNetworkCalls runs n calls. With uring the trunk sends the callers'
// RTP through a Batch the shared clock holds, as meetd does where the
// kernel allows io_uring (the benchmark fails where it does not: the
// figure would be sendto/'s); without, a sendto a packet, as meetd
// --io-uring=false or a kernel that refuses io_uring. A non-empty idle
// (BenchmarkIdleOperators: "quiet" or "silence", see TestClientProcess)
// connects the softphones only: no caller, no room.
func benchNetworkCalls(b *testing.B, n int, uring bool, idle string, opts ...Option) {
	topts := []trunk.Option{trunk.WithListen("127.0.0.1:0"), trunk.WithRTPIP("127.0.0.1"), trunk.WithLogger(testLogger())}
	var batch *udpbatch.Batch
	if uring {
		batch = udpbatch.NewBatch(true)
		defer batch.Close()
		if !batch.Uring() {
			b.Fatal("this kernel refuses io_uring: BenchmarkNetworkCalls/sendto/ is what meetd does here")
		}
		topts = append(topts, trunk.WithSendBatch(batch))
		opts = append(opts, WithSendBatch(batch))
	}
	m := newTestManager(b, opts...)
	tr, err := trunk.New(topts...)

	if err != nil {
		b.Fatal(err)
	}
	legs := make([]*trunk.RTPLeg, n)
	defer func() {
		for _, l := range legs {
			if l != nil {
				l.Close()
			}
		}
	}()
	args := []string{"-test.run=^TestClientProcess$", "-test.count=1"}
	if f := os.Getenv("ROOM_CLIENT_CPUPROFILE"); f != "" { // the load generator's own profile
		args = append(args, "-test.cpuprofile="+f)
	}
	cmd, stdin, lines, stop := startChild(b, []string{"ROOM_CLIENTS=" + strconv.Itoa(n), "ROOM_IDLE=" + idle}, 20*time.Second, args...)
	defer stop()
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	for i := range n {
		if !lines.Scan() {
			b.Fatalf("client process ended after %d offers: %v", i, lines.Err())
		}
		f := strings.Fields(lines.Text())
		if len(f) != 4 || f[0] != "OFFER" {
			b.Fatalf("client process said %q", lines.Text())
		}
		sdp, _ := base64.StdEncoding.DecodeString(f[2])
		id, _ := strconv.ParseInt(f[1], 10, 64)
		callerPort, _ := strconv.Atoi(f[3])
		var legPort uint16
		if idle == "" { // idle operators have no caller
			leg, err := tr.NewRTPLeg(nil)
			if err != nil {
				b.Fatal(err)
			}
			legs[id-1] = leg
			leg.Connect(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(callerPort)))
			legPort = leg.LocalAddr().Port()
		}
		ctx, cancel := contextWithTimeout(10 * time.Second)
		answer, err := m.Offer(ctx, id, string(sdp))
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(stdin, "ANSWER %d %s %d\n", id, base64.StdEncoding.EncodeToString([]byte(answer)), legPort)
	}
	for i := range n {
		waitOnline(b, m, int64(i+1), true)
	}
	if idle != "" {
		time.Sleep(settle)
		c0, w0, cc0 := cpuTime(), time.Now(), procCPU(cmd.Process.Pid)
		for b.Loop() {
			time.Sleep(3 * time.Second)
		}
		cpu, wall, clientCPU := cpuTime()-c0, time.Since(w0), procCPU(cmd.Process.Pid)-cc0
		b.ReportMetric(float64(cpu)/float64(wall)/float64(n)*100, "%core/operator")
		b.ReportMetric(float64(clientCPU)/float64(wall)*100, "client-%core")
		return
	}
	for i := range n {
		id := int64(i + 1)
		if err := m.OpenRoom(id); err != nil {
			b.Fatal(err)
		}
		if err := m.SetCaller(id, legs[i]); err != nil {
			b.Fatal(err)
		}
		if err := m.Attach(id, id, api.ModeTalk); err != nil {
			b.Fatal(err)
		}
	}
	// Settle first: setting up N calls at once makes the first ticks
	// underrun, and the operator's jitter buffer remembers an underrun for
	// up to 4 s (a period more of margin for 150 packets, then a 50-packet
	// window before that period of delay is given back).
	time.Sleep(settle)
	// The CPU and wall-clock window brackets the counters' reads: on a
	// loaded host reading 2N rooms' and legs' counters can take a second.
	c0, w0, cc0 := cpuTime(), time.Now(), procCPU(cmd.Process.Pid)
	late0, ticks0, recv0, lost0, skip0, acc0 := netStats(m, n)
	callers0 := callerStats(legs)
	gc0, sw0 := readGCStats(), readSwitches()
	gen0 := genStats(b, stdin, lines)
	if f := os.Getenv("ROOM_NET_CPUPROFILE"); f != "" { // meetd's side, the measured seconds only
		out, err := os.Create(fmt.Sprintf("%s.%d", f, n))
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(out); err != nil {
			b.Fatal(err)
		}
		defer func() { pprof.StopCPUProfile(); _ = out.Close() }()
	}
	for b.Loop() {
		time.Sleep(3 * time.Second)
	}
	gen := genStats(b, stdin, lines).sub(gen0)
	late, ticks, recv, lost, skip, acc := netStats(m, n)
	callers := callerStats(legs).Sub(callers0)
	cpu, wall, clientCPU := cpuTime()-c0, time.Since(w0), procCPU(cmd.Process.Pid)-cc0
	gc, sw := readGCStats().sub(gc0), readSwitches().sub(sw0)
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
	// The server's garbage collection over the window: cycles, and the
	// bytes and objects allocated per room tick.
	b.ReportMetric(float64(gc.cycles), "gc-cycles")
	if cpu > 0 {
		b.ReportMetric(gc.cpu/cpu.Seconds()*100, "%cpu-in-gc")
	}
	if ticks > ticks0 {
		b.ReportMetric(float64(gc.bytes)/float64(ticks-ticks0), "alloc-B/tick")
		b.ReportMetric(float64(gc.objects)/float64(ticks-ticks0), "allocs/tick")
	}
	// How often the server's threads and goroutines were switched, per
	// call-tick: OS context switches (voluntary and not) and goroutines
	// taken off a thread (parked, preempted or yielding; the runtime
	// samples one such switch in eight per goroutine, scaled back here).
	if ticks > ticks0 {
		b.ReportMetric(float64(sw.ctx)/float64(ticks-ticks0), "ctxsw/tick")
		b.ReportMetric(float64(sw.goroutine)/float64(ticks-ticks0), "gswitch/tick")
	}
	b.ReportMetric(float64(ticks-ticks0), "ticks")
	// The worst tick since each room started, set-up and settling included:
	// the mixer keeps no window of it (late-ticks is the window's).
	b.ReportMetric(float64(worst.Microseconds())/1000, "max-lateness-ms")
	// The load generator's own CPU (the softphones' process), apart.
	b.ReportMetric(float64(clientCPU)/float64(wall)*100, "client-%core")
	// Whether the load generator kept time: its send rounds (every
	// softphone's and caller's packet of one 20 ms tick) that ended more
	// than a tick behind their schedule, and the worst. Operator loss with
	// late rounds here is the generator starved, without them meetd's
	// receive path.
	b.ReportMetric(float64(gen.rounds), "client-rounds")
	b.ReportMetric(float64(gen.lateRounds), "client-late-rounds")
	b.ReportMetric(float64(gen.maxLate.Microseconds())/1000, "client-max-lateness-ms")
	if recv > recv0 {
		// Frames missing at playout (concealed), and packets that came
		// but were dropped unplayed to cut the delay a stall left (the
		// jitter buffer's jumps and drains): either is audio the caller
		// does not hear.
		frames := float64(recv - recv0 + lost - lost0)
		b.ReportMetric(float64(lost-lost0)/frames*100, "%operator-loss")
		b.ReportMetric(float64(skip-skip0)/frames*100, "%operator-skipped")
		// Packets played early to give delay back, their audio
		// time-compressed (pitch periods left out, audio/timescale): not
		// lost, but the operator's voice came a few ms shorter.
		b.ReportMetric(float64(acc.packets-acc0.packets)/frames*100, "%operator-accelerated")
		b.ReportMetric(acc.cutMs-acc0.cutMs, "operator-cut-ms")
		if batch != nil {
			b.ReportMetric(float64(batch.Lost()), "caller-sends-lost")
		}
	}
	// The other direction: the callers' packets at the trunk's jitter
	// buffers (the operators hear them), concealed and skipped.
	if frames := float64(callers.Played + callers.Concealed); frames > 0 {
		b.ReportMetric(float64(callers.Concealed)/frames*100, "%caller-loss")
		b.ReportMetric(float64(callers.Skipped)/frames*100, "%caller-skipped")
		b.ReportMetric(float64(callers.Accelerated)/frames*100, "%caller-accelerated")
		b.ReportMetric(float64(callers.CutSamples)/8, "caller-cut-ms")
	}
}

// callerStats sums the legs' receive counters.
func callerStats(legs []*trunk.RTPLeg) (sum trunk.ReceiveStats) {
	for _, l := range legs {
		if l != nil {
			sum.Add(l.ReceiveStats())
		}
	}
	return sum
}

// gcStats are the runtime's garbage collection counters.
type gcStats struct {
	cycles, bytes, objects uint64
	cpu                    float64 // seconds of CPU the collector used
}

func readGCStats() gcStats {
	samples := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/allocs:bytes"},
		{Name: "/gc/heap/allocs:objects"}, {Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(samples)
	return gcStats{samples[0].Value.Uint64(), samples[1].Value.Uint64(), samples[2].Value.Uint64(), samples[3].Value.Float64()}
}

func (g gcStats) sub(o gcStats) gcStats {
	return gcStats{g.cycles - o.cycles, g.bytes - o.bytes, g.objects - o.objects, g.cpu - o.cpu}
}

// switches counts the process's OS context switches and its goroutines'
// switches off a thread.
type switches struct{ ctx, goroutine uint64 }

func readSwitches() switches {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	var n uint64
	for _, c := range s[0].Value.Float64Histogram().Counts {
		n += c
	}
	// The runtime records one in gTrackingPeriod (8) of a goroutine's
	// switches off a thread, each when it runs again.
	return switches{ctx: uint64(ru.Nvcsw + ru.Nivcsw), goroutine: n * 8}
}

func (s switches) sub(o switches) switches { return switches{s.ctx - o.ctx, s.goroutine - o.goroutine} }

// generatorStats are the load generator's send rounds: how many ended more
// than a tick after their tick fired (or were dropped by the ticker), and
// the worst lateness since the previous request.
type generatorStats struct {
	rounds, lateRounds uint64
	maxLate            time.Duration
}

func (g generatorStats) sub(o generatorStats) generatorStats {
	return generatorStats{g.rounds - o.rounds, g.lateRounds - o.lateRounds, g.maxLate}
}

// genStats asks the load generator for its counters (a STATS line each way).
func genStats(b *testing.B, stdin io.Writer, lines *bufio.Scanner) generatorStats {
	if _, err := fmt.Fprintln(stdin, "STATS"); err != nil {
		b.Fatal(err)
	}
	if !lines.Scan() {
		b.Fatalf("client process ended before its stats: %v", lines.Err())
	}
	var g generatorStats
	var maxUS int64
	if _, err := fmt.Sscanf(lines.Text(), "STATS %d %d %d", &g.rounds, &g.lateRounds, &maxUS); err != nil {
		b.Fatalf("client process said %q: %v", lines.Text(), err)
	}
	g.maxLate = time.Duration(maxUS) * time.Microsecond
	return g
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

// accelStats are the operators' time-compressed give-backs: packets played
// early and the audio left out, ms.
type accelStats struct {
	packets uint64
	cutMs   float64
}

func netStats(m *Manager, n int) (late, ticks, recv, lost, skipped uint64, acc accelStats) {
	for i := range n {
		st, _ := m.Stats(int64(i + 1))
		late += st.Late
		ticks += st.Ticks
		ss, _ := m.StaffStats(int64(i + 1))
		recv += ss.Received
		lost += ss.Lost
		skipped += ss.Skipped
		acc.packets += ss.Accelerated
		acc.cutMs += ss.CutMs
	}
	return
}

// TestClientProcess is the child side of BenchmarkNetworkCalls: ROOM_CLIENTS
// softphones that offer over stdout, take answers from stdin, send a
// pre-encoded Opus tone (coded as meet phone codes it here: narrowband SILK
// at complexity 0, no FEC; softphoneMedia) and count what they receive, and as many callers
// sending pre-built μ-law RTP packets of a tone, each from its own UDP
// socket, until stdin closes.
func TestClientProcess(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ROOM_CLIENTS"))
	if n == 0 {
		t.Skip("child process of BenchmarkNetworkCalls")
	}
	ulaw, pkts := softphoneMedia(t)
	idle := os.Getenv("ROOM_IDLE") // BenchmarkIdleOperators: "quiet" or "silence"
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
	callers := make([]*rtpCaller, n)
	tracks := make([]*frameTrack, n) // the same packets as a sample track, no allocations
	var received atomic.Int64
	var rounds, lateRounds, maxLate atomic.Int64 // the send rounds' timing (generatorStats)
	eof := make(chan struct{})
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
			if len(f) != 4 {
				answered <- fmt.Errorf("bad answer line %q", in.Text())
				return
			}
			id, _ := strconv.Atoi(f[1])
			sdp, _ := base64.StdEncoding.DecodeString(f[2])
			legPort, _ := strconv.Atoi(f[3])
			pcsMu.Lock()
			pc := pcs[id-1]
			callers[id-1].to = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(legPort))
			pcsMu.Unlock()
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(sdp)}); err != nil {
				answered <- err
				return
			}
		}
		answered <- nil
		// Then STATS requests until the parent closes stdin.
		for in.Scan() {
			if in.Text() == "STATS" {
				// The worst lateness since the last request.
				fmt.Printf("STATS %d %d %d\n", rounds.Load(), lateRounds.Load(), time.Duration(maxLate.Swap(0)).Microseconds())
			}
		}
		close(eof)
	}()
	for i := range n {
		pc, err := a.NewPeerConnection(webrtc.Configuration{})
		if err != nil {
			t.Fatal(err)
		}
		if tracks[i], err = newFrameTrack(opusCap, "mic", "client"); err != nil {
			t.Fatal(err)
		}
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
		c, err := newRTPCaller()
		if err != nil {
			t.Fatal(err)
		}
		pcsMu.Lock()
		pcs[i], callers[i] = pc, c
		pcsMu.Unlock()
		fmt.Printf("OFFER %d %s %d\n", i+1, base64.StdEncoding.EncodeToString([]byte(pc.LocalDescription().SDP)), c.port())
	}
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var callerReceived int
	wg.Add(1)
	go func() {
		defer wg.Done()
		start, last := time.Now(), int64(0) // last: the number of the last tick served
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		for k := 0; ; k++ {
			var due time.Time
			select {
			case <-stop:
				return
			case due = <-tk.C:
			}
			// Ticks the ticker dropped (a round or this process stalled
			// past the next tick) are frames never sent in their slot.
			j := int64(due.Sub(start) / (20 * time.Millisecond))
			if skipped := j - last - 1; skipped > 0 {
				rounds.Add(skipped)
				lateRounds.Add(skipped)
			}
			last = j
			switch idle {
			case "quiet": // BenchmarkIdleOperators: no RTP at all
				continue
			case "silence":
				for _, tr := range tracks {
					_ = tr.WriteSample(media.Sample{Data: silenceOpus, Duration: 20 * time.Millisecond})
				}
				continue
			}
			for _, tr := range tracks {
				_ = tr.WriteSample(media.Sample{Data: pkts[k%len(pkts)], Duration: 20 * time.Millisecond})
			}
			for _, c := range callers {
				c.send(ulaw[k%len(ulaw)])
				if k%10 == 0 { // every 200 ms: fewer empty reads
					callerReceived += c.drain()
				}
			}
			// How long after its tick this round's last packet left.
			late := time.Since(due)
			rounds.Add(1)
			if late > 20*time.Millisecond {
				lateRounds.Add(1)
			}
			if late > time.Duration(maxLate.Load()) {
				maxLate.Store(int64(late))
			}
		}
	}()
	<-eof // until the parent closes stdin
	close(stop)
	wg.Wait()
	for _, pc := range pcs {
		_ = pc.Close()
	}
	for _, c := range callers {
		_ = c.conn.Close()
	}
	fmt.Fprintf(os.Stderr, "client process: %d softphones received %d packets, %d callers %d\n", n, received.Load(), n, callerReceived)
}

// rtpCaller is one caller of the load generator: μ-law RTP from its own
// UDP socket, one pre-built packet a tick (header stepped, payload copied
// from pre-encoded frames), and what comes back drained without blocking.
type rtpCaller struct {
	conn *net.UDPConn
	raw  syscall.RawConn
	to   netip.AddrPort
	pkt  [12 + CallerFrame]byte
	seq  uint16
	ts   uint32
	buf  [1500]byte
}

func newRTPCaller() (*rtpCaller, error) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	raw, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	c := &rtpCaller{conn: conn, raw: raw, seq: uint16(rand.Uint32()), ts: rand.Uint32()}
	c.pkt[0] = 0x80 // version 2, payload type 0 (PCMU)
	binary.BigEndian.PutUint32(c.pkt[8:], rand.Uint32())
	return c, nil
}

func (c *rtpCaller) port() int { return c.conn.LocalAddr().(*net.UDPAddr).Port }

func (c *rtpCaller) send(frame []byte) {
	binary.BigEndian.PutUint16(c.pkt[2:], c.seq)
	binary.BigEndian.PutUint32(c.pkt[4:], c.ts)
	copy(c.pkt[12:], frame)
	c.seq++
	c.ts += CallerFrame
	_, _ = c.conn.WriteToUDPAddrPort(c.pkt[:], c.to)
}

// drain reads what has arrived, without waiting, and counts it.
func (c *rtpCaller) drain() (n int) {
	_ = c.raw.Read(func(fd uintptr) bool {
		for {
			if _, _, err := syscall.Recvfrom(int(fd), c.buf[:], syscall.MSG_DONTWAIT); err != nil {
				return true
			}
			n++
		}
	})
	return n
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// startChild runs this test binary again with args and the extra
// environment variables env (a benchmark's other process: its load
// generator). stop closes its standard input, which ends it, waits for
// it, killing it after wait, and logs what it wrote to standard error: on
// our standard error directly its summary landed between a benchmark's
// name and its figures once go test ran it more than once (-count), and
// that result line could no longer be read.
func startChild(b *testing.B, env []string, wait time.Duration, args ...string) (cmd *exec.Cmd, stdin io.WriteCloser, lines *bufio.Scanner, stop func()) {
	b.Helper()
	cmd = exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var errOut bytes.Buffer // written by exec's copier until Wait returns
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stop = func() {
		_ = stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(wait):
			_ = cmd.Process.Kill()
			<-done
		}
		if s := strings.TrimSpace(errOut.String()); s != "" {
			b.Log(s)
		}
	}
	return cmd, stdin, bufio.NewScanner(stdout), stop
}
