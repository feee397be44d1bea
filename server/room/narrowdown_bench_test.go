package room

import (
	"runtime"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/denoise/nseval"
	"github.com/meet-dev/meet/audio/opus"
	"github.com/meet-dev/meet/internal/cputime"
)

// BenchmarkNarrowDownlink is what the operator-bound stream of a two-party
// call costs and sounds like on a loss-free path: the caller's voice (the
// first two nseval test-set speakers, 8 kHz through μ-law, as the trunk
// delivers it) coded as meetd codes it now (newServerOpusEncoder at 8 kHz
// expecting no loss: CELT, opus.WithCELTWithoutLoss) and as it did before
// (narrowband SILK at the same complexity), each decoded as the softphone
// does (48 kHz). It reports the thread CPU time of one 20 ms encode and
// decode, the packet size, and the STOI of the decoded voice against what
// the encoder was given. Needs espeak-ng and sox.
func BenchmarkNarrowDownlink(b *testing.B) {
	dir := b.TempDir()
	set := nseval.Test
	var voice audio.PCM16
	for _, u := range set.Targets[:2] {
		s, err := nseval.Speak(dir, u.Voice, u.Text, CallerRate)
		if err != nil {
			b.Fatal(err)
		}
		for _, v := range s {
			voice = append(voice, g711.DecodeUlawFrame(g711.EncodeUlawFrame(int16(max(-32768, min(32767, v*32768))))))
		}
	}
	voice = voice[:len(voice)/CallerFrame*CallerFrame]
	for _, c := range []struct {
		name string
		make func() (*opus.Encoder, error)
	}{
		{"meetd=celt", func() (*opus.Encoder, error) {
			e, err := newServerOpusEncoder(CallerRate)
			if err != nil {
				return nil, err
			}
			return e.e, e.e.SetExpectedLoss(0)
		}},
		{"before=silk", func() (*opus.Encoder, error) {
			return opus.NewEncoder(CallerRate, 1, opus.WithComplexity(ServerOpusNarrowComplexity), opus.WithExpectedLoss(0))
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var enc, dec time.Duration
			var frames, bytes int
			var stoi float64
			for b.Loop() {
				e, err := c.make()
				if err != nil {
					b.Fatal(err)
				}
				d48, err := opus.NewDecoder(48000, 1)
				if err != nil {
					b.Fatal(err)
				}
				d8, err := opus.NewDecoder(CallerRate, 1)
				if err != nil {
					b.Fatal(err)
				}
				var heard []float64
				for off := 0; off < len(voice); off += CallerFrame {
					t0 := cputime.Thread()
					pkt, err := e.EncodeReuse(voice[off : off+CallerFrame])
					t1 := cputime.Thread()
					if err != nil {
						b.Fatal(err)
					}
					if _, err := d48.DecodeReuse(pkt); err != nil {
						b.Fatal(err)
					}
					t2 := cputime.Thread()
					enc += t1 - t0
					dec += t2 - t1
					bytes += len(pkt)
					frames++
					pcm, err := d8.DecodeReuse(pkt)
					if err != nil {
						b.Fatal(err)
					}
					for _, v := range pcm {
						heard = append(heard, float64(v)/32768)
					}
				}
				ref := make([]float64, len(voice))
				for i, v := range voice {
					ref[i] = float64(v) / 32768
				}
				y := nseval.Align(heard, nseval.Delay(ref, heard, 400))
				n := min(len(y), len(ref))
				s, err := nseval.STOI(ref[:n], y[:n], CallerRate)
				if err != nil {
					b.Fatal(err)
				}
				stoi += s
			}
			b.ReportMetric(float64(enc.Nanoseconds())/1000/float64(frames), "encode-cpu-µs/20ms")
			b.ReportMetric(float64(dec.Nanoseconds())/1000/float64(frames), "decode48-cpu-µs/20ms")
			b.ReportMetric(float64(bytes)/float64(frames), "bytes/packet")
			b.ReportMetric(stoi/float64(b.N), "stoi")
		})
	}
}
