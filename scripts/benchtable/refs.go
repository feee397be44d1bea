package main

import (
	"fmt"
	"strings"
)

// refMetric is a reference column showing another benchmark's figure.
func refMetric(name, unit string, scale float64, format string) func(o *runOutput, _ result) string {
	return func(o *runOutput, _ result) string {
		r, ok := o.results[name]
		if !ok {
			return ""
		}
		v, ok := r.metrics[unit]
		if !ok {
			return ""
		}
		return fmt.Sprintf(format, v*scale)
	}
}

// refSipp gives the e2e sipp run's context: the load generator's own CPU,
// the slowest call, and the trunk alone.
func refSipp(o *runOutput, r result) string {
	var parts []string
	if v, ok := r.metrics["sipp-%core"]; ok {
		parts = append(parts, fmt.Sprintf("load generator (sipp) %s %% of a core, apart", num(v)))
	}
	if v, ok := r.metrics["max-ms"]; ok {
		parts = append(parts, fmt.Sprintf("slowest final response %s ms", num(v)))
	}
	if t, ok := o.results["server/trunk.BenchmarkSippCPS"]; ok {
		parts = append(parts, fmt.Sprintf("trunk alone %.0f calls/s", t.metrics["calls/s"]))
	}
	return strings.Join(parts, "; ")
}

// refNSBench compares our suppressor's frame time with the references'.
func refNSBench(o *runOutput, _ result) string {
	var parts []string
	for _, a := range []string{"speexdsp", "webrtc"} {
		if r, ok := o.results["audio/denoise/nseval.BenchmarkNS/"+a]; ok {
			parts = append(parts, fmt.Sprintf("%s %s µs", a, num(r.metrics["ns/op"]/1e3)))
		}
	}
	return strings.Join(parts, ", ")
}

// nsevalRows are the summary of `make bench-ns`: average STOI, segmental SNR
// and CPU per frame of ours against libspeexdsp and webrtc-audio-processing.
func nsevalRows(o *runOutput) []row {
	get := func(algo, k string) (float64, bool) { v, ok := o.extras["nseval."+algo+"."+k]; return v, ok }
	if _, ok := get("ours", "stoi"); !ok {
		return []row{{area: "denoise", name: "nseval TestNSEval (make bench-ns)", figure: "not run", aim: "ours ahead of both on STOI and segSNR", met: "—", ref: "—"}}
	}
	fig := func(algo string) string {
		s, _ := get(algo, "stoi")
		g, _ := get(algo, "segsnr")
		d, _ := get(algo, "dsnr")
		f := fmt.Sprintf("STOI %.3f, segSNR %.2f dB, ΔSNR %.2f dB", s, g, d)
		if c, ok := get(algo, "cpu-us"); ok {
			f += fmt.Sprintf(", %s µs CPU/frame", num(c))
		}
		return f
	}
	var rows []row
	oursS, _ := get("ours", "stoi")
	oursG, _ := get("ours", "segsnr")
	met := "yes"
	var refs []string
	for _, a := range []string{"unprocessed", "speexdsp", "webrtc"} {
		s, ok := get(a, "stoi")
		if !ok {
			continue
		}
		g, _ := get(a, "segsnr")
		refs = append(refs, fmt.Sprintf("%s STOI %.3f / segSNR %.2f", a, s, g))
		if a != "unprocessed" && (oursS <= s || oursG <= g) {
			met = "**no**"
		}
	}
	if c, ok := get("ours", "cpu-us"); ok && c > 50 {
		met = "**no**"
	}
	rows = append(rows, row{area: "denoise", name: "nseval TestNSEval: ours (average over corpus)", figure: fig("ours"),
		aim: "ahead of speexdsp and webrtc on STOI and segSNR, ≤ 50 µs/frame", met: met, ref: strings.Join(refs, "; ")})
	if hs, ok := get("hybrid", "stoi"); ok {
		// Issue 16's aims for the default suppressor on the test set.
		hg, _ := get("hybrid", "segsnr")
		bestS, bestG := 0.0, -100.0
		var refs []string
		for _, a := range []string{"speexdsp", "webrtc", "rnnoise"} {
			if s, ok := get(a, "stoi"); ok {
				g, _ := get(a, "segsnr")
				bestS, bestG = max(bestS, s), max(bestG, g)
				refs = append(refs, fmt.Sprintf("%s %.3f / %.2f dB", a, s, g))
			}
		}
		worst, _ := get("hybrid", "worst-class")
		cpu, _ := get("hybrid", "cpu-us")
		delay, _ := get("hybrid", "delay-ms")
		// The STOI margin from the aims line where it was printed (the
		// tables round to three digits, which hid a 0.00498 as 0.005).
		margin := hs - bestS
		if m, ok := get("hybrid", "stoi-margin"); ok {
			margin = m
		}
		met := "yes"
		if margin < 0.005 || hg < bestG || worst < -0.003 || cpu > 30 || delay > 10 {
			met = "**no**"
		}
		rows = append(rows, row{area: "denoise", name: "nseval TestNSEval: default = hybrid (RNNoise + ours), test set",
			figure: fig("hybrid") + fmt.Sprintf(", %+.5f STOI over the best reference, worst class %+.4f STOI vs unprocessed, delay %.1f ms", margin, worst, delay),
			aim:    "mean STOI ≥ best reference + 0.005, segSNR ≥ best reference, no class below unprocessed (±0.003), ≤ 30 µs/frame, ≤ 10 ms",
			met:    met, ref: strings.Join(refs, "; ")})
	}
	for _, a := range []string{"speexdsp", "webrtc", "rnnoise"} {
		if _, ok := get(a, "stoi"); ok {
			rows = append(rows, row{area: "denoise", name: "nseval TestNSEval: " + a + " (reference)", figure: fig(a), aim: "—", met: "—", ref: "—"})
		}
	}
	return rows
}

