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
)

const evalRate = 48000

// Target utterances (Harvard sentences) and the voices that read them.
var targets = []struct{ voice, text string }{
	{"en-us", "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background."},
	{"en-us+f3", "It's easy to tell the depth of a well. These days a chicken leg is a rare dish."},
	{"en-gb+m3", "Rice is often served in round bowls. The juice of lemons makes fine punch."},
}

// Babble talkers: other voices, other sentences.
var talkers = []struct{ voice, text string }{
	{"en-gb", "The box was thrown beside the parked truck. The hogs were fed chopped corn and garbage. Four hours of steady work faced us."},
	{"en-us+f2", "A large size in stockings is hard to sell. The boy was there when the sun rose. A rod is used to catch pink salmon."},
	{"en-gb-scotland", "The source of the huge river is the clear spring. Kick the ball straight and follow through. Help the woman get back to her feet."},
	{"en-us+m7", "A pot of tea helps to pass the evening. Smoky fires lack flame and heat. The soft cushion broke the man's fall."},
	{"en-gb+f4", "The salt breeze came across from the sea. The girl at the booth sold fifty bonds. The small pup gnawed a hole in the sock."},
	{"en-gb-x-rp", "The fish twisted and turned on the bent hook. Press the pants and sew a button on the vest. The swan dive was far short of perfect."},
}

var snrLevels = []float64{0, 5, 10, 15}

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
}

type mixture struct {
	noise  string
	snr    float64
	clean  []float64
	noisy  []float64
	target int
}

type score struct{ stoi, seg, snri float64 }

