package e2e

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/denoise/nseval"
)

// nsPathCase is one call of the whole-path benchmark.
type nsPathCase struct {
	noise string  // an nseval noise class, or nseval.Clean
	snr   float64 // dB
	ns    bool    // noise suppression in meet phone
	loss  float64 // simulated random loss of the operator's packets to meetd
}

func (c nsPathCase) name() string {
	n := c.noise
	if c.noise != nseval.Clean {
		n = fmt.Sprintf("%s%gdB", c.noise, c.snr)
	}
	ns := "off"
	if c.ns {
		ns = "on"
	}
	return fmt.Sprintf("%s/ns=%s/loss=%g%%", n, ns, c.loss*100)
}

var nsPathCases = []nsPathCase{
	{nseval.Clean, 0, true, 0}, {nseval.Clean, 0, true, 0.05}, {nseval.Clean, 0, true, 0.10},
	{nseval.Clean, 0, false, 0}, {nseval.Clean, 0, false, 0.10},
	{"babble", 5, false, 0}, {"babble", 5, true, 0}, {"babble", 5, false, 0.10}, {"babble", 5, true, 0.10},
	{"car", 5, false, 0}, {"car", 5, true, 0},
}

// nsPathRuns is how many calls each case gets (NSPATH_RUNS overrides).
const nsPathRuns = 3

// BenchmarkNSWholePath sends noisy operator speech through the whole path
// and scores what a SIP caller hears: the headless `meet phone` (its
// microphone a WAV of two TEST-set espeak-ng speakers one after the other,
// mixed with a test-set noise, looped in real time; its noise suppression
// on or off; a share of its Opus packets to meetd dropped at random,
// in-band FEC and PLC on) answers a real baresip caller through a real
// meetd (WebRTC to the operator, G.711 µ-law to the caller). The figure is
// STOI of baresip's recording of what it received against the clean speech
// (both at 8 kHz, aligned by cross-correlation with the looped input, 250 ms
// block by block, each block by the 1 s around it: alignLoop), over one
// whole loop. Real processes, loopback sockets, wall-clock paced.
//
// NSPATH_CASES runs only the cases whose name holds it (clean/ns=on, for
// one); NSPATH_DUMP=DIR writes each call's recording and the clean loop as
// WAV files to DIR/run<N>-<case>/.
//
// Every case is called NSPATH_RUNS times (default 3), in rounds (all cases
// once, then again), so changing load on a shared machine hits NS on and
// off alike; each case reports the mean STOI (stoi) and the lowest and
// highest run (stoi-min, stoi-max), and the benchmark prints, per noise and
// loss, NS on minus off with whether the difference is larger than the
// runs' spread.
func BenchmarkNSWholePath(b *testing.B) {
	need(b, "baresip")
	need(b, "espeak-ng")
	need(b, "sox")
	const rate = 48000
	dir := b.TempDir()
	set := nseval.Test
	set.Targets = set.Targets[:2]
	mixes, err := nseval.Build(set, rate, func(voice, text string) ([]float64, error) {
		return nseval.Speak(dir, voice, text, rate)
	}, []string{"babble", "car"}, []float64{5})
	if err != nil {
		b.Fatal(err)
	}
	// One loop per noise: the speakers' mixtures end to end.
	noisyLoop := map[string][]float64{}
	cleanLoop := map[string][]float64{}
	var order []string
	for _, m := range mixes {
		name := m.Noise
		if m.Noise != nseval.Clean {
			name = fmt.Sprintf("%s%gdB", m.Noise, m.SNR)
		}
		if _, ok := noisyLoop[name]; !ok {
			order = append(order, name)
		}
		noisyLoop[name] = append(noisyLoop[name], m.Noisy...)
		cleanLoop[name] = append(cleanLoop[name], m.Clean...)
	}
	inputs := map[string]string{}
	noisy8 := map[string][]float64{} // what the microphone plays, at 8 kHz
	clean8 := map[string][]float64{}
	for _, name := range order {
		noisy8[name] = nseval.Resample(noisyLoop[name], rate, 8000)
		clean8[name] = nseval.Resample(cleanLoop[name], rate, 8000)
		inputs[name] = writeFloatWAV(b, filepath.Join(dir, name+".wav"), rate, noisyLoop[name])
	}
	silence := filepath.Join(dir, "silence.wav")
	run(b, need(b, "sox"), "-n", "-r", "8000", "-c", "1", "-b", "16", silence, "trim", "0", "60")
	runs := nsPathRuns
	if v, err := strconv.Atoi(os.Getenv("NSPATH_RUNS")); err == nil && v > 0 {
		runs = v
	}
	m := startMeetd(b)
	results := make([][]float64, len(nsPathCases))
	for r := range runs {
		for i, c := range nsPathCases {
			if f := os.Getenv("NSPATH_CASES"); f != "" && !strings.Contains(c.name(), f) {
				continue
			}
			dump := ""
			if d := os.Getenv("NSPATH_DUMP"); d != "" {
				dump = filepath.Join(d, fmt.Sprintf("run%d-%s", r+1, strings.NewReplacer("/", "-", "%", "").Replace(c.name())))
			}
			name := c.input()
			d := nsPathCall(b, m, c, inputs[name], silence, noisy8[name], clean8[name], dump)
			b.Logf("run %d %s: STOI %.3f", r+1, c.name(), d)
			results[i] = append(results[i], d)
		}
	}
	for i, c := range nsPathCases {
		if len(results[i]) == 0 {
			continue
		}
		b.Run(c.name(), func(b *testing.B) {
			mean, lo, hi := spread(results[i])
			b.ReportMetric(mean, "stoi")
			b.ReportMetric(lo, "stoi-min")
			b.ReportMetric(hi, "stoi-max")
			b.ReportMetric(0, "ns/op")
		})
	}
	fmt.Printf("whole path, STOI at the SIP caller, mean [min, max] over %d runs:\n", runs)
	for i, c := range nsPathCases {
		if len(results[i]) == 0 {
			continue
		}
		mean, lo, hi := spread(results[i])
		fmt.Printf("  %-28s %.3f [%.3f, %.3f]\n", c.name(), mean, lo, hi)
	}
	fmt.Println("NS on − off (same input and loss):")
	for i, on := range nsPathCases {
		if !on.ns {
			continue
		}
		for j, off := range nsPathCases {
			if off.ns || off.input() != on.input() || off.loss != on.loss || len(results[i]) == 0 || len(results[j]) == 0 {
				continue
			}
			mOn, loOn, hiOn := spread(results[i])
			mOff, loOff, hiOff := spread(results[j])
			verdict := "no clear winner (the runs overlap)"
			switch {
			case loOn > hiOff:
				verdict = "NS on wins (every run above every NS-off run)"
			case loOff > hiOn:
				verdict = "NS off wins (every run above every NS-on run)"
			}
			fmt.Printf("  %-10s loss %3g%%: %+.3f — %s\n", on.input(), on.loss*100, mOn-mOff, verdict)
		}
	}
}

