package main

import (
	"strings"
	"testing"
)

const sample = `# step store pkg=./server/store/sqlite/ exit=0 seconds=9
goos: linux
pkg: github.com/meet-dev/meet/server/store/sqlite
BenchmarkSearch1M/missed_noOperator-2         	     100	   1000000 ns/op	         2.04 p99-ms	         0.905 p50-ms	        50.00 rows
BenchmarkSearch1M/text_name-2                 	     100	   1000000 ns/op	        42.6 p99-ms	        26.1 p50-ms	        50.00 rows
# step e2e-sipp pkg=./e2e/ exit=1 seconds=100
--- FAIL: BenchmarkSippCPS
    bench_test.go:56: sipp at 500 calls/s: exit status 255
FAIL
# step nseval pkg=./audio/denoise/nseval/ exit=0 seconds=39
== overall (all noises) ==
           | unprocessed            | ours                   | speexdsp              
  SNR      |   STOI  segSNR    ΔSNR |   STOI  segSNR    ΔSNR |   STOI  segSNR    ΔSNR
  0 dB     |  0.800   -1.00    0.00 |  0.850    2.00    4.00 |  0.820    1.00    2.00
  avg      |  0.918    2.84    0.00 |  0.931    5.39    5.18 |  0.923    4.23    2.91
speed and delay:
  algorithm        wall µs/10ms      CPU µs/10ms      delay
  ours                     55.0             53.4      10.0ms
aims (this set):
  hybrid       STOI 0.9248 segSNR +3.84 dB | vs best ref STOI rnnoise +0.00498, segSNR rnnoise +0.48 dB | no class below unprocessed
    bench_test.go:99: algorithmic delay (denoise + Opus look-ahead) 16.6 ms; capture → packet sent: mean 26.0 ms, max 35.0 ms
`

