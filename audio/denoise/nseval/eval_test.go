//go:build nseval

package nseval

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio/denoise"
	"github.com/meet-dev/meet/audio/denoise/rnnoise"
	"github.com/meet-dev/meet/internal/cputime"
)

const evalRate = 48000

// processor is one 10 ms frame denoiser under test.
type processor interface {
	Process(frame []float32) error
	Close()
}

type algo struct {
	name string
	make func() (processor, error)
}

type oursProc struct{ s *denoise.Suppressor }

func (o oursProc) Process(f []float32) error { return o.s.Process(f) }
func (oursProc) Close()                      {}

type speexProc struct{ *Speex }

func (s speexProc) Process(f []float32) error { s.Speex.Process(f); return nil }

type webrtcProc struct{ *WebRTC }

type rnnProc struct{ d denoise.Learned }

func (r rnnProc) Process(f []float32) error { _, err := r.d.Process(f); return err }
func (r rnnProc) Close()                    { r.d.Close() }

type hybridProc struct{ h *denoise.Hybrid }

func (p hybridProc) Process(f []float32) error { return p.h.Process(f) }
func (p hybridProc) Close()                    { p.h.Close() }

// rnnoiseModel loads rnnoise.wasm once; a missing file fails the run (make
// bench-ns fetches it first).
func rnnoiseModel() (*rnnoise.Model, error) { return rnnoise.Default() }

var algos = []algo{
	{"ours", func() (processor, error) {
		s, err := denoise.New(evalRate)
		return oursProc{s}, err
	}},
	{"speexdsp", func() (processor, error) {
		s, err := NewSpeex(evalRate)
		return speexProc{s}, err
	}},
	{"webrtc", func() (processor, error) {
		w, err := NewWebRTC(evalRate, 2)
		return webrtcProc{w}, err
	}},
	{"hybrid", func() (processor, error) { // the default
		h, err := denoise.NewEngine(denoise.EngineHybrid, evalRate)
		if err != nil {
			return nil, err
		}
		return hybridProc{h.(*denoise.Hybrid)}, nil
	}},
	// hybrid-shared is the hybrid with ours' gain rule on RNNoise's
	// spectrum and the mix per bin (denoise.WithSharedSpectrum), with its
	// own weights: cheaper, not the default (see denoise.SharedHybrid).
	{"hybrid-shared", func() (processor, error) {
		h, err := denoise.NewEngine(denoise.EngineHybridShared, evalRate)
		if err != nil {
			return nil, err
		}
		return hybridProc{h.(*denoise.Hybrid)}, nil
	}},
	// rnnoise is the reference: the npm package's WebAssembly as built,
	// under wazero.
	{"rnnoise", func() (processor, error) {
		m, err := rnnoiseModel()
		if err != nil {
			return nil, err
		}
		d, err := m.New()
		return rnnProc{d}, err
	}},
	// rnnoise-go is the same network with the same weights run in Go.
	{"rnnoise-go", func() (processor, error) {
		m, err := rnnoise.DefaultNative()
		if err != nil {
			return nil, err
		}
		d, err := m.New()
		return rnnProc{d}, err
	}},
	// hybrid-wasm is the hybrid with RNNoise under wazero (speed only: it
	// keeps RNNoise's gain hold, which the WebAssembly build has inside
	// and the default hybrid turns off).
	{"hybrid-wasm", func() (processor, error) {
		h, err := denoise.NewEngine(denoise.EngineHybridWASM, evalRate)
		if err != nil {
			return nil, err
		}
		return hybridProc{h.(*denoise.Hybrid)}, nil
	}},
}

// evalDefault are the algorithms TestNSEval scores unless NSEVAL_ALGOS
// says otherwise (hybrid-wasm only matters to BenchmarkNS).
const evalDefault = "ours,speexdsp,webrtc,hybrid,hybrid-shared,rnnoise,rnnoise-go"

type score struct{ stoi, seg, snri, level float64 }

