package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
)

// sippStep is the outcome of one sipp run at a fixed call rate.
type sippStep struct {
	rate              int     // target calls/s
	created, ok, fail int     // calls started, succeeded, failed or unfinished
	achieved          float64 // calls created / elapsed, as sipp measured it
	elapsed           time.Duration
	response          time.Duration   // mean INVITE → 480 (sipp's response time 1)
	times             []time.Duration // INVITE → 480 of each successful call (-trace_rtt)
	invites, finals   []time.Duration // when each successful call's INVITE went out and its final response came, from sipp's start
	sent              []sippCount     // calls sipp had started, at each statistics row (-fd 1: every second)
	cpu               time.Duration   // sipp's own CPU time (user + system)
	unexpected        int             // failed on an unexpected message (a 503 where 480 was due)
	timedOut          int             // failed waiting for a response (silence)
}

// BenchmarkSippCPS drives sipp's load generator at the real meetd (SQLite
// store, routing, trunk, rooms) with calls to a closed channel: each gets
// early media with the out-of-hours guidance and then 480, and is stored as
// a missed notInOperation call. It runs one sustained load:
// MEET_SIPP_CPS calls/s (default 1010, 1 % over the aim's 1,000: on a slow
// host sipp starts calls a little under the rate it is asked, 999.8/s when
// asked 1,000 in two runs of 2026-12-04, which put the window 5 and 8 calls
// short of the aim with every call answered) for MEET_SIPP_SECONDS
// (default 60), every call from a new number (a new customer and chat). meetd runs with
// --max-cps 0 so the admission limit does not shed the load being measured
// (BenchmarkSippShed measures shedding).
//
// Metrics: "calls/s", the calls handled in the run's window: calls whose
// INVITE sipp sent within MEET_SIPP_SECONDS of its first one and that got
// their final response, per second of that window (offered and handled:
// sipp's pacing short of the rate shows here too); beside it the less
// flattering "calls/s-with-tail", successful calls / time from the first
// INVITE to the last final response (what sipp's own CallRate reports,
// about 996/s at 1,000/s for 60 s: the tail of the last calls and sipp's
// start-up count), and "offered-cps", the pace at which sipp started calls
// (at its last statistics row within the window); "failed", calls sipp counted failed or that had
// no final response; "p99-ms" and "max-ms", INVITE → final response of the
// successful calls; "over-2s", calls whose final response took longer than
// 2 s; "peak-RSS-MB" (meetd's VmHWM), "RSS-growth-MB" (meetd's mean RSS
// over the last sixth of the run minus over the sixth after the first:
// flat means ≈ 0) and "RSS-growth-last-MB" (the last sample minus the one
// at a sixth of the run; see rssFigures: what meetd keeps per ended call
// is bounded (server/trunk's lists of ended calls, ~60 bytes a call for
// 30 s; SQLite's page caches; its WAL index, now restarted past 64 MiB),
// the rest of the RSS follows the calls in flight, about six goroutines
// and their stacks each, and so how far the run's end lags behind); "meetd-cpu-ms/call"
// (meetd's user + system CPU over the run, per call); "sipp-%core", the load
// generator's own CPU, reported apart. At the end it waits until
// /v1/stats counts every call sipp saw end. MEET_SIPP_PROFILE=file writes
// meetd's CPU profile of the run there (go tool pprof), MEET_SIPP_MEMPROFILE
// its heap profile (allocations over the run, what is held at exit),
// MEET_SIPP_PPROF=127.0.0.1:port serves meetd's live profiles (--pprof)
// to watch its heap during the run.
func BenchmarkSippCPS(b *testing.B) {
	if testing.Short() {
		b.Skip("drives thousands of SIP calls")
	}
	rate, secs := envInt(b, "MEET_SIPP_CPS", 1010), envInt(b, "MEET_SIPP_SECONDS", 60)
	for range b.N {
		// Logs at warn: info lines for tens of thousands of calls would slow meetd down.
		args := []string{"--log-level", "warn", "--max-cps", "0", "--max-calls", "50000"}
		if f := os.Getenv("MEET_SIPP_PROFILE"); f != "" {
			args = append(args, "--cpu-profile", f)
		}
		if f := os.Getenv("MEET_SIPP_MEMPROFILE"); f != "" {
			args = append(args, "--mem-profile", f)
		}
		if a := os.Getenv("MEET_SIPP_PPROF"); a != "" {
			args = append(args, "--pprof", a)
		}
		m := startMeetd(b, args...)
		pid := m.proc.cmd.Process.Pid
		rss := watchRSS(pid, time.Duration(secs)*time.Second/6)
		cpu0 := procCPU(b, pid)
		st := sippLoad(b, m.sip, rate, rate*secs)
		cpu := procCPU(b, pid) - cpu0
		mem := rss.stop()
		r := st.rates(time.Duration(secs) * time.Second)
		b.Logf("rate %4d/s: %d calls, %d ok, %d failed; completed at %.0f calls/s in %s, mean INVITE→480 %s",
			st.rate, st.created, st.ok, st.fail, st.achieved, st.elapsed.Round(10*time.Millisecond), st.response.Round(time.Millisecond))
		b.Logf("%d calls handled in the %d s window: %.1f calls/s; sipp started calls at %.1f/s; with the tail to the last final response %.1f calls/s (%s)",
			r.handled, secs, r.window, r.offered, r.withTail, r.span.Round(time.Millisecond))
		p99, worst, over := quantile(st.times, 0.99), quantile(st.times, 1), 0
		for _, d := range st.times {
			if d > 2*time.Second {
				over++
			}
		}
		b.Logf("failed: %d on an unexpected answer (503: shed), %d with no answer in time", st.unexpected, st.timedOut)
		b.Logf("INVITE→480 p99 %s max %s, %d over 2 s; meetd %.0f MB peak RSS, %+.1f MB RSS growth (means of the first and last %s windows; last sample − first %+.1f MB), %.3f ms CPU/call; sipp %.1f %% of a core",
			p99, worst, over, mem.Peak, mem.Growth, time.Duration(secs)*time.Second/6, mem.GrowthLast, ms(cpu)/float64(max(st.created, 1)), 100*st.cpu.Seconds()/st.elapsed.Seconds())
		b.ReportMetric(r.window, "calls/s")
		b.ReportMetric(r.withTail, "calls/s-with-tail")
		b.ReportMetric(r.offered, "offered-cps")
		b.ReportMetric(float64(st.fail), "failed")
		b.ReportMetric(ms(p99), "p99-ms")
		b.ReportMetric(ms(worst), "max-ms")
		b.ReportMetric(float64(over), "over-2s")
		b.ReportMetric(mem.Peak, "peak-RSS-MB")
		b.ReportMetric(mem.Growth, "RSS-growth-MB")
		b.ReportMetric(mem.GrowthLast, "RSS-growth-last-MB")
		b.ReportMetric(ms(cpu)/float64(max(st.created, 1)), "meetd-cpu-ms/call")
		b.ReportMetric(100*st.cpu.Seconds()/max(st.elapsed.Seconds(), 1), "sipp-%core")
		if got := storedMissed(b, m, st.ok); got < st.ok {
			b.Errorf("meetd stored %d notInOperation calls, sipp saw %d end with 480", got, st.ok)
		}
		m.proc.stop() // flushes the CPU profile
	}
}

