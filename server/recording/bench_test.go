package recording

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/mixer"
)

// BenchmarkRecorderCPU is the recording CPU per call: one Recorder fed 20 ms
// mixer frames (a 1 kHz tone: never silent) in a loop, writing a real WAV
// file in the temp directory (page cache, buffered). It reports process
// CPU (user+system, rusage) per frame and as a share of one core for a
// call recorded in real time. The mix that feeds it is the room's and is
// not counted here (BenchmarkCallCPU of server/room).
func BenchmarkRecorderCPU(b *testing.B) {
	frame := audiotest.Tone(mixer.Rate, 1000, 0.3, mixer.FrameSamples)
	r, err := Start(filepath.Join(b.TempDir(), "call.wav"), Options{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for range b.N {
		if err := r.WriteFrame(frame); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - c0
	b.StopTimer()
	r.Stop()
	per := float64(cpu.Nanoseconds()) / float64(b.N)
	b.ReportMetric(per/1000, "cpu-µs/frame")
	b.ReportMetric(per/float64(mixer.Period.Nanoseconds())*100, "%core/call")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