// input names the loop a case plays.
func (c nsPathCase) input() string {
	if c.noise == nseval.Clean {
		return nseval.Clean
	}
	return fmt.Sprintf("%s%gdB", c.noise, c.snr)
}

// spread returns the mean, lowest and highest of xs.
func spread(xs []float64) (mean, lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		mean += x
		lo, hi = min(lo, x), max(hi, x)
	}
	return mean / float64(len(xs)), lo, hi
}

// nsPathCall makes one call and returns the STOI of what the caller heard.
// The call's audio is aligned with noisy8, the looped microphone input (what
// was really sent), and scored against clean8 at that alignment.
func nsPathCall(b *testing.B, m *meetd, c nsPathCase, in, silence string, noisy8, clean8 []float64, dump string) float64 {
	logf := filepath.Join(b.TempDir(), "meet.log")
	out := filepath.Join(b.TempDir(), "speaker.wav")
	args := []string{"phone", "--server", m.url, "--email", "op@e2e.test", "--password", password,
		"--in", in, "--out", out, "--loopback-ice", "on", "--auto-answer", "--log", logf,
		fmt.Sprintf("--noise-suppression=%v", c.ns)}
	if c.loss > 0 {
		args = append(args, fmt.Sprintf("--simulate-send-loss=%g", c.loss))
	}
	p := start(b, bins.meet, args...)
	defer p.stop()
	adm := m.login(b, "admin@e2e.test")
	deadline := time.Now().Add(20 * time.Second)
	for online := false; !online; {
		staff, err := adm.StaffList(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range staff {
			online = online || (s.Email == "op@e2e.test" && s.Online)
		}
		if time.Now().After(deadline) {
			b.Fatalf("meet phone never came online:\n%s", p.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	bs := startBaresip(b, silence)
	if err := bs.command("dial", fmt.Sprintf("sip:%s@%s", openNumber, m.sip)); err != nil {
		b.Fatal(err)
	}
	if err := bs.waitEvent("CALL_ESTABLISHED", 15*time.Second); err != nil {
		b.Fatalf("%v\nbaresip:\n%s\nmeet phone:\n%s", err, tail(bs.proc.output(), 3000), p.output())
	}
	period := time.Duration(len(clean8)) * time.Second / 8000
	time.Sleep(period + 3*time.Second) // one whole loop after settling
	if err := bs.command("hangup", ""); err != nil {
		b.Fatal(err)
	}
	if err := bs.waitEvent("CALL_CLOSED", 10*time.Second); err != nil {
		b.Fatal(err)
	}
	bs.proc.stop()
	p.stop()
	if c.ns {
		log, _ := os.ReadFile(logf)
		if !strings.Contains(string(log), "engine=hybrid") && os.Getenv("CI") != "" {
			b.Fatalf("CI=true but meet phone did not use the default learned suppressor:\n%s", tail(string(log), 2000))
		}
	}
	rec := bs.recording(b, "dec")
	if d := dump; d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
		f, _ := os.Create(filepath.Join(d, "rec.wav"))
		audio.WriteWAV(f, 8000, rec)
		f.Close()
		c8 := make(audio.PCM16, len(clean8))
		for i, v := range clean8 {
			c8[i] = int16(v * 32767)
		}
		f, _ = os.Create(filepath.Join(d, "clean8.wav"))
		audio.WriteWAV(f, 8000, c8)
		f.Close()
	}
	got := make([]float64, len(rec))
	for i, v := range rec {
		got[i] = float64(v) / 32768
	}
	// What the caller heard from 1 s after the call was set up to 0.5 s
	// before it ended, against the clean loop aligned block by block (the
	// microphone source skips time when the process stalls, and jitter
	// buffers may drop or stretch, so one alignment for the whole call would
	// not hold on a loaded machine).
	n := len(clean8)
	if len(got) < 8000+n {
		b.Fatalf("baresip recorded %d samples, want at least %d", len(got), 8000+n)
	}
	seg := got[8000 : len(got)-4000]
	ref, shift := alignLoop(noisy8, clean8, seg, 2000)
	d, err := nseval.STOI(ref, seg, 8000)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: STOI %.3f (first block's shift %d samples)", c.name(), d, shift)
	return d
}

// alignLoop returns, for y, the reference built from the looped signal refLoop
// (as long as x, aligned with it): each block of y is matched with the
// circular shift of x that correlates best, normalised by x's energy at that
// shift, over a window of alignContext blocks centred on the block (searched
// in full for the first block with sound, then within 300 ms of the previous
// block's; quiet blocks keep the previous shift). It also returns the first
// shift.
//
// The window is wider than the block because a block alone mislocks:
// espeak-ng's even pitch and repeated syllables give a 250 ms block of
// clean speech other good matches within 300 ms, and a block scored
// against the wrong part of the loop scores as if the caller had heard
// garbage (a 2026-12-03 clean call scored 0.908 with four such blocks, 0.995
// at its one true delay). A real delay change (a stalled process, a jitter
// buffer that grows) is still followed block by block once it dominates the
// window.
func alignLoop(x, refLoop, y []float64, block int) ([]float64, int) {
	n := len(x)
	ref := make([]float64, len(y))
	var mean float64
	for _, v := range y {
		mean += v * v
	}
	mean /= float64(len(y))
	shift, first, found := 0, 0, false
	for off := 0; off < len(y); off += block {
		blk := y[off:min(off+block, len(y))]
		var e float64
		for _, v := range blk {
			e += v * v
		}
		if e/float64(len(blk)) > 0.1*mean {
			lo, hi := shift-2400, shift+2400
			if !found {
				lo, hi = 0, n
			}
			wlo := max(0, off-(alignContext-1)*block/2)
			win := y[wlo:min(len(y), off+block+(alignContext-1)*block/2)]
			// Every other shift, then the two beside the best.
			bestS, best := shift, math.Inf(-1)
			for s := lo; s < hi; s += 2 {
				if v := windowCorr(x, win, s+wlo); v > best {
					best, bestS = v, s
				}
			}
			for _, s := range []int{bestS - 1, bestS + 1} {
				if v := windowCorr(x, win, s+wlo); v > best {
					best, bestS = v, s
				}
			}
			shift = bestS
			if !found {
				first, found = shift, true
			}
		}
		for i := range blk {
			ref[off+i] = refLoop[((off+i+shift)%n+n)%n]
		}
	}
	return ref, first
}

// alignContext is how many blocks alignLoop correlates for each block.
const alignContext = 4

// windowCorr is the correlation of win with the looped x from x[s mod n] on,
// divided by the norm of that part of x.
func windowCorr(x, win []float64, s int) float64 {
	n := len(x)
	s = (s%n + n) % n
	var v, xx float64
	for i, yv := range win {
		xv := x[(i+s)%n]
		v += xv * yv
		xx += xv * xv
	}
	if xx == 0 {
		return 0
	}
	return v / math.Sqrt(xx)
}

// writeFloatWAV writes x (samples in [-1, 1], clipped there) as a 16-bit
// WAV file at rate to path and returns path.
func writeFloatWAV(b *testing.B, path string, rate int, x []float64) string {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	pcm := make(audio.PCM16, len(x))
	for i, v := range x {
		pcm[i] = int16(math.Round(max(-1, min(1, v)) * 32767))
	}
	if err := audio.WriteWAV(f, rate, pcm); err != nil {
		b.Fatal(err)
	}
	return path
}
