package softphone

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/denoise/nseval"
	"github.com/meet-dev/meet/audio/opus"
	"github.com/meet-dev/meet/internal/cputime"
)

// BenchmarkOpusComplexity is what OpusComplexity trades: for each libopus
// complexity the microphone's encoder could run at, the CPU time of one
// 20 ms encode (thread CPU, hot, every frame of the speech back to back)
// without in-band FEC (meetd reports no loss) and with FEC for 10 %
// expected loss, and the STOI of what meetd decodes for the caller (8 kHz,
// FEC for a lost packet whose successor arrived, else concealment) against
// the encoder's input: at no loss from the stream without FEC, at 10 %
// random loss from the stream with it. The narrowband cases are the default
// complexity held to narrowband, as the microphone codes while meetd's band
// hint says only the 8 kHz caller hears it: SILK at each complexity it could
// run at without loss ("/silk=N"; N is OpusNarrowComplexity), and CELT there
// at 5 ("/celt=5"), as it coded until 2026-12-05. The material is nseval's
// espeak-ng speech, clean and in babble at 10 dB (the encoder's input with
// NS off), of one set: the complexity is chosen on the tune set
// (NSEVAL_SET=tune) and the test set (the default) is what is reported.
// Needs espeak-ng and sox.
func BenchmarkOpusComplexity(b *testing.B) {
	set := nseval.Test
	if os.Getenv("NSEVAL_SET") == "tune" {
		set = nseval.Tune
	}
	dir := b.TempDir()
	speak := func(v, t string) ([]float64, error) { return nseval.Speak(dir, v, t, 48000) }
	mixes, err := nseval.Build(set, 48000, speak, []string{"babble"}, []float64{10})
	if err != nil {
		b.Fatal(err)
	}
	type variant struct {
		c      int
		narrow bool
		free   int  // narrowband: the complexity at no loss
		celt   bool // narrowband: CELT at no loss, as the microphone coded until 2026-12-05
	}
	var variants []variant
	for c := range 6 {
		variants = append(variants, variant{c: c})
	}
	// What the microphone codes while meetd's band hint says only the
	// 8 kHz caller hears it, at each complexity SILK could run at there
	// without loss (OpusNarrowComplexity); with loss, at OpusComplexity.
	for c := range 6 {
		variants = append(variants, variant{c: OpusComplexity, narrow: true, free: c})
	}
	// The same as the microphone coded it before: CELT at no loss.
	variants = append(variants, variant{c: OpusComplexity, narrow: true, free: 5, celt: true})
	for _, v := range variants {
		c := v.c
		name := fmt.Sprintf("%s/complexity=%d", set.Name, c)
		switch {
		case v.celt:
			name += fmt.Sprintf("/narrowband/celt=%d", v.free)
		case v.narrow:
			name += fmt.Sprintf("/narrowband/silk=%d", v.free)
		}
		b.Run(name, func(b *testing.B) {
			var cpu, fecCPU, decCPU time.Duration
			var frames, decoded int
			stoi := map[float64][]float64{}
			for b.Loop() {
				for mi, m := range mixes {
					in := m.Noisy // the clean control's Noisy is its clean speech
					// As lossfec runs it: no FEC while meetd reports no
					// loss, FEC for 10 % when it reports 10 %.
					plain, d, err := encodeAll(c, v.free, 0, v.narrow, v.celt, in)
					if err != nil {
						b.Fatal(err)
					}
					cpu += d
					frames += len(plain)
					withFEC, d, err := encodeAll(c, v.free, 10, v.narrow, v.celt, in)
					if err != nil {
						b.Fatal(err)
					}
					fecCPU += d
					for _, loss := range []float64{0, 0.10} {
						pkts := plain
						if loss > 0 {
							pkts = withFEC
						}
						rng := rand.New(rand.NewPCG(uint64(mi), 7))
						lost := make([]bool, len(pkts))
						for i := range lost {
							lost[i] = rng.Float64() < loss
						}
						out, d, err := decodeLossy(pkts, lost)
						if err != nil {
							b.Fatal(err)
						}
						if loss == 0 {
							decCPU += d
							decoded += len(pkts)
						}
						ref := nseval.Resample(in, 48000, 8000)
						y := nseval.Align(out, nseval.Delay(ref, out, 800))
						n := min(len(y), len(ref))
						s, err := nseval.STOI(ref[:n], y[:n], 8000)
						if err != nil {
							b.Fatal(err)
						}
						stoi[loss] = append(stoi[loss], s)
					}
				}
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(frames), "encode-cpu-µs/20ms")
			b.ReportMetric(float64(fecCPU.Microseconds())/float64(frames), "encode-fec-cpu-µs/20ms")
			b.ReportMetric(float64(decCPU.Microseconds())/float64(decoded), "meetd-decode-cpu-µs/20ms")
			b.ReportMetric(mean(stoi[0]), "stoi-loss=0%")
			b.ReportMetric(mean(stoi[0.10]), "stoi-loss=10%")
			b.ReportMetric(minOf(stoi[0.10]), "stoi-min-loss=10%")
		})
	}
}

