//go:build nseval

package nseval

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"testing"

	"github.com/meet-dev/meet/audio/denoise"
	"github.com/meet-dev/meet/audio/denoise/rnnoise"
)

// TestNSTune searches the hybrid's mix weights on the TUNE set only (never
// the test set): RNNoise, ours and the dry input are computed once per
// mixture, then every grid point is mixed and scored. Run with
// make bench-ns-tune; the chosen point goes into
// denoise.DefaultHybrid by hand.
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
	const hop = evalRate / 100
	type cached struct {
		rnn, ours, dry []float32
		vad            []float32
	}
	cache := make([]cached, len(mixes))
	for mi, mx := range mixes {
		n := len(mx.Noisy) / hop * hop
		in := make([]float32, n)
		for i := range in {
			in[i] = float32(mx.Noisy[i])
		}
		rd, err := m.New()
		if err != nil {
			t.Fatal(err)
		}
		s, _ := denoise.New(evalRate)
		c := cached{rnn: append([]float32(nil), in...), ours: append([]float32(nil), in...), dry: make([]float32, n)}
		copy(c.dry[hop:], in[:n-hop])
		for off := 0; off < n; off += hop {
			v, err := rd.Process(c.rnn[off : off+hop])
			if err != nil {
				t.Fatal(err)
			}
			c.vad = append(c.vad, v)
			s.Process(c.ours[off : off+hop])
		}
		rd.Close()
		cache[mi] = c
	}
	// The first search spanned floor noise 0..0.15, floor speech 0.1..0.45
	// and ours 0..0.5 (45 points; best: equal floors about 0.1, ours 0.5);
	// this is the second, finer one around it (best: 0.1, 0.1, ours 0.4).
	var grid []denoise.HybridParams
	for _, fn := range []float32{0.05, 0.1} {
		for _, fs := range []float32{0.1, 0.15} {
			for _, mu := range []float32{0.4, 0.5, 0.6, 0.7, 0.85} {
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
		cleanL float64
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
			r := result{p: p, class: map[string]float64{}}
			var nNoisy int
			for mi, mx := range mixes {
				c := cache[mi]
				mixer := denoise.NewHybridMixer(p)
				out := make([]float32, len(c.rnn))
				for f := 0; f*hop < len(out); f++ {
					sl := func(x []float32) []float32 { return x[f*hop : (f+1)*hop] }
					mixer.Mix(sl(out), sl(c.rnn), sl(c.dry), sl(c.ours), c.vad[f])
				}
				y := make([]float64, len(mx.Noisy))
				for i := 0; i+hop < len(out); i++ {
					y[i] = float64(out[i+hop])
				}
				sc, err := mx.Score(y, evalRate)
				if err != nil {
					panic(err)
				}
				if mx.Noise == Clean {
					r.clean += sc.STOI / float64(len(Tune.Targets))
					r.cleanL += sc.Level / float64(len(Tune.Targets))
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
	sort.Slice(results, func(i, j int) bool { return results[i].stoi > results[j].stoi })
	fmt.Printf("tune set: %d mixtures; grid of %d (floor noise, floor speech, ours share), VAD release 0.9\n", len(mixes), len(grid))
	for _, r := range results {
		fmt.Printf("  fn %.2f fs %.2f μ %.2f: STOI %.4f segSNR %+.2f worst class Δ %+.4f clean STOI %.4f level %+.2f dB\n",
			r.p.FloorNoise, r.p.FloorSpeech, r.p.Ours, r.stoi, r.seg, r.harm, r.clean, r.cleanL)
	}
}