func TestNSEval(t *testing.T) {
	dir := t.TempDir()
	speak := func(voice, text string) []float64 {
		x, err := Speak(dir, voice, text, evalRate)
		if err != nil {
			if os.Getenv("CI") == "" && errors.Is(err, ErrTool) {
				t.Skip(err)
			}
			t.Fatal(err)
		}
		return x
	}
	var cleans [][]float64
	for _, tg := range targets {
		s := speak(tg.voice, tg.text)
		pad := evalRate / 2
		c := make([]float64, pad+len(s)+pad)
		copy(c[pad:], s)
		g := 0.05 / math.Sqrt(Power(s)) // about -26 dBFS while speaking
		for i := range c {
			c[i] *= g
		}
		cleans = append(cleans, c)
	}
	var talk [][]float64
	for _, tk := range talkers {
		talk = append(talk, speak(tk.voice, tk.text))
	}
	var mixes []mixture
	for ti, c := range cleans {
		n := len(c)
		seed := uint64(ti*100 + 1)
		noises := map[string][]float64{
			"white": White(n, seed), "pink": Pink(n, seed), "babble": Babble(n, talk, seed),
			"fan": Fan(n, evalRate, seed), "keyboard": Keyboard(n, evalRate, seed), "street": Street(n, evalRate, seed),
		}
		for _, kind := range NoiseKinds {
			for _, snr := range snrLevels {
				noisy := Mix(c, noises[kind], snr)
				clean := append([]float64(nil), c...)
				var peak float64
				for _, v := range noisy {
					peak = math.Max(peak, math.Abs(v))
				}
				if peak > 0.9 {
					g := 0.9 / peak
					for i := range noisy {
						noisy[i] *= g
						clean[i] *= g
					}
				}
				mixes = append(mixes, mixture{kind, snr, clean, noisy, ti})
			}
		}
	}
	var totalSec float64
	for _, m := range mixes {
		totalSec += float64(len(m.noisy)) / evalRate
	}
	fmt.Printf("corpus: %d mixtures (%d utterances x %d noises x %d SNRs), %.0f s of audio at %d Hz\n",
		len(mixes), len(cleans), len(NoiseKinds), len(snrLevels), totalSec, evalRate)

	use := algos
	if only := os.Getenv("NSEVAL_ALGOS"); only != "" {
		use = nil
		for _, a := range algos {
			if strings.Contains(","+only+",", ","+a.name+",") {
				use = append(use, a)
			}
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
			n := len(m.noisy) / hop * hop
			buf := make([]float32, n)
			for i := range buf {
				buf[i] = float32(m.noisy[i])
			}
			cpu0, wall0 := ThreadCPU(), time.Now()
			for off := 0; off < n; off += hop {
				if err := p.Process(buf[off : off+hop]); err != nil {
					t.Fatalf("%s: %v", a.name, err)
				}
			}
			wall[a.name] += time.Since(wall0)
			cpu[a.name] += ThreadCPU() - cpu0
			frames[a.name] += n / hop
			p.Close()
			out := make([]float64, len(m.noisy))
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
		// Delay from the 15 dB white mixture of the first utterance.
		for mi, m := range mixes {
			if m.noise == "white" && m.snr == 15 && m.target == 0 {
				lo, hi := evalRate/2, 3*evalRate
				delays[a.name] = Delay(m.noisy[lo:hi], outputs[a.name][mi][lo:hi], evalRate/20)
			}
		}
	}
	// Score in parallel.
	scores := make(map[string][]score)
	for _, name := range names {
		scores[name] = make([]score, len(mixes))
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	var mu sync.Mutex
	var firstErr error
	for mi := range mixes {
		for _, name := range names {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				m := mixes[mi]
				y := m.noisy
				if name != "unprocessed" {
					y = Align(outputs[name][mi], delays[name])
				}
				d, err := STOI(m.clean, y, evalRate)
				s := score{stoi: d, seg: SegSNR(m.clean, y, evalRate), snri: SNR(m.clean, y) - SNR(m.clean, m.noisy)}
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
	report(mixes, names, scores)
	fmt.Println("\nspeed and delay:")
	fmt.Printf("  %-12s %16s %16s %10s\n", "algorithm", "wall µs/10ms", "CPU µs/10ms", "delay")
	for _, name := range names[1:] {
		fmt.Printf("  %-12s %16.1f %16.1f %8.1fms\n", name, usPerFrame[name], cpuPerFrame[name], float64(delays[name])*1000/evalRate)
	}
	fmt.Println("  (per 10 ms frame at 48 kHz, mean over all files; wall = elapsed time of the frame loops,")
	fmt.Println("   CPU = thread CPU time of the same loops; on a shared machine wall includes waiting for a core)")
	// Sanity of the harness itself: the unprocessed signal gains nothing and
	// its STOI rises with SNR.
	avg := averages(mixes, scores["unprocessed"], func(m mixture) bool { return true })
	if math.Abs(avg.snri) > 1e-9 {
		t.Errorf("unprocessed SNR improvement %.3f, want 0", avg.snri)
	}
	lo := averages(mixes, scores["unprocessed"], func(m mixture) bool { return m.snr == 0 })
	hi := averages(mixes, scores["unprocessed"], func(m mixture) bool { return m.snr == 15 })
	if hi.stoi <= lo.stoi {
		t.Errorf("unprocessed STOI at 15 dB (%.3f) not above 0 dB (%.3f)", hi.stoi, lo.stoi)
	}
	if o, ok := scores["ours"]; ok {
		ours := averages(mixes, o, func(mixture) bool { return true })
		fmt.Printf("\nours vs unprocessed: STOI %+.4f, segSNR %+.2f dB, SNR %+.2f dB\n", ours.stoi-avg.stoi, ours.seg-avg.seg, ours.snri)
		if ours.seg <= avg.seg || ours.snri <= 0 {
			t.Errorf("ours does not improve on the unprocessed signal: %+v vs %+v", ours, avg)
		}
	}
}

func averages(mixes []mixture, s []score, keep func(mixture) bool) score {
	var a score
	n := 0
	for i, m := range mixes {
		if keep(m) {
			a.stoi += s[i].stoi
			a.seg += s[i].seg
			a.snri += s[i].snri
			n++
		}
	}
	if n == 0 {
		return a
	}
	return score{a.stoi / float64(n), a.seg / float64(n), a.snri / float64(n)}
}

func report(mixes []mixture, names []string, scores map[string][]score) {
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
	row := func(label string, keep func(mixture) bool) {
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
		for _, snr := range snrLevels {
			row(fmt.Sprintf("%g dB", snr), func(m mixture) bool { return m.noise == kind && m.snr == snr })
		}
		row("avg", func(m mixture) bool { return m.noise == kind })
	}
	fmt.Printf("\n== overall (all noises) ==\n")
	header()
	for _, snr := range snrLevels {
		row(fmt.Sprintf("%g dB", snr), func(m mixture) bool { return m.snr == snr })
	}
	row("avg", func(mixture) bool { return true })
}
