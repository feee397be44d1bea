package room

import "testing"

// BenchmarkJitter is the operator leg's jitter buffer per 20 ms tick: one
// packet in, one pop, with every 50th packet lost and every 7th pair
// swapped (reordered on the wire). Allocations must stay 0.
func BenchmarkJitter(b *testing.B) {
	j := newJitter(2)
	pkt := make([]byte, 80)
	seq := uint16(60000)
	for range 4 {
		j.push(seq, codecOpus, pkt)
		seq++
	}
	b.ReportAllocs()
	c0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		switch {
		case i%50 == 49: // lost
		case i%7 == 0:
			j.push(seq+1, codecOpus, pkt)
			j.push(seq, codecOpus, pkt)
		case i%7 == 1: // sent with the one before
		default:
			j.push(seq, codecOpus, pkt)
		}
		seq++
		j.pop()
	}
	b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