// encodeAll encodes x (48 kHz, [-1, 1]) in 20 ms frames with the
// microphone's encoder at complexity c expecting lossPct percent loss; if
// narrow, held to narrowband as the microphone holds it (holdBand) at
// complexity free without loss, or in CELT there if celt (as it coded
// until 2026-12-05). It returns the packets and the thread CPU time the
// encodes took.
func encodeAll(c, free, lossPct int, narrow, celt bool, x []float64) ([][]byte, time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var enc *opus.Encoder
	var err error
	switch {
	case narrow && celt:
		enc, err = opus.NewEncoder(48000, 1, opus.WithComplexity(c), opus.WithLossFreeComplexity(free),
			opus.WithMaxBandwidth(opus.Narrowband), opus.WithCELTWithoutLoss())
	case narrow:
		if enc, err = newOpusEncoder(c); err == nil {
			err = holdBand(enc, opus.Narrowband, free)
		}
	default:
		enc, err = newOpusEncoder(c)
	}
	if err != nil {
		return nil, 0, err
	}
	if err := enc.SetExpectedLoss(lossPct); err != nil {
		return nil, 0, err
	}
	pcm := make(audio.PCM16, len(x)/960*960)
	for i := range pcm {
		pcm[i] = int16(max(-32768, min(32767, x[i]*32768)))
	}
	var pkts [][]byte
	var cpu time.Duration
	for off := 0; off < len(pcm); off += 960 {
		t0 := cputime.Thread()
		p, err := enc.EncodeReuse(pcm[off : off+960])
		cpu += cputime.Thread() - t0
		if err != nil {
			return nil, 0, err
		}
		pkts = append(pkts, append([]byte(nil), p...))
	}
	return pkts, cpu, nil
}

// decodeLossy decodes pkts at 8 kHz as meetd does for the caller, the
// packets marked lost recovered from the next one's FEC or concealed, and
// returns the thread CPU time the decodes took.
func decodeLossy(pkts [][]byte, lost []bool) ([]float64, time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	dec, err := opus.NewDecoder(8000, 1)
	if err != nil {
		return nil, 0, err
	}
	var out []float64
	var cpu time.Duration
	for i, p := range pkts {
		var pcm audio.PCM16
		t0 := cputime.Thread()
		switch {
		case !lost[i]:
			pcm, err = dec.DecodeReuse(p)
		case i+1 < len(pkts) && !lost[i+1]:
			pcm, err = dec.DecodeFECReuse(pkts[i+1], 160)
		default:
			pcm, err = dec.PLCReuse(160)
		}
		cpu += cputime.Thread() - t0
		if err != nil {
			return nil, 0, err
		}
		for _, v := range pcm {
			out = append(out, float64(v)/32768)
		}
	}
	return out, cpu, nil
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(max(1, len(x)))
}

func minOf(x []float64) float64 {
	m := 1.0
	for _, v := range x {
		m = min(m, v)
	}
	return m
}
