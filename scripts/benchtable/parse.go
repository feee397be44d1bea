package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// result is one benchmark line of `go test -bench` output.
type result struct {
	name    string             // "pkg/path.BenchmarkX/sub", GOMAXPROCS suffix removed
	iters   int64              // b.N
	metrics map[string]float64 // unit → value ("ns/op", "p99-ms", …); the median when run more than once
	runs    []map[string]float64
}

// add takes one more run of the same benchmark (go test -count N prints
// one line a run): every metric becomes the median of the runs (for an
// even count, the upper of the two middle values: a run that happened),
// and the lowest and highest are kept beside it (see spread).
func (r *result) add(iters int64, m map[string]float64) {
	r.iters = iters
	r.runs = append(r.runs, m)
	if len(r.runs) == 1 {
		r.metrics = m
		return
	}
	r.metrics = map[string]float64{}
	for u := range m {
		var vs []float64
		for _, run := range r.runs {
			if v, ok := run[u]; ok {
				vs = append(vs, v)
			}
		}
		slices.Sort(vs)
		r.metrics[u] = vs[len(vs)/2]
	}
}

// spread is the lowest and highest value of unit over the runs.
func (r *result) spread(unit string) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, run := range r.runs {
		if v, ok := run[unit]; ok {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return lo, hi
}

// status is what happened to a benchmark that printed no result line.
type status struct {
	name, state, reason string // state: "skipped" or "failed"
}

// runOutput is everything read from the files of one bench run.
type runOutput struct {
	results  map[string]result
	order    []string // result names in the order they were read
	statuses map[string]status
	steps    []step
	extras   map[string]float64 // named figures from test logs (nseval, pipeline delay)

	nsNames   []string // algorithm columns of the nseval overall table
	inOverall bool     // inside nseval's "== overall" block
}

// step is one command of scripts/bench.sh, from its "# step" header line.
type step struct {
	name, pkg string
	exit      int
	seconds   float64
}

var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+(\d+)\s+(.*)$`)
	// benchName is a benchmark's name that go test printed before running
	// it again (-count), with output of the run after it on the same line;
	// benchRest is the rest of its result line, on a line of its own.
	benchName = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s`)
	benchRest = regexp.MustCompile(`^\s+(\d+)\s+(\d.*)$`)
	stepLine  = regexp.MustCompile(`^# step (\S+) pkg=(\S+) exit=(-?\d+) seconds=([\d.]+)`)
	skipLine  = regexp.MustCompile(`^\s*--- (SKIP|FAIL): (Benchmark\S+?)(-\d+)?(\s|$)`)
)

func newRunOutput() *runOutput {
	return &runOutput{results: map[string]result{}, statuses: map[string]status{}, extras: map[string]float64{}}
}

// read parses one file of bench output (several packages may follow each
// other; each starts with its "pkg:" line).
func (o *runOutput) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	pkg := ""
	var pendingSkip *status
	pendingName := "" // a name whose figures a later line may carry (benchRest)
	for sc.Scan() {
		line := sc.Text()
		if pendingName != "" {
			if m := benchRest.FindStringSubmatch(line); m != nil {
				if res, err := parseMetrics(m[2]); err == nil {
					n, _ := strconv.ParseInt(m[1], 10, 64)
					o.addResult(pendingName, n, res)
					pendingName = ""
					continue
				}
			}
		}
		if m := stepLine.FindStringSubmatch(line); m != nil {
			exit, _ := strconv.Atoi(m[3])
			secs, _ := strconv.ParseFloat(m[4], 64)
			o.steps = append(o.steps, step{name: m[1], pkg: m[2], exit: exit, seconds: secs})
			// Until go test prints "pkg:", names belong to the step's first package.
			first, _, _ := strings.Cut(m[2], ",")
			pkg = strings.Trim(strings.TrimPrefix(first, "./"), "/")
			continue
		}
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(strings.TrimSpace(p), modulePrefix)
			continue
		}
		if m := benchLine.FindStringSubmatch(line); m != nil {
			if res, err := parseMetrics(m[4]); err == nil {
				n, _ := strconv.ParseInt(m[3], 10, 64)
				o.addResult(pkg+"."+m[1], n, res)
				pendingName = ""
				continue
			}
			// A log line that happens to start with "Benchmark", or a
			// name with a run's output after it.
		}
		if m := benchName.FindStringSubmatch(line); m != nil {
			pendingName = pkg + "." + m[1]
			continue
		}
		if m := skipLine.FindStringSubmatch(line); m != nil {
			state := map[string]string{"SKIP": "skipped", "FAIL": "failed"}[m[1]]
			st := status{name: pkg + "." + m[2], state: state}
			o.statuses[st.name] = st
			pendingSkip = &st
			continue
		}
		if pendingSkip != nil {
			// The reason of a skip is its first log line, of a failure the
			// last one (the t.Fatal).
			if t := strings.TrimSpace(line); strings.HasPrefix(line, " ") && strings.Contains(t, ".go:") {
				if _, after, ok := strings.Cut(t, ": "); ok {
					t = after
				}
				pendingSkip.reason = t
				o.statuses[pendingSkip.name] = *pendingSkip
				if pendingSkip.state == "skipped" {
					pendingSkip = nil
				}
			} else if !strings.HasPrefix(line, " ") {
				pendingSkip = nil
			}
		}
		o.readExtra(line)
	}
	return sc.Err()
}

