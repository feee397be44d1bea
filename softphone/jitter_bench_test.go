package softphone

import (
	"testing"
	"time"
)

// BenchmarkJitter is the softphone's jitter buffer per 20 ms frame: one
// packet in (arriving up to 3 ms late), one pop, with every 50th packet
// lost and every 7th pair swapped (reordered on the wire). Allocations must
// stay 0.
func BenchmarkJitter(b *testing.B) {
	j := newJitterBuffer(frameDuration, 48000)
	pkt := make([]byte, 80)
	t0 := time.Unix(1000, 0)
	seq := uint16(60000)
	at := func(i int) time.Time {
		return t0.Add(time.Duration(i)*frameDuration + time.Duration(i%4)*time.Millisecond)
	}
	for i := range 4 {
		j.push(seq, uint32(seq)*960, pkt, at(i))
		seq++
	}
	b.ReportAllocs()
	c0 := cpuTime()
	for i := 4; b.Loop(); i++ {
		switch {
		case i%50 == 49: // lost
		case i%7 == 0:
			j.push(seq+1, uint32(seq+1)*960, pkt, at(i))
			j.push(seq, uint32(seq)*960, pkt, at(i))
		case i%7 == 1: // sent with the one before
		default:
			j.push(seq, uint32(seq)*960, pkt, at(i))
		}
		seq++
		j.pop(at(i).Add(5 * time.Millisecond))
	}
	b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
