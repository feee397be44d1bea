package opus

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/internal/cputime"
)

// voiceLike is a crude voiced signal: a gliding pitch with harmonics and a
// syllable-rate envelope, which keeps Opus in its speech (SILK) modes.
func voiceLike(rate, n int) audio.PCM16 {
	out := make(audio.PCM16, n)
	phase := 0.0
	for i := range out {
		t := float64(i) / float64(rate)
		f0 := 140 + 40*math.Sin(2*math.Pi*1.3*t)
		phase += 2 * math.Pi * f0 / float64(rate)
		v := 0.0
		for h := 1; h <= 12; h++ {
			v += math.Sin(float64(h)*phase) / float64(h)
		}
		env := 0.55 + 0.45*math.Sin(2*math.Pi*4*t)
		out[i] = int16(v * env * 6000)
	}
	return out
}

func TestToneSurvivesEncodeDecode(t *testing.T) {
	for _, rate := range []int{48000, 16000, 8000} {
		enc, err := NewEncoder(rate, 1)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := NewDecoder(rate, 1)
		if err != nil {
			t.Fatal(err)
		}
		in := audiotest.Tone(rate, 1000, 0.5, rate) // 1 s
		var out audio.PCM16
		bytes := 0
		for i := 0; i+enc.FrameSamples() <= len(in); i += enc.FrameSamples() {
			pkt, err := enc.Encode(in[i : i+enc.FrameSamples()])
			if err != nil {
				t.Fatal(err)
			}
			bytes += len(pkt)
			pcm, err := dec.Decode(pkt)
			if err != nil {
				t.Fatal(err)
			}
			if len(pcm) != enc.FrameSamples() {
				t.Fatalf("decoded %d samples, want %d", len(pcm), enc.FrameSamples())
			}
			out = append(out, pcm...)
		}
		tail := out[rate/5:]
		if !audiotest.HasTone(tail, rate, 1000) {
			t.Fatalf("%d Hz: 1 kHz tone lost (ratio %.2f)", rate, audiotest.ToneRatio(tail, rate, 1000))
		}
		if rms, _ := audio.Level(tail); math.Abs(rms-(-9.03)) > 1.5 {
			t.Fatalf("%d Hz: level %.1f dBFS after the codec, want ≈ -9", rate, rms)
		}
		if kbps := float64(bytes*8) / 1000; kbps > 40 || kbps < 10 {
			t.Fatalf("%d Hz: %.1f kbit/s for a 32 kbit/s target", rate, kbps)
		}
	}
}

func snrDB(ref, got audio.PCM16) float64 {
	var s, n float64
	for i := range ref {
		d := float64(ref[i]) - float64(got[i])
		s += float64(ref[i]) * float64(ref[i])
		n += d * d
	}
	return 10 * math.Log10(s/(n+1))
}

// TestFECBeatsPLC drops packets and recovers them once from the next
// packet's redundancy and once by concealment; FEC must come closer to what
// a lossless decoder produced.
func TestFECBeatsPLC(t *testing.T) {
	const rate, frame = 48000, 960
	enc, err := NewEncoder(rate, 1, WithExpectedLoss(20))
	if err != nil {
		t.Fatal(err)
	}
	in := voiceLike(rate, 3*rate)
	var pkts [][]byte
	for i := 0; i+frame <= len(in); i += frame {
		pkt, err := enc.Encode(in[i : i+frame])
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, pkt)
	}
	decodeAll := func(lost map[int]bool, fec bool) []audio.PCM16 {
		dec, _ := NewDecoder(rate, 1)
		out := make([]audio.PCM16, len(pkts))
		for i, p := range pkts {
			if lost[i] {
				continue
			}
			if i > 0 && lost[i-1] {
				var rec audio.PCM16
				var err error
				if fec {
					rec, err = dec.DecodeFEC(p, frame)
				} else {
					rec, err = dec.PLC(frame)
				}
				if err != nil {
					t.Fatal(err)
				}
				out[i-1] = rec
			}
			pcm, err := dec.Decode(p)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = pcm
		}
		return out
	}
	ref := decodeAll(nil, false)
	lost := map[int]bool{}
	for i := 20; i < len(pkts)-2; i += 13 {
		lost[i] = true
	}
	withFEC, withPLC := decodeAll(lost, true), decodeAll(lost, false)
	var fecSNR, plcSNR float64
	for i := range lost {
		fecSNR += snrDB(ref[i], withFEC[i]) / float64(len(lost))
		plcSNR += snrDB(ref[i], withPLC[i]) / float64(len(lost))
	}
	t.Logf("recovered frames vs lossless decode: FEC %.1f dB, PLC %.1f dB (%d losses)", fecSNR, plcSNR, len(lost))
	if fecSNR < plcSNR+3 {
		t.Fatalf("FEC (%.1f dB) not clearly better than PLC (%.1f dB)", fecSNR, plcSNR)
	}
}

