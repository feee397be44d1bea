package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/server/cluster/natstest"
)

// BenchmarkClusterCPS measures calls per second into guidance through
// Kamailio with 1, 2 and 3 meetd nodes over one Postgres and NATS: sipp
// keeps 100 calls in flight (closed loop, as fast as they complete) to the
// closed channel, each call getting 183 with the out-of-hours guidance, then
// 480 (missed, notInOperation: chat, call, events and the chat's closing all
// written to Postgres and relayed over NATS). scale is calls/s over the one
// node's. Every process shares this machine's cores: on 2 cores the nodes
// compete with Postgres, NATS, Kamailio and sipp, so the scale factor says
// more about per-node overhead than about capacity on separate hosts. The
// nodes run with --max-setup-delay 0 (no load shedding): this measures how
// many calls the cluster completes, not when it starts refusing (the
// e2e-shed step does; with shedding on, one 503 makes Kamailio take the
// only node out until its next probe, and the run measures that instead).
func BenchmarkClusterCPS(b *testing.B) {
	const calls, inFlight = 1500, 100
	var one float64
	for _, n := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			ns := natstest.Start(b)
			db := clusterDB(b)
			setupClusterDB(b, db)
			var nodes []*node
			for i := range n {
				nodes = append(nodes, startNode(b, db, ns.URL(), i, "--log-level", "warn", "--max-setup-delay", "0"))
			}
			target := kamailio(b, nodes...)
			b.ResetTimer()
			var cps float64
			var ok, failed int
			cpu0 := nodesCPU(b, nodes)
			for range b.N {
				ok, failed, cps = sippClosedLoop(b, target, calls, inFlight)
			}
			cpu := nodesCPU(b, nodes) - cpu0
			b.StopTimer()
			if ok > 0 {
				// CPU of all meetd nodes together per completed call: what
				// the calls cost whatever else shares the machine.
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(ok*b.N), "meetd-cpu-ms/call")
			}
			if n == 1 {
				one = cps
			}
			b.ReportMetric(cps, "calls/s")
			b.ReportMetric(float64(failed), "failed")
			if one > 0 {
				b.ReportMetric(cps/one, "scale")
			}
			b.ReportMetric(0, "ns/op")
			if ok == 0 {
				b.Fatal("no call succeeded")
			}
		})
	}
}

// nodesCPU is the CPU time (user + system) the nodes' processes used so far.
func nodesCPU(b *testing.B, nodes []*node) time.Duration {
	b.Helper()
	var total time.Duration
	for _, n := range nodes {
		total += procCPU(b, n.proc.cmd.Process.Pid)
	}
	return total
}

// sippClosedLoop places calls into the closed channel through target with
// at most inFlight at once and returns the successes, failures and the
// completed calls per second over sipp's whole run (wall clock).
func sippClosedLoop(b testing.TB, target string, calls, inFlight int) (ok, failed int, cps float64) {
	b.Helper()
	dir := b.TempDir()
	sf, _ := filepath.Abs(filepath.Join("testdata", "sipp_cps", "uac_guidance_480.xml"))
	stat := filepath.Join(dir, "stat.csv")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, need(b, "sipp"), "-nostdin", "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(b, "udp")),
		"-sf", sf, "-s", closedNumber, "-r", "5000", "-l", fmt.Sprint(inFlight), "-m", fmt.Sprint(calls),
		"-buff_size", "4194304", "-timeout", "240s", "-timeout_error", "-trace_stat", "-stf", stat, "-fd", "1", target)
	cmd.Dir = dir
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(t0)
	st, perr := readSippStat(stat)
	if perr != nil {
		b.Fatalf("sipp: %v (exit %v)\n%s", perr, err, tail(string(out), 3000))
	}
	return st.ok, max(st.fail, calls-st.ok), float64(st.ok) / wall.Seconds()
}
