package room

import (
	"fmt"
	"testing"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/denoise/nseval"
	"github.com/meet-dev/meet/audio/timescale"
)

// BenchmarkGiveBackSpeech is how the jitter buffers' time compression
// (audio/timescale) gives a period of delay back on speech: the six
// nseval test-set speakers (espeak-ng, 0.5 s of silence around each
// sentence, as the corpus builds them) at 8 kHz (the trunk's and the fast
// path's rate) and 48 kHz (the mix's), taken a 20 ms frame at a time,
// with a frame's worth owed every 32 frames (0.64 s: debts land in
// speech and pauses alike). It reports
// how the owed audio went (whole pitch periods, silence, the fallback cut
// after 0.3 s of nothing repeating, or kept as delay: a remainder shorter
// than the voice's period, which the next debt takes along) and how long a
// debt took to settle. Nothing was tuned on this set: the thresholds
// (0.9, 0.7, 15 frames) were set before it was first run. Needs espeak-ng
// and sox.
func BenchmarkGiveBackSpeech(b *testing.B) {
	dir := b.TempDir()
	for _, rate := range []int{CallerRate, 48000} {
		var voice audio.PCM16
		for _, u := range nseval.Test.Targets {
			s, err := nseval.Speak(dir, u.Voice, u.Text, rate)
			if err != nil {
				b.Fatal(err)
			}
			pad := make(audio.PCM16, rate/2)
			voice = append(voice, pad...)
			for _, v := range s {
				voice = append(voice, int16(max(-32768, min(32767, v*32768/4)))) // about -26 dBFS while speaking
			}
			voice = append(voice, pad...)
		}
		b.Run(fmt.Sprintf("%dk", rate/1000), func(b *testing.B) {
			var r giveBackRun
			for b.Loop() {
				r = giveBack(voice, rate)
			}
			owed := float64(r.owed)
			b.ReportMetric(float64(r.debts), "debts")
			b.ReportMetric(float64(r.st.Periodic)/owed*100, "%owed-periodic")
			b.ReportMetric(float64(r.st.Quiet)/owed*100, "%owed-quiet")
			b.ReportMetric(float64(r.st.Forced)/owed*100, "%owed-forced")
			b.ReportMetric(float64(r.kept)/owed*100, "%owed-kept")
			b.ReportMetric(float64(r.settleFrames)/float64(r.debts)*20, "mean-ms-to-settle")
			b.ReportMetric(float64(r.maxSettle)*20, "max-ms-to-settle")
		})
	}
}

// giveBackRun is one pass of BenchmarkGiveBackSpeech.
type giveBackRun struct {
	debts, owed, kept       int
	settleFrames, maxSettle int
	st                      timescale.Stats
}

// giveBack runs voice through a Shortener a frame at a time with a
// frame owed every 32 frames, as the jitter buffers' owners do.
func giveBack(voice audio.PCM16, rate int) (r giveBackRun) {
	n := rate / 50
	sh := timescale.Shortener{Rate: rate}
	fifo := make(audio.PCM16, 0, 8*n)
	frame := make([]int16, n)
	pos, next, since, open := 0, 25, 0, false
	for k := 0; ; k++ {
		for len(fifo) < n+sh.Owed() && pos+n <= len(voice) {
			fifo = append(fifo, voice[pos:pos+n]...)
			pos += n
		}
		if k == next && pos+n <= len(voice) {
			fifo = append(fifo, voice[pos:pos+n]...)
			pos += n
			sh.Owe(n)
			r.debts++
			r.owed += n
			next += 32
			if open { // the last debt had not settled: count it as it stands
				r.settleFrames += since
				r.maxSettle = max(r.maxSettle, since)
			}
			since, open = 0, true
		}
		if len(fifo) < n {
			break
		}
		fifo = sh.Take(frame, fifo)
		if open {
			if since++; sh.Owed() == 0 {
				r.settleFrames += since
				r.maxSettle = max(r.maxSettle, since)
				open = false
			}
		}
	}
	r.st = sh.Stats()
	// What is kept at the end is the last remainder; earlier ones went
	// along with the next debt (and are counted there as cut).
	r.kept = r.owed - int(r.st.Periodic+r.st.Quiet+r.st.Forced)
	return r
}
