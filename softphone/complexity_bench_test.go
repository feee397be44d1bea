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
// random loss from the stream with it. The last two cases are the default
// complexity held to narrowband, as the microphone codes while meetd's band
// hint says only the 8 kHz caller hears it: CELT at no loss, as it codes
// now, and SILK there too ("/silk"), as it coded before. The material is nseval's
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
		celt   int  // narrowband: the complexity while it codes CELT (no loss)
		silk   bool // as before CELT: SILK at no loss too
	}
	var variants []variant
	for c := range 6 {
		variants = append(variants, variant{c: c})
	}
	// What the microphone codes while meetd's band hint says only the
	// 8 kHz caller hears it, at each complexity CELT could run at there
	// (OpusCELTComplexity); SILK, under loss, at OpusComplexity.
	for c := range 6 {
		variants = append(variants, variant{c: OpusComplexity, narrow: true, celt: c})
	}
	// The same as the microphone coded it before it coded CELT there at
	// no loss.
	variants = append(variants, variant{c: OpusComplexity, narrow: true, celt: OpusComplexity, silk: true})
	for _, v := range variants {
		c := v.c
		name := fmt.Sprintf("%s/complexity=%d", set.Name, c)
		switch {
		case v.silk:
			name += "/narrowband/silk"
		case v.narrow:
			name += fmt.Sprintf("/narrowband/celt=%d", v.celt)
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
					plain, d, err := encodeAll(c, v.celt, 0, v.narrow, v.silk, in)
					if err != nil {
						b.Fatal(err)
					}
					cpu += d
					frames += len(plain)
					withFEC, d, err := encodeAll(c, v.celt, 10, v.narrow, v.silk, in)
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
// microphone's encoder at complexity c (celt while it codes CELT, when
// narrow) expecting lossPct percent loss
// (narrowband if narrow; SILK at no loss too if silk, as before the
// microphone coded CELT there) and returns the packets and the thread CPU
// time the encodes took.
func encodeAll(c, celt, lossPct int, narrow, silk bool, x []float64) ([][]byte, time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if !narrow {
		celt = c
	}
	enc, err := newOpusEncoder(c, celt)
	if err != nil {
		return nil, 0, err
	}
	if narrow {
		if err := enc.SetMaxBandwidth(opus.Narrowband); err != nil {
			return nil, 0, err
		}
		// As the microphone codes narrowband (newEncoder).
		if err := enc.SetCELTWithoutLoss(!silk); err != nil {
			return nil, 0, err
		}
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