// BenchmarkSippShed offers meetd more calls than its admission limit lets
// in: MEET_SHED_CPS calls/s (default 2000) for MEET_SHED_SECONDS (default
// 10) against meetd's default --max-cps (1000) and --max-calls. Every call
// must end with a final answer: 480 after the guidance when admitted, 503
// with Retry-After when shed, never silence. Metrics: "failed" (no final
// answer), "shed-%" (503s among the calls), "admitted-cps" (calls stored
// as missed notInOperation per second of the run), "p99-ms" INVITE → final
// answer (480 or 503), "meetd-cpu-ms/call", "sipp-%core" apart.
func BenchmarkSippShed(b *testing.B) {
	if testing.Short() {
		b.Skip("drives thousands of SIP calls")
	}
	rate, secs := envInt(b, "MEET_SHED_CPS", 2000), envInt(b, "MEET_SHED_SECONDS", 10)
	for range b.N {
		m := startMeetd(b, "--log-level", "warn")
		pid := m.proc.cmd.Process.Pid
		cpu0 := procCPU(b, pid)
		st := sippScenario(b, "uac_shed_503.xml", m.sip, rate, rate*secs)
		cpu := procCPU(b, pid) - cpu0
		// Admitted calls end missed notInOperation; the rest were shed.
		admitted := storedMissed(b, m, st.ok)
		shed := max(st.ok-admitted, 0)
		p99 := quantile(st.times, 0.99)
		b.Logf("offered %d/s for %d s: %d calls, %d admitted (480), %d shed (503), %d failed; p99 INVITE→final %s; meetd %.3f ms CPU/call",
			rate, secs, st.created, admitted, shed, st.fail, p99, ms(cpu)/float64(max(st.created, 1)))
		b.ReportMetric(float64(st.fail), "failed")
		b.ReportMetric(100*float64(shed)/float64(max(st.created, 1)), "shed-%")
		b.ReportMetric(float64(admitted)/max(st.elapsed.Seconds(), 1), "admitted-cps")
		b.ReportMetric(ms(p99), "p99-ms")
		b.ReportMetric(ms(cpu)/float64(max(st.created, 1)), "meetd-cpu-ms/call")
		b.ReportMetric(100*st.cpu.Seconds()/max(st.elapsed.Seconds(), 1), "sipp-%core")
	}
}

