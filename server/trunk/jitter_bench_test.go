package trunk

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkJitter is the trunk's jitter buffer per 20 ms frame: one
// 160-sample packet in, one frame out, with every 50th packet lost and
// every 7th pair swapped (reordered on the wire). Allocations must stay 0.
func BenchmarkJitter(b *testing.B) {
	j := newJitterBuffer(2, 10)
	pkt := frameOf(100)
	dst := make([]int16, frameSamples)
	seq := uint16(60000)
	for range 4 {
		j.Push(seq, pkt)
		seq++
	}
	b.ReportAllocs()
	c0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		switch {
		case i%50 == 49: // lost
		case i%7 == 0:
			j.Push(seq+1, pkt)
			j.Push(seq, pkt)
		case i%7 == 1: // sent with the one before
		default:
			j.Push(seq, pkt)
		}
		seq++
		j.Pop(dst)
	}
	b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
