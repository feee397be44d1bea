//go:build nseval

package nseval

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"sync"
	"testing"

	"github.com/meet-dev/meet/audio/denoise"
	"github.com/meet-dev/meet/audio/denoise/rnnoise"
)

// TestNSTune searches the hybrid's mix weights on the TUNE set only (never
// the test set): every grid point runs the hybrid as it ships over every
// mixture and is scored; RNNoise alone (all weights 0) is the reference
// line. Run with make bench-ns-tune (NSEVAL_TUNE=1: the default hybrid,
// the mix in the time domain; NSEVAL_TUNE=shared: the shared-spectrum
// one). The chosen point (best STOI among the points with no class below
// unprocessed, a clean control within its aim and segSNR at least
// RNNoise's) goes into denoise.DefaultHybrid or denoise.SharedHybrid by
// hand.
func TestNSTune(t *testing.T) {
	if os.Getenv("NSEVAL_TUNE") == "" {
		t.Skip("set NSEVAL_TUNE=1 to search the hybrid's weights on the tune set")
	}
	dir := t.TempDir()
	speak := func(voice, text string) ([]float64, error) { return Speak(dir, voice, text, evalRate) }
	mixes, err := Build(Tune, evalRate, speak, NoiseKinds, SNRs)
	if err != nil {
		if errors.Is(err, ErrTool) && os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	m, err := rnnoise.DefaultNative() // the default's learned stage
	if err != nil {
		t.Fatal(err)
	}
	// Time domain: the first search spanned floor noise 0..0.15, floor
	// speech 0.1..0.45 and ours 0..0.5 (45 points; best: equal floors
	// about 0.1, ours 0.5); this is the second, finer one around it (best:
	// 0.1, 0.1, ours 0.4). The shared spectrum synthesises ours through
	// RNNoise's window; its first grid spanned ours 0.2..0.5 (0.2 always
	// worst), this one 0.3..0.6.
	var opts []denoise.HybridOption
	fns, fss, mus := []float32{0.05, 0.1}, []float32{0.1, 0.15}, []float32{0.4, 0.5, 0.6, 0.7, 0.85}
	if os.Getenv("NSEVAL_TUNE") == "shared" {
		opts = append(opts, denoise.WithSharedSpectrum())
		fns, fss, mus = []float32{0, 0.05, 0.1}, []float32{0.05, 0.1, 0.2}, []float32{0.3, 0.4, 0.5, 0.6}
	}
	grid := []denoise.HybridParams{{}} // RNNoise alone, the reference
	for _, fn := range fns {
		for _, fs := range fss {
			for _, mu := range mus {
				if fs < fn {
					continue
				}
				grid = append(grid, denoise.HybridParams{FloorNoise: fn, FloorSpeech: fs, Ours: mu, VADRelease: 0.9})
			}
		}
	}
	type result struct {
		p      denoise.HybridParams
		stoi   float64
		seg    float64
		class  map[string]float64
		harm   float64 // worst class STOI minus unprocessed
		clean  float64
		cleanW float64 // worst clean STOI
		cleanL float64 // worst clean level, dB
	}
	unproc := map[string]float64{}
	counts := map[string]int{}
	for _, mx := range mixes {
		sc, err := mx.Score(mx.Noisy, evalRate)
		if err != nil {
			t.Fatal(err)
		}
		unproc[mx.Noise] += sc.STOI
		counts[mx.Noise]++
	}
	for k := range unproc {
		unproc[k] /= float64(counts[k])
	}
	results := make([]result, len(grid))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for gi, p := range grid {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := result{p: p, class: map[string]float64{}, cleanW: 1}
			var nNoisy int
			for _, mx := range mixes {
				sc, err := tuneScore(m, p, opts, mx)
				if err != nil {
					t.Errorf("%+v: %v", p, err) // not Fatal: another goroutine
					return
				}
				if mx.Noise == Clean {
					r.clean += sc.STOI / float64(len(Tune.Targets))
					r.cleanW = min(r.cleanW, sc.STOI)
					if math.Abs(sc.Level) > math.Abs(r.cleanL) {
						r.cleanL = sc.Level
					}
					continue
				}
				r.class[mx.Noise] += sc.STOI / float64(counts[mx.Noise])
				r.stoi += sc.STOI
				r.seg += sc.SegSNR
				nNoisy++
			}
			r.stoi /= float64(nNoisy)
			r.seg /= float64(nNoisy)
			r.harm = 1
			for k, v := range r.class {
				r.harm = min(r.harm, v-unproc[k])
			}
			results[gi] = r
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	ref := results[0]
	mix := "time domain"
	if len(opts) > 0 {
		mix = "shared spectrum"
	}
	fmt.Printf("tune set: %d mixtures; %s mix; grid of %d (floor noise, floor speech, ours share), VAD release 0.9\n", len(mixes), mix, len(grid)-1)
	fmt.Printf("  RNNoise alone: STOI %.4f segSNR %+.2f worst class Δ %+.4f clean STOI %.4f (worst %.4f) worst level %+.2f dB\n",
		ref.stoi, ref.seg, ref.harm, ref.clean, ref.cleanW, ref.cleanL)
	results = results[1:]
	sort.Slice(results, func(i, j int) bool { return results[i].stoi > results[j].stoi })
	var best *result
	for i, r := range results {
		ok := r.harm >= -0.003 && r.cleanW >= 0.99 && math.Abs(r.cleanL) <= 0.5 && r.seg >= ref.seg
		mark := " "
		if ok && best == nil {
			best, mark = &results[i], "*"
		}
		fmt.Printf(" %s fn %.2f fs %.2f μ %.2f: STOI %.4f segSNR %+.2f worst class Δ %+.4f clean STOI %.4f (worst %.4f) worst level %+.2f dB aims %v\n",
			mark, r.p.FloorNoise, r.p.FloorSpeech, r.p.Ours, r.stoi, r.seg, r.harm, r.clean, r.cleanW, r.cleanL, ok)
	}
	if best == nil {
		fmt.Println("no grid point meets the aims on the tune set")
	}
}

// tuneScore runs a fresh hybrid with weights p (and opts) over mx's noisy
// input and scores its output, taken one frame (its delay) earlier.
func tuneScore(m *rnnoise.NativeModel, p denoise.HybridParams, opts []denoise.HybridOption, mx Mixture) (Score, error) {
	const hop = evalRate / 100
	d, err := m.New()
	if err != nil {
		return Score{}, err
	}
	h, err := denoise.NewHybrid(d, p, opts...)
	if err != nil {
		return Score{}, err
	}
	defer h.Close()
	out := make([]float32, len(mx.Noisy)/hop*hop)
	for i := range out {
		out[i] = float32(mx.Noisy[i])
	}
	if err := h.Process(out); err != nil {
		return Score{}, err
	}
	y := make([]float64, len(mx.Noisy))
	for i := 0; i+hop < len(out); i++ {
		y[i] = float64(out[i+hop])
	}
	return mx.Score(y, evalRate)
}