// sippCount is how many calls sipp had started at a time since its start.
type sippCount struct {
	at    time.Duration
	calls int
}

// sippRates are the call rates of a run.
type sippRates struct {
	handled  int           // successful calls whose INVITE went out within the window
	window   float64       // handled / window
	withTail float64       // successful calls / first INVITE to last final response
	offered  float64       // calls sipp started / time, at its last statistics row within the window
	span     time.Duration // first INVITE to last final response
}

// rates computes the run's rates over a window that starts with its first INVITE.
func (st sippStep) rates(window time.Duration) sippRates {
	var r sippRates
	if len(st.invites) == 0 {
		return r
	}
	for _, c := range st.sent {
		if c.at > 0 && c.at <= window {
			r.offered = float64(c.calls) / c.at.Seconds()
		}
	}
	first := slices.Min(st.invites)
	for _, t := range st.invites {
		if t-first < window {
			r.handled++
		}
	}
	r.window = float64(r.handled) / window.Seconds()
	r.span = slices.Max(st.finals) - first
	if r.span > 0 {
		r.withTail = float64(len(st.invites)) / r.span.Seconds()
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// envInt reads a positive integer from the environment (def when unset).
func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return v
}

// quantile returns the q-quantile of ds (0 when empty); ds is sorted in place.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(math.Ceil(q*float64(len(ds))))-1)]
}

// procCPU is the user + system CPU time process pid used so far.
func procCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatalf("cpu of meetd: %v", err)
	}
	// Fields after the command name (which may hold spaces): state is 3rd,
	// utime and stime the 14th and 15th, in clock ticks (USER_HZ, 100 on Linux).
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// rssWatch samples a process's resident set size.
type rssWatch struct {
	pid  int
	stop func() rssFigures
}

// rssFigures are a process's peak RSS (VmHWM) and two measures of its
// growth in MB: Growth, the mean RSS over the last window of the run minus
// the mean over the window after the warm-up (each window as long as the
// warm-up), and GrowthLast, the last sample minus the first after the
// warm-up. Go returns freed heap to the system in bursts (seen swinging
// RSS by 16 MB within 10 s at 1,000 calls/s), so two single samples measure
// when the scavenger last ran about as much as any growth; both are
// reported.
type rssFigures struct{ Peak, Growth, GrowthLast float64 }