func TestBadInputGivesErrors(t *testing.T) {
	if _, err := NewEncoder(44100, 1); err == nil || !strings.Contains(err.Error(), "44100") {
		t.Fatalf("44.1 kHz encoder: %v", err)
	}
	if _, err := NewEncoder(48000, 3); err == nil {
		t.Fatal("3 channels accepted")
	}
	if _, err := NewEncoder(48000, 1, WithBitrate(100)); err == nil {
		t.Fatal("100 bit/s accepted")
	}
	enc, _ := NewEncoder(48000, 1)
	if _, err := enc.Encode(make(audio.PCM16, 1000)); err == nil || !strings.Contains(err.Error(), "20 ms = 960") {
		t.Fatalf("1000-sample frame: %v", err)
	}
	if err := enc.SetBitrate(64000); err != nil {
		t.Fatal(err)
	}
	if br, _ := enc.Bitrate(); br != 64000 {
		t.Fatalf("bitrate %d", br)
	}
	dec, _ := NewDecoder(48000, 1)
	// Garbage never panics; when it is refused the error says it is the packet.
	for _, pkt := range [][]byte{{0xff}, {0xff, 0xff, 0xff, 0xff}, make([]byte, 2000), {0x0b, 0xff, 0xff}} {
		if _, err := dec.Decode(pkt); err != nil && !errors.Is(err, ErrBadPacket) {
			t.Fatalf("packet % x: error %v does not wrap ErrBadPacket", pkt[:min(4, len(pkt))], err)
		}
	}
	if _, err := dec.Decode(nil); !errors.Is(err, ErrBadPacket) {
		t.Fatalf("nil packet: %v", err)
	}
	if _, err := dec.Decode([]byte{0x03}); !errors.Is(err, ErrBadPacket) { // code 3 without a frame count byte
		t.Fatalf("truncated code-3 packet: %v", err)
	}
	if _, err := dec.PLC(100); err == nil {
		t.Fatal("PLC of 100 samples (not a 2.5 ms multiple) accepted")
	}
	if _, err := dec.DecodeFEC(nil, 960); !errors.Is(err, ErrBadPacket) {
		t.Fatalf("FEC from nil: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	enc, _ := NewEncoder(48000, 1)
	pkt, _ := enc.Encode(audiotest.Tone(48000, 440, 0.5, 960))
	f.Add(pkt)
	f.Add([]byte{0x03})
	f.Add([]byte{0xfc, 0xff, 0xfe})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		dec, _ := NewDecoder(48000, 1)
		pcm, err := dec.Decode(pkt)
		if err == nil && len(pcm)%120 != 0 {
			t.Fatalf("decoded %d samples", len(pcm))
		}
		if len(pkt) > 0 {
			_, _ = dec.DecodeFEC(pkt, 960)
		}
	})
}

func TestEncodeWriter(t *testing.T) {
	enc, _ := NewEncoder(48000, 1)
	dec, _ := NewDecoder(48000, 1)
	var out audio.PCM16
	w := NewEncodeWriter(enc, "Track", func(pkt []byte) error {
		pcm, err := dec.Decode(pkt)
		out = append(out, pcm...)
		return err
	})
	if w.String() != "Opus(encode) -> Track" || w.SampleRate() != 48000 {
		t.Fatalf("%s at %d", w, w.SampleRate())
	}
	in := audiotest.Tone(48000, 700, 0.4, 48000)
	for i := 0; i < len(in); i += 480 { // 10 ms device frames
		if err := w.WriteSample(in[i : i+480]); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) != 48000 || !audiotest.HasTone(out[9600:], 48000, 700) {
		t.Fatalf("%d samples out", len(out))
	}
}