// pipelineDelayRows is the softphone's send-path delay from TestPipelineDelay.
func pipelineDelayRows(o *runOutput) []row {
	return []row{pipelineDelayRow(o)}
}

func pipelineDelayRow(o *runOutput) row {
	r := row{area: "softphone", name: "softphone TestPipelineDelay (capture → packet)", aim: "≤ 40 ms added client side", met: "—",
		ref: "BenchmarkClientLatency (send side measured the same way)"}
	algo, ok := o.extras["pipeline.algo-ms"]
	if !ok {
		r.figure = "not run"
		return r
	}
	// TestPipelineDelay measures from the sound entering the microphone to
	// the packet carrying it leaving (capture block, algorithmic delay and
	// the wait for a whole 20 ms frame).
	worst := o.extras["pipeline.wait-max-ms"]
	r.figure = fmt.Sprintf("capture → packet sent: max %.1f ms, mean %.1f ms (%.1f ms of it algorithmic)",
		worst, o.extras["pipeline.wait-mean-ms"], algo)
	r.met = "yes"
	if worst > 40 {
		r.met = "**no**"
	}
	return r
}

// refLifecycle compares a SQLite lifecycle run with the in-memory store run
// of the same staff count.
func refLifecycle(o *runOutput, r result) string {
	if !strings.Contains(r.name, "/sqlite") {
		return ""
	}
	m, ok := o.results[strings.Replace(r.name, "/sqlite", "/memory", 1)]
	if !ok {
		return ""
	}
	return fmt.Sprintf("in-memory store %s calls/s", num(m.metrics["calls/s"]))
}

// refPacketFloor gives a BenchmarkNetworkCalls/N row the same run's
// BenchmarkPacketFloor/N: what its packets alone cost (kernel and Go
// runtime), so the rest is meetd's own work.
func refPacketFloor(o *runOutput, r result) string {
	n := r.name[strings.LastIndexByte(r.name, '/')+1:]
	f, ok := o.results["server/room.BenchmarkPacketFloor/"+n]
	if !ok {
		return ""
	}
	return fmt.Sprintf("the packets alone (BenchmarkPacketFloor/%s): %s µs/call-tick, %s %% core/call",
		n, num(f.metrics["cpu-µs/tick"]), num(f.metrics["%core/call"]))
}