// watchRSS samples pid's RSS every 250 ms from the start; samples before
// base (the warm-up) count only for the peak.
func watchRSS(pid int, base time.Duration) *rssWatch {
	status := func(key string) float64 {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return 0
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if v, ok := strings.CutPrefix(line, key+":"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				return kb / 1024
			}
		}
		return 0
	}
	const every = 250 * time.Millisecond
	done := make(chan struct{})
	var samples []float64 // from base on, every 250 ms
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if time.Since(start) >= base {
					samples = append(samples, status("VmRSS"))
				}
			}
		}
	}()
	mean := func(v []float64) float64 {
		var s float64
		for _, x := range v {
			s += x
		}
		return s / float64(max(len(v), 1))
	}
	w := &rssWatch{pid: pid}
	w.stop = func() rssFigures {
		close(done)
		wg.Wait()
		f := rssFigures{Peak: status("VmHWM")}
		if len(samples) == 0 {
			return f
		}
		win := min(max(int(base/every), 1), len(samples))
		f.Growth = mean(samples[len(samples)-win:]) - mean(samples[:win])
		f.GrowthLast = samples[len(samples)-1] - samples[0]
		return f
	}
	return w
}

// sippLoad runs sipp at rate calls/s for n calls and reads its statistics
// and each call's INVITE → final response time.
func sippLoad(b *testing.B, target string, rate, n int) sippStep {
	return sippScenario(b, "uac_guidance_480.xml", target, rate, n)
}

// sippScenario runs sipp_cps/scenario at rate calls/s for n calls.
func sippScenario(b *testing.B, scenario, target string, rate, n int) sippStep {
	b.Helper()
	dir := b.TempDir()
	sf, _ := filepath.Abs(filepath.Join("testdata", "sipp_cps", scenario))
	stat := filepath.Join(dir, "stat.csv")
	timeout := time.Duration(n/rate)*time.Second + 30*time.Second
	ctx, cancel := context.WithTimeout(context.Background(), timeout+10*time.Second)
	defer cancel()
	args := []string{"-nostdin", "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(b, "udp")), "-mp", fmt.Sprint(freePort(b, "udp")),
		"-sf", sf, "-s", closedNumber, "-r", fmt.Sprint(rate), "-m", fmt.Sprint(n), "-l", fmt.Sprint(max(2000, 4*rate)),
		"-buff_size", "4194304", "-timeout", fmt.Sprintf("%ds", int(timeout.Seconds())), "-timeout_error",
		"-trace_stat", "-stf", stat, "-trace_rtt", "-rtt_freq", "1", "-fd", "1", target}
	cmd := exec.CommandContext(ctx, need(b, "sipp"), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	// sipp exits 1 when some calls failed: the statistics say how many.
	st, perr := readSippStat(stat)
	if perr != nil {
		b.Fatalf("sipp at %d calls/s: %v (exit: %v)\n%s", rate, perr, err, tail(string(out), 3000))
	}
	st.rate = rate
	if cmd.ProcessState != nil {
		st.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	// Calls sipp never started or that had no final answer when its run
	// timed out failed too.
	st.fail = max(st.fail, n-st.ok)
	if err != nil && st.fail == 0 {
		b.Fatalf("sipp at %d calls/s: %v\n%s", rate, err, tail(string(out), 3000))
	}
	rtt, _ := filepath.Glob(filepath.Join(dir, "*_rtt.csv"))
	if len(rtt) != 1 {
		b.Fatalf("sipp wrote no response-time file (-trace_rtt) in %s", dir)
	}
	if st.times, st.finals, err = readSippRTT(rtt[0]); err != nil {
		b.Fatal(err)
	}
	st.invites = make([]time.Duration, len(st.times))
	for i, d := range st.times {
		st.invites[i] = st.finals[i] - d
	}
	return st
}

// readSippRTT reads the per-call response times of sipp's -trace_rtt file
// ("Date_ms;response_time_ms;rtd_no", one row per call with -rtt_freq 1)
// and when each response came (Date_ms: ms since sipp started).
func readSippRTT(path string) (times, at []time.Duration, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	for i, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		f := strings.Split(strings.TrimSpace(line), ";")
		if i == 0 || len(f) < 2 {
			continue
		}
		d, err1 := strconv.ParseFloat(f[0], 64)
		v, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("%s line %d: %q", path, i+1, line)
		}
		times = append(times, time.Duration(v*float64(time.Millisecond)))
		at = append(at, time.Duration(d*float64(time.Millisecond)))
	}
	return times, at, nil
}