func BenchmarkEncode20ms(b *testing.B) {
	for _, c := range []int{0, 5, 9} {
		b.Run(fmt.Sprintf("complexity%d", c), func(b *testing.B) {
			enc, _ := NewEncoder(48000, 1, WithComplexity(c))
			frame := voiceLike(48000, 960)
			cputime.PerOp(b, func() {
				for b.Loop() {
					if _, err := enc.Encode(frame); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func BenchmarkDecode20ms(b *testing.B) {
	enc, _ := NewEncoder(48000, 1)
	pkt, _ := enc.Encode(voiceLike(48000, 960))
	dec, _ := NewDecoder(48000, 1)
	cputime.PerOp(b, func() {
		for b.Loop() {
			if _, err := dec.Decode(pkt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestMaxBandwidthHoldsTheBand: voice with energy up to 20 kHz comes out
// wider than wideband by default and SILK-only wideband (TOC configs 8–11)
// when held to Wideband.
func TestMaxBandwidthHoldsTheBand(t *testing.T) {
	const rate, n = 48000, 960
	voice := voiceLike(rate, 50*n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range voice { // breath and sibilance: broadband noise
		voice[i] += int16(rng.NormFloat64() * 1500)
	}
	widest := func(opts ...Option) (maxConfig int) {
		enc, err := NewEncoder(rate, 1, opts...)
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < len(voice); off += n {
			pkt, err := enc.Encode(voice[off : off+n])
			if err != nil {
				t.Fatal(err)
			}
			maxConfig = max(maxConfig, int(pkt[0]>>3))
		}
		return maxConfig
	}
	if c := widest(); c < 12 {
		t.Fatalf("default encoder: widest TOC config %d, want a super-wide or fullband mode (≥ 12) for broadband input", c)
	}
	if c := widest(WithMaxBandwidth(Wideband)); c < 8 || c > 11 {
		t.Fatalf("held to wideband: widest TOC config %d, want SILK wideband (8–11)", c)
	}
}

// TestCELTWithoutLoss checks WithCELTWithoutLoss on 8 kHz voice: CELT
// packets (TOC configs 16–31) while the encoder expects no loss, SILK
// with in-band FEC (configs 0–11, the LBRR flag set) once it expects
// some, CELT again when the loss is gone and after Reset; a decoder plays
// the stream across every switch at the voice's level; and an encoder
// without the option stays SILK at no loss.
func TestCELTWithoutLoss(t *testing.T) {
	const rate, n = 8000, 160
	voice := voiceLike(rate, 40*n)
	enc, err := NewEncoder(rate, 1, WithCELTWithoutLoss(), WithComplexity(0), WithExpectedLoss(0))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := NewDecoder(rate, 1)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := NewEncoder(rate, 1, WithComplexity(0), WithExpectedLoss(0))
	if err != nil {
		t.Fatal(err)
	}
	var heard audio.PCM16
	for step, loss := range []int{0, 10, 0, -1} {
		if loss < 0 {
			if err := enc.Reset(); err != nil {
				t.Fatal(err)
			}
			loss = 0
		} else if err := enc.SetExpectedLoss(loss); err != nil {
			t.Fatal(err)
		}
		var celt, silk, lbrr int
		for off := 0; off < len(voice); off += n {
			pkt, err := enc.Encode(voice[off : off+n])
			if err != nil {
				t.Fatal(err)
			}
			switch c := int(pkt[0] >> 3); {
			case c >= 16:
				celt++
			case c < 12:
				silk++
				if len(pkt) > 1 && pkt[1]&0x40 != 0 { // SILK's first bit after VAD: LBRR present (mono, 20 ms)
					lbrr++
				}
			}
			pcm, err := dec.Decode(pkt)
			if err != nil {
				t.Fatalf("step %d: decode: %v", step, err)
			}
			heard = append(heard, pcm...)
			if step == 0 {
				p, err := plain.Encode(voice[off : off+n])
				if err != nil {
					t.Fatal(err)
				}
				if c := int(p[0] >> 3); c >= 12 {
					t.Fatalf("without the option: TOC config %d at no loss, want SILK", c)
				}
			}
		}
		frames := len(voice) / n
		switch {
		case loss == 0 && celt < frames-1: // one transition frame after SILK
			t.Fatalf("step %d, no loss expected: %d of %d packets CELT", step, celt, frames)
		case loss > 0 && (silk < frames-2 || lbrr < frames/2):
			t.Fatalf("step %d, %d %% loss expected: %d of %d packets SILK, %d with FEC", step, loss, silk, frames, lbrr)
		}
	}
	in, _ := audio.Level(voice)
	for i := 0; i+len(voice) <= len(heard); i += len(voice) {
		if out, _ := audio.Level(heard[i+len(voice)/4 : i+len(voice)]); math.Abs(out-in) > 3 {
			t.Fatalf("stretch %d decoded at %.1f dBFS, the voice is %.1f", i/len(voice), out, in)
		}
	}
}

// TestLossFreeComplexity: libopus runs at WithLossFreeComplexity while no
// loss is expected (in CELT when WithCELTWithoutLoss holds it there, else
// in the mode libopus picks) and at WithComplexity otherwise, across loss
// changes, Reset and SetLossFreeComplexity; out-of-range values fail.
func TestLossFreeComplexity(t *testing.T) {
	has := func(enc *Encoder, step string, want, wantMode int) {
		t.Helper()
		got, err := enc.enc.get(reqGetComplexity)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%s: libopus complexity %d, want %d", step, got, want)
		}
		if enc.mode != wantMode {
			t.Fatalf("%s: mode %d, want %d", step, enc.mode, wantMode)
		}
	}
	celt, err := NewEncoder(48000, 1, WithComplexity(5), WithLossFreeComplexity(1), WithCELTWithoutLoss(), WithExpectedLoss(0))
	if err != nil {
		t.Fatal(err)
	}
	has(celt, "CELT at no loss", 1, modeCELT)
	if err := celt.SetExpectedLoss(10); err != nil {
		t.Fatal(err)
	}
	has(celt, "SILK with loss", 5, modeAuto)
	if err := celt.SetExpectedLoss(0); err != nil {
		t.Fatal(err)
	}
	has(celt, "CELT again", 1, modeCELT)
	if err := celt.Reset(); err != nil {
		t.Fatal(err)
	}
	has(celt, "after Reset", 1, modeCELT)

	// The softphone's narrowband: SILK, cheaper without loss only.
	silk, err := NewEncoder(48000, 1, WithComplexity(5), WithMaxBandwidth(Narrowband), WithExpectedLoss(10))
	if err != nil {
		t.Fatal(err)
	}
	has(silk, "with loss", 5, modeAuto)
	if err := silk.SetLossFreeComplexity(0); err != nil {
		t.Fatal(err)
	}
	has(silk, "loss-free complexity set, loss expected", 5, modeAuto)
	if err := silk.SetExpectedLoss(0); err != nil {
		t.Fatal(err)
	}
	has(silk, "no loss", 0, modeAuto)
	if err := silk.SetLossFreeComplexity(5); err != nil {
		t.Fatal(err)
	}
	has(silk, "loss-free complexity back", 5, modeAuto)
	if err := silk.SetLossFreeComplexity(11); err == nil {
		t.Fatal("SetLossFreeComplexity(11) was accepted")
	}

	plain, err := NewEncoder(48000, 1, WithComplexity(3), WithCELTWithoutLoss(), WithExpectedLoss(0))
	if err != nil {
		t.Fatal(err)
	}
	has(plain, "no loss-free complexity given", 3, modeCELT)
	for _, o := range []Option{WithComplexity(11), WithLossFreeComplexity(11), WithComplexity(-1), WithLossFreeComplexity(-1)} {
		if _, err := NewEncoder(48000, 1, o); err == nil {
			t.Fatal("an out-of-range complexity was accepted")
		}
	}
}
