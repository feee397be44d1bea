package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
	response          time.Duration // mean INVITE → 480 (sipp's response time 1)
}

// BenchmarkSippCPS drives sipp's load generator at the real meetd (SQLite
// store, routing, trunk, rooms) with calls to a closed channel: each gets
// early media with the out-of-hours guidance and then 480, and is stored as
// a missed notInOperation call. The rate rises step by step (MEET_SIPP_RATES,
// default 100,150,200,300,500,700,1000 calls/s; about 6 s of calls per step,
// at most 3000) until a step has failed calls. A step passes when every call
// succeeded and meetd kept up: sipp's completion rate (calls / elapsed time
// until the last 480) is at least 90 % of the target, so a backlog that only
// drains after the burst does not count. Metrics: "cps", the highest passing
// rate (aim ≥ 500; on a shared machine a lower step may miss while a higher
// one passes, each step is logged); "peak-cps", the best completion rate of a step without
// failures; "failed@R", the calls sipp counted failed or unfinished at rate
// R. Between steps it waits until /v1/stats counts every call sipp saw end.
func BenchmarkSippCPS(b *testing.B) {
	if testing.Short() {
		b.Skip("drives thousands of SIP calls")
	}
	rates := []int{100, 150, 200, 300, 500, 700, 1000}
	if s := os.Getenv("MEET_SIPP_RATES"); s != "" {
		rates = nil
		for _, f := range strings.Split(s, ",") {
			r, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || r <= 0 {
				b.Fatalf("MEET_SIPP_RATES=%q: want comma-separated positive calls/s", s)
			}
			rates = append(rates, r)
		}
	}
	for range b.N {
		// Logs at info: debug lines for thousands of calls would slow meetd down.
		m := startMeetd(b, "--log-level", "info")
		best, stored := 0, 0
		var peak float64
		for _, rate := range rates {
			st := sippLoad(b, m.sip, rate, min(max(rate*6, 1000), 3000))
			stored += st.ok
			keptUp := st.achieved >= 0.9*float64(rate)
			b.Logf("rate %4d/s: %d calls, %d ok, %d failed; completed at %.0f calls/s in %s, mean INVITE→480 %s",
				st.rate, st.created, st.ok, st.fail, st.achieved, st.elapsed.Round(10*time.Millisecond), st.response.Round(time.Millisecond))
			b.ReportMetric(float64(st.fail), fmt.Sprintf("failed@%d", rate))
			if st.fail > 0 || st.ok == 0 {
				break
			}
			peak = max(peak, st.achieved)
			if keptUp {
				best = rate
			}
			// Let meetd drain what it queued before the next step.
			if got := storedMissed(b, m, stored); got < stored {
				b.Errorf("meetd stored %d notInOperation calls, sipp saw %d end with 480", got, stored)
			}
		}
		b.ReportMetric(float64(best), "cps")
		b.ReportMetric(peak, "peak-cps")
		if got := storedMissed(b, m, stored); got < stored {
			b.Errorf("meetd stored %d notInOperation calls, sipp saw %d end with 480", got, stored)
		}
	}
}

// sippLoad runs sipp at rate calls/s for n calls and reads its statistics.
func sippLoad(b *testing.B, target string, rate, n int) sippStep {
	b.Helper()
	dir := b.TempDir()
	sf, _ := filepath.Abs(filepath.Join("testdata", "sipp_cps", "uac_guidance_480.xml"))
	stat := filepath.Join(dir, "stat.csv")
	timeout := time.Duration(n/rate)*time.Second + 30*time.Second
	ctx, cancel := context.WithTimeout(context.Background(), timeout+10*time.Second)
	defer cancel()
	args := []string{"-nostdin", "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(b, "udp")), "-mp", fmt.Sprint(freePort(b, "udp")),
		"-sf", sf, "-s", closedNumber, "-r", fmt.Sprint(rate), "-m", fmt.Sprint(n), "-l", "2000",
		"-buff_size", "4194304", "-timeout", fmt.Sprintf("%ds", int(timeout.Seconds())), "-timeout_error",
		"-trace_stat", "-stf", stat, "-fd", "1", target}
	cmd := exec.CommandContext(ctx, need(b, "sipp"), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	// sipp exits 1 when some calls failed: the statistics say how many.
	st, perr := readSippStat(stat)
	if perr != nil {
		b.Fatalf("sipp at %d calls/s: %v (exit: %v)\n%s", rate, perr, err, tail(string(out), 3000))
	}
	st.rate = rate
	// Calls sipp never started or that had no final answer when its run
	// timed out failed too.
	st.fail = max(st.fail, n-st.ok)
	if err != nil && st.fail == 0 {
		b.Fatalf("sipp at %d calls/s: %v\n%s", rate, err, tail(string(out), 3000))
	}
	return st
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
		}
	}
	if header == nil || last == nil {
		return sippStep{}, fmt.Errorf("%s: no statistics rows", path)
	}
	col := func(name string) (string, error) {
		for i, h := range header {
			if h == name && i < len(last) {
				return last[i], nil
			}
		}
		return "", fmt.Errorf("%s: no column %q", path, name)
	}
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
	if s, err := col("ElapsedTime(C)"); err == nil {
		st.elapsed = parseSippDuration(s)
	}
	if s, err := col("ResponseTime1(C)"); err == nil {
		st.response = parseSippDuration(s)
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