// readSippStat parses the last row of sipp's -trace_stat CSV (';'-separated,
// cumulative columns marked "(C)").
func readSippStat(path string) (sippStep, error) {
	f, err := os.Open(path)
	if err != nil {
		return sippStep{}, err
	}
	defer f.Close()
	var header, last []string
	var rows [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		row := strings.Split(strings.TrimSpace(sc.Text()), ";")
		if header == nil {
			header = row
			continue
		}
		if len(row) > 1 {
			last = row
			rows = append(rows, row)
		}
	}
	if header == nil || last == nil {
		return sippStep{}, fmt.Errorf("%s: no statistics rows", path)
	}
	colOf := func(row []string, name string) (string, error) {
		for i, h := range header {
			if h == name && i < len(row) {
				return row[i], nil
			}
		}
		return "", fmt.Errorf("%s: no column %q", path, name)
	}
	col := func(name string) (string, error) { return colOf(last, name) }
	num := func(name string) (float64, error) {
		s, err := col(name)
		if err != nil {
			return 0, err
		}
		return strconv.ParseFloat(s, 64)
	}
	var st sippStep
	var e error
	get := func(name string) float64 {
		v, err := num(name)
		if err != nil && e == nil {
			e = err
		}
		return v
	}
	st.created = int(get("OutgoingCall(C)"))
	st.ok = int(get("SuccessfulCall(C)"))
	st.fail = int(get("FailedCall(C)"))
	st.achieved = get("CallRate(C)")
	st.unexpected = int(get("FailedUnexpectedMessage(C)"))
	st.timedOut = int(get("FailedTimeoutOnRecv(C)")) + int(get("FailedMaxUDPRetrans(C)"))
	if s, err := col("ElapsedTime(C)"); err == nil {
		st.elapsed = parseSippDuration(s)
	}
	if s, err := col("ResponseTime1(C)"); err == nil {
		st.response = parseSippDuration(s)
	}
	// Each row's time since the start: StartTime and CurrentTime end in
	// Unix seconds with µs ("2026-12-03\t16:04:20.490068\t1796313860.490068").
	unix := func(row []string, name string) (float64, bool) {
		s, err := colOf(row, name)
		if err != nil {
			return 0, false
		}
		f := strings.Fields(s)
		if len(f) == 0 {
			return 0, false
		}
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		return v, err == nil
	}
	for _, row := range rows {
		t0, ok0 := unix(row, "StartTime")
		t, ok1 := unix(row, "CurrentTime")
		s, err := colOf(row, "OutgoingCall(C)")
		n, err2 := strconv.Atoi(s)
		if ok0 && ok1 && err == nil && err2 == nil {
			st.sent = append(st.sent, sippCount{at: time.Duration((t - t0) * float64(time.Second)), calls: n})
		}
	}
	return st, e
}

// parseSippDuration reads sipp's "HH:MM:SS:ffffff" (µs; older versions
// write ms with 3 digits, or only "HH:MM:SS").
func parseSippDuration(s string) time.Duration {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 3 {
		return 0
	}
	var d time.Duration
	for i, unit := range []time.Duration{time.Hour, time.Minute, time.Second} {
		v, err := strconv.Atoi(parts[i])
		if err != nil {
			return 0
		}
		d += time.Duration(v) * unit
	}
	if len(parts) > 3 {
		frac := parts[3]
		v, err := strconv.Atoi(frac)
		if err != nil {
			return 0
		}
		if len(frac) <= 3 {
			d += time.Duration(v) * time.Millisecond
		} else {
			d += time.Duration(v) * time.Microsecond
		}
	}
	return d
}

// storedMissed waits until meetd's statistics count want missed
// notInOperation calls (or 30 s pass) and returns the count.
func storedMissed(b *testing.B, m *meetd, want int) int {
	b.Helper()
	c := m.login(b, "admin@e2e.test")
	now := time.Now()
	deadline := now.Add(30 * time.Second)
	for {
		s, err := c.Stats(context.Background(), api.StatsQuery{From: now.Add(-48 * time.Hour), To: now.Add(48 * time.Hour), Interval: "day"})
		if err != nil {
			b.Fatalf("stats: %v", err)
		}
		got := s.Total.MissedBy[api.ReasonNotInOperation]
		if got >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
}