// addResult takes one run's figures for name.
func (o *runOutput) addResult(name string, iters int64, res map[string]float64) {
	r, seen := o.results[name]
	if !seen {
		o.order = append(o.order, name)
		r.name = name
	}
	r.add(iters, res)
	o.results[name] = r
}

// parseMetrics reads "123 ns/op  4.5 p99-ms …" pairs.
func parseMetrics(s string) (map[string]float64, error) {
	f := strings.Fields(s)
	if len(f) < 2 || len(f)%2 != 0 {
		return nil, fmt.Errorf("odd metric list %q", s)
	}
	out := map[string]float64{}
	for i := 0; i < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return nil, err
		}
		out[f[i+1]] = v
	}
	return out, nil
}

var (
	// nseval: "  avg      |  0.812    1.23    0.00 |  0.861 …" after "== overall".
	nsOverall = regexp.MustCompile(`^== overall`)
	// nsWorst is the lowest per-class STOI difference to the unprocessed input.
	nsWorst = regexp.MustCompile(`^\s+worst class STOI vs unprocessed: (\w+) ([-+][\d.]+)`)
	// nsMargin is an algorithm's mean STOI over the best reference's, from
	// its line of the aims (more digits than the tables' three).
	nsMargin = regexp.MustCompile(`^\s+([\w-]+)\s+STOI [\d.]+ segSNR .*\| vs best ref STOI \S+ ([-+][\d.]+)`)
	// nseval: "  ours              12.3             11.9      2.0ms"
	nsSpeed = regexp.MustCompile(`^\s+(\w+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)ms\s*$`)
	// softphone TestPipelineDelay log line.
	pipeDelay = regexp.MustCompile(`algorithmic delay .*? ([\d.]+) ms; capture → packet sent: mean ([\d.]+) ms, max ([\d.]+) ms`)
)

// readExtra picks figures out of test logs that are not benchmark lines.
func (o *runOutput) readExtra(line string) {
	if m := pipeDelay.FindStringSubmatch(line); m != nil {
		o.extras["pipeline.algo-ms"], _ = strconv.ParseFloat(m[1], 64)
		o.extras["pipeline.wait-mean-ms"], _ = strconv.ParseFloat(m[2], 64)
		o.extras["pipeline.wait-max-ms"], _ = strconv.ParseFloat(m[3], 64)
		return
	}
	if nsOverall.MatchString(line) {
		o.inOverall, o.nsNames = true, nil
		return
	}
	if o.inOverall && o.nsNames == nil && strings.Contains(line, "|") && !strings.Contains(line, "STOI") {
		for _, c := range strings.Split(line, "|")[1:] {
			o.nsNames = append(o.nsNames, strings.TrimSpace(c))
		}
		return
	}
	if o.inOverall && strings.HasPrefix(strings.TrimSpace(line), "avg") && o.nsNames != nil {
		cols := strings.Split(line, "|")[1:]
		for i, c := range cols {
			if i >= len(o.nsNames) {
				break
			}
			v := strings.Fields(c)
			if len(v) < 3 {
				continue
			}
			for j, k := range []string{"stoi", "segsnr", "dsnr"} {
				if x, err := strconv.ParseFloat(v[j], 64); err == nil {
					o.extras["nseval."+o.nsNames[i]+"."+k] = x
				}
			}
		}
		o.inOverall = false
		return
	}
	if m := nsWorst.FindStringSubmatch(line); m != nil {
		o.extras["nseval."+m[1]+".worst-class"], _ = strconv.ParseFloat(m[2], 64)
		return
	}
	if m := nsMargin.FindStringSubmatch(line); m != nil {
		o.extras["nseval."+m[1]+".stoi-margin"], _ = strconv.ParseFloat(m[2], 64)
		return
	}
	if m := nsSpeed.FindStringSubmatch(line); m != nil && m[1] != "algorithm" {
		o.extras["nseval."+m[1]+".wall-us"], _ = strconv.ParseFloat(m[2], 64)
		o.extras["nseval."+m[1]+".cpu-us"], _ = strconv.ParseFloat(m[3], 64)
		o.extras["nseval."+m[1]+".delay-ms"], _ = strconv.ParseFloat(m[4], 64)
	}
}