func TestRead(t *testing.T) {
	o := newRunOutput()
	if err := o.read(strings.NewReader(sample)); err != nil {
		t.Fatal(err)
	}
	r, ok := o.results["server/store/sqlite.BenchmarkSearch1M/missed_noOperator"]
	if !ok || r.metrics["p99-ms"] != 2.04 || r.iters != 100 {
		t.Fatalf("search result %+v (results %v)", r, o.order)
	}
	if m := o.extras["nseval.hybrid.stoi-margin"]; m != 0.00498 {
		t.Errorf("hybrid's STOI margin %v, want 0.00498 (the aims line's digits, not the table's three)", m)
	}
	st := o.statuses["e2e.BenchmarkSippCPS"]
	if st.state != "failed" || !strings.Contains(st.reason, "exit status 255") {
		t.Fatalf("status %+v", st)
	}
	if len(o.steps) != 3 || o.steps[1].exit != 1 || o.steps[0].seconds != 9 {
		t.Fatalf("steps %+v", o.steps)
	}
	for k, want := range map[string]float64{"nseval.ours.stoi": 0.931, "nseval.speexdsp.segsnr": 4.23, "nseval.ours.cpu-us": 53.4,
		"pipeline.algo-ms": 16.6, "pipeline.wait-max-ms": 35} {
		if got := o.extras[k]; got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
}

func TestRows(t *testing.T) {
	o := newRunOutput()
	if err := o.read(strings.NewReader(sample)); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	write(&b, o)
	table := b.String()
	for _, want := range []string{
		"| store | server/store/sqlite BenchmarkSearch1M/missed_noOperator | 2.04 ms p99, 0.905 ms p50 | p99 ≤ 20 ms (filters, 1M chats) | yes |",
		"| sip | e2e BenchmarkSippCPS | failed: sipp at 500 calls/s: exit status 255 |",
		"| tui | tui BenchmarkStartupToFirstScreen | not run |",
		"nseval TestNSEval: ours (average over corpus) | STOI 0.931, segSNR 5.39 dB, ΔSNR 5.18 dB, 53.4 µs CPU/frame",
		"Run time 148 s",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	// ours beats speexdsp on both scores but takes more than 50 µs: not met.
	if !strings.Contains(table, "≤ 50 µs/frame | **no** |") {
		t.Errorf("nseval verdict should be no (53.4 µs > 50):\n%s", table)
	}
}

// TestMedianOfRuns: a benchmark run with -count 3 prints three lines; the
// row takes each metric's median and says how the first shown one spread.
func TestMedianOfRuns(t *testing.T) {
	const runs = `# step nseval-speed pkg=./audio/denoise/nseval/ exit=0 seconds=30
pkg: github.com/meet-dev/meet/audio/denoise/nseval
BenchmarkNS/hybrid-2   40000   41000 ns/op   40800 cpu-ns/op
BenchmarkNS/hybrid-2   40000   29000 ns/op   29100 cpu-ns/op
BenchmarkNS/hybrid-2   40000   30000 ns/op   29900 cpu-ns/op
`
	o := newRunOutput()
	if err := o.read(strings.NewReader(runs)); err != nil {
		t.Fatal(err)
	}
	name := "audio/denoise/nseval.BenchmarkNS/hybrid"
	r := o.results[name]
	if len(o.order) != 1 || len(r.runs) != 3 || r.metrics["cpu-ns/op"] != 29900 || r.metrics["ns/op"] != 30000 {
		t.Fatalf("runs %d, order %v, metrics %v: want 3 runs of one benchmark, medians 29900 and 30000", len(r.runs), o.order, r.metrics)
	}
	var e entry
	for _, c := range catalogue {
		if c.pattern.MatchString(name) {
			e = c
			break
		}
	}
	row := resultRow(o, e, r)
	if want := "29.9 µs CPU/10 ms frame (median of 3 runs, 29.1–40.8)"; !strings.HasPrefix(row.figure, want) || row.met != "yes" {
		t.Errorf("row %q, met %q: want it to start %q, met yes", row.figure, row.met, want)
	}
}

// TestInterleavedRuns: with -count, go test prints a benchmark's name
// before running it again, and a line a run writes (here a child process's
// summary, as BenchmarkNetworkCalls' load generator wrote until it went
// through b.Log) lands after the name; the figures follow on a line of
// their own and still belong to that benchmark.
func TestInterleavedRuns(t *testing.T) {
	const out = "# step room-load pkg=./server/room/ exit=0 seconds=179\n" +
		"pkg: github.com/meet-dev/meet/server/room\n" +
		"client process: 200 softphones received 80124 packets\n" +
		"BenchmarkNetworkCalls/200-2            \t       1\t3000766861 ns/op\t         0.3296 %core/call\t        65.93 cpu-µs/tick\n" +
		"BenchmarkNetworkCalls/200-2            \tclient process: 200 softphones received 80126 packets\n" +
		"       1\t3000829671 ns/op\t         0.3353 %core/call\t        67.05 cpu-µs/tick\n" +
		"BenchmarkNetworkCalls/200-2            \tclient process: 200 softphones received 80248 packets\n" +
		"       1\t3000039448 ns/op\t         0.3707 %core/call\t        74.10 cpu-µs/tick\n" +
		"BenchmarkNetworkCalls/own/200-2        \t       1\t3000036592 ns/op\t         0.3742 %core/call\n" +
		"PASS\n"
	o := newRunOutput()
	if err := o.read(strings.NewReader(out)); err != nil {
		t.Fatal(err)
	}
	r := o.results["server/room.BenchmarkNetworkCalls/200"]
	if len(r.runs) != 3 || r.metrics["%core/call"] != 0.3353 || r.metrics["cpu-µs/tick"] != 67.05 {
		t.Fatalf("%d runs, medians %v: want 3 runs, medians 0.3353 and 67.05", len(r.runs), r.metrics)
	}
	if own := o.results["server/room.BenchmarkNetworkCalls/own/200"]; len(own.runs) != 1 || len(o.order) != 2 {
		t.Fatalf("own/200: %d runs, order %v", len(own.runs), o.order)
	}
}