// TestNSEval runs every algorithm over one set of the corpus (NSEVAL_SET,
// default test; tune parameters with NSEVAL_SET=tune only) and prints the
// tables. NSEVAL_ALGOS=ours,rnnoise limits the algorithms.
func TestNSEval(t *testing.T) {
	set := Test
	if os.Getenv("NSEVAL_SET") == "tune" {
		set = Tune
	}
	dir := t.TempDir()
	speak := func(voice, text string) ([]float64, error) { return Speak(dir, voice, text, evalRate) }
	mixes, err := Build(set, evalRate, speak, NoiseKinds, SNRs)
	if err != nil {
		if os.Getenv("CI") == "" && errors.Is(err, ErrTool) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	var totalSec float64
	for _, m := range mixes {
		totalSec += float64(len(m.Noisy)) / evalRate
	}
	fmt.Printf("corpus: %s set, %d mixtures (%d speakers x %d noise classes x %d SNRs + %d clean controls), %.0f s of audio at %d Hz\n",
		set.Name, len(mixes), len(set.Targets), len(NoiseKinds), len(SNRs), len(set.Targets), totalSec, evalRate)

	only := os.Getenv("NSEVAL_ALGOS")
	if only == "" {
		only = evalDefault
	}
	var use []algo
	for _, a := range algos {
		if strings.Contains(","+only+",", ","+a.name+",") {
			use = append(use, a)
		}
	}
	names := []string{"unprocessed"}
	for _, a := range use {
		names = append(names, a.name)
	}
	// Process every mixture with every algorithm (fresh state per file, as
	// per call). The algorithms take turns file by file, so changing load on
	// a shared machine hits them alike; each file's frame loop is timed in
	// wall time and in thread CPU time.
	outputs := make(map[string][][]float64)
	wall := map[string]time.Duration{}
	cpu := map[string]time.Duration{}
	frames := map[string]int{}
	delays := map[string]int{"unprocessed": 0}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	hop := evalRate / 100
	for _, a := range use {
		outputs[a.name] = make([][]float64, len(mixes))
	}
	for mi, m := range mixes {
		for _, a := range use {
			p, err := a.make()
			if err != nil {
				t.Fatalf("%s: %v", a.name, err)
			}
			n := len(m.Noisy) / hop * hop
			buf := make([]float32, n)
			for i := range buf {
				buf[i] = float32(m.Noisy[i])
			}
			cpu0, wall0 := cputime.Thread(), time.Now()
			for off := 0; off < n; off += hop {
				if err := p.Process(buf[off : off+hop]); err != nil {
					t.Fatalf("%s: %v", a.name, err)
				}
			}
			wall[a.name] += time.Since(wall0)
			cpu[a.name] += cputime.Thread() - cpu0
			frames[a.name] += n / hop
			p.Close()
			out := make([]float64, len(m.Noisy))
			for i, v := range buf {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || v > 1 || v < -1 {
					t.Fatalf("%s produced %v", a.name, v)
				}
				out[i] = float64(v)
			}
			outputs[a.name][mi] = out
		}
	}
	usPerFrame := map[string]float64{}
	cpuPerFrame := map[string]float64{}
	for _, a := range use {
		usPerFrame[a.name] = float64(wall[a.name].Microseconds()) / float64(frames[a.name])
		cpuPerFrame[a.name] = float64(cpu[a.name].Microseconds()) / float64(frames[a.name])
		// Delay from the first speaker's clean control.
		for mi, m := range mixes {
			if m.Noise == Clean && m.Target == 0 {
				lo, hi := evalRate/2, 3*evalRate
				delays[a.name] = Delay(m.Noisy[lo:hi], outputs[a.name][mi][lo:hi], evalRate/20)
			}
		}
	}
	scores := scoreAll(t, mixes, names, outputs, delays)
	report(mixes, names, scores)
	fmt.Println("\nclean-speech control (no noise; aim: speech level within 0.5 dB, STOI ≥ 0.99):")
	for _, name := range names[1:] {
		c := averages(mixes, scores[name], func(m Mixture) bool { return m.Noise == Clean })
		worst := worstClean(mixes, scores[name])
		fmt.Printf("  %-12s STOI %.4f (worst %.4f)  level %+.2f dB (worst %+.2f dB)\n", name, c.stoi, worst.stoi, c.level, worst.level)
	}
	fmt.Println("\nspeed and delay:")
	fmt.Printf("  %-12s %16s %16s %10s\n", "algorithm", "wall µs/10ms", "CPU µs/10ms", "delay")
	for _, name := range names[1:] {
		fmt.Printf("  %-12s %16.1f %16.1f %8.1fms\n", name, usPerFrame[name], cpuPerFrame[name], float64(delays[name])*1000/evalRate)
	}
	fmt.Println("  (per 10 ms frame at 48 kHz, mean over all files; wall = elapsed time of the frame loops,")
	fmt.Println("   CPU = thread CPU time of the same loops; on a shared machine wall includes waiting for a core)")
	// Sanity of the harness itself: the unprocessed signal gains nothing and
	// its STOI rises with SNR.
	noisy := func(m Mixture) bool { return m.Noise != Clean }
	avg := averages(mixes, scores["unprocessed"], noisy)
	if math.Abs(avg.snri) > 1e-9 {
		t.Errorf("unprocessed SNR improvement %.3f, want 0", avg.snri)
	}
	lo := averages(mixes, scores["unprocessed"], func(m Mixture) bool { return m.SNR == 0 })
	hi := averages(mixes, scores["unprocessed"], func(m Mixture) bool { return m.SNR == 15 })
	if hi.stoi <= lo.stoi {
		t.Errorf("unprocessed STOI at 15 dB (%.3f) not above 0 dB (%.3f)", hi.stoi, lo.stoi)
	}
	verdicts(t, mixes, names, scores, cpuPerFrame, delays)
}

// verdicts prints, for each algorithm, the aims on this set: STOI not
// below unprocessed on any class (±0.003), mean STOI ≥ best reference +
// 0.005, mean segSNR ≥ best reference, clean control. The default
// suppressor must at least do no harm.
func verdicts(t *testing.T, mixes []Mixture, names []string, scores map[string][]score, cpu map[string]float64, delays map[string]int) {
	noisy := func(m Mixture) bool { return m.Noise != Clean }
	refs := []string{"speexdsp", "webrtc", "rnnoise"}
	var worsts []string
	fmt.Println("\naims (this set):")
	for _, name := range names[1:] {
		a := averages(mixes, scores[name], noisy)
		var bestSTOI, bestSeg float64 = math.Inf(-1), math.Inf(-1)
		var bestSTOIName, bestSegName string
		for _, r := range refs {
			if r == name || scores[r] == nil {
				continue
			}
			ra := averages(mixes, scores[r], noisy)
			if ra.stoi > bestSTOI {
				bestSTOI, bestSTOIName = ra.stoi, r
			}
			if ra.seg > bestSeg {
				bestSeg, bestSegName = ra.seg, r
			}
		}
		var harm []string
		worst := math.Inf(1)
		for _, kind := range NoiseKinds {
			k := func(m Mixture) bool { return m.Noise == kind }
			d := averages(mixes, scores[name], k).stoi - averages(mixes, scores["unprocessed"], k).stoi
			worst = math.Min(worst, d)
			if d < -0.003 {
				harm = append(harm, fmt.Sprintf("%s %+.3f", kind, d))
			}
		}
		fmt.Printf("  %-12s STOI %.4f segSNR %+.2f dB", name, a.stoi, a.seg)
		if bestSTOIName != "" {
			fmt.Printf(" | vs best ref STOI %s %+.5f, segSNR %s %+.2f dB", bestSTOIName, a.stoi-bestSTOI, bestSegName, a.seg-bestSeg)
		}
		if len(harm) == 0 {
			fmt.Printf(" | no class below unprocessed\n")
		} else {
			fmt.Printf(" | below unprocessed: %s\n", strings.Join(harm, ", "))
		}
		worsts = append(worsts, fmt.Sprintf("  worst class STOI vs unprocessed: %s %+.4f", name, worst))
	}
	for _, w := range worsts {
		fmt.Println(w)
	}
}

func scoreAll(t *testing.T, mixes []Mixture, names []string, outputs map[string][][]float64, delays map[string]int) map[string][]score {
	scores := make(map[string][]score)
	for _, name := range names {
		scores[name] = make([]score, len(mixes))
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var mu sync.Mutex
	var firstErr error
	for mi := range mixes {
		for _, name := range names {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				m := mixes[mi]
				y := m.Noisy
				if name != "unprocessed" {
					y = Align(outputs[name][mi], delays[name])
				}
				sc, err := m.Score(y, evalRate)
				s := score{sc.STOI, sc.SegSNR, sc.SNRi, sc.Level}
				mu.Lock()
				defer mu.Unlock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				scores[name][mi] = s
			}()
		}
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	return scores
}

func worstClean(mixes []Mixture, s []score) score {
	w := score{stoi: 1}
	for i, m := range mixes {
		if m.Noise != Clean {
			continue
		}
		w.stoi = math.Min(w.stoi, s[i].stoi)
		if math.Abs(s[i].level) > math.Abs(w.level) {
			w.level = s[i].level
		}
	}
	return w
}

func averages(mixes []Mixture, s []score, keep func(Mixture) bool) score {
	var a score
	n := 0
	for i, m := range mixes {
		if keep(m) {
			a.stoi += s[i].stoi
			a.seg += s[i].seg
			a.snri += s[i].snri
			a.level += s[i].level
			n++
		}
	}
	if n == 0 {
		return a
	}
	f := float64(n)
	return score{a.stoi / f, a.seg / f, a.snri / f, a.level / f}
}

func report(mixes []Mixture, names []string, scores map[string][]score) {
	header := func() {
		fmt.Printf("  %-8s", "")
		for _, n := range names {
			fmt.Printf(" | %-22s", n)
		}
		fmt.Printf("\n  %-8s", "SNR")
		for range names {
			fmt.Printf(" | %6s %7s %7s", "STOI", "segSNR", "ΔSNR")
		}
		fmt.Println()
	}
	row := func(label string, keep func(Mixture) bool) {
		fmt.Printf("  %-8s", label)
		for _, n := range names {
			a := averages(mixes, scores[n], keep)
			fmt.Printf(" | %6.3f %7.2f %7.2f", a.stoi, a.seg, a.snri)
		}
		fmt.Println()
	}
	for _, kind := range NoiseKinds {
		fmt.Printf("\n== %s ==\n", kind)
		header()
		for _, snr := range SNRs {
			row(fmt.Sprintf("%g dB", snr), func(m Mixture) bool { return m.Noise == kind && m.SNR == snr })
		}
		row("avg", func(m Mixture) bool { return m.Noise == kind })
	}
	noisy := func(m Mixture) bool { return m.Noise != Clean }
	fmt.Printf("\n== overall (all noise classes) ==\n")
	header()
	for _, snr := range SNRs {
		row(fmt.Sprintf("%g dB", snr), func(m Mixture) bool { return m.SNR == snr })
	}
	row("avg", noisy)
	fmt.Printf("\n== per class, mean over SNRs (STOI / segSNR dB) ==\n  %-8s", "class")
	for _, n := range names {
		fmt.Printf(" | %-15s", n)
	}
	fmt.Println()
	for _, kind := range append(append([]string{}, NoiseKinds...), "all") {
		fmt.Printf("  %-8s", kind)
		for _, n := range names {
			a := averages(mixes, scores[n], func(m Mixture) bool { return m.Noise != Clean && (kind == "all" || m.Noise == kind) })
			fmt.Printf(" | %.3f %+6.2f   ", a.stoi, a.seg)
		}
		fmt.Println()
	}
}
