//go:build nseval

package nseval

import (
	"runtime"
	"testing"
	"time"
)

// benchFrames runs p over 2 s of pink noise frame by frame. Besides wall
// time (ns/op) it reports the thread CPU time per frame (cpu-ns/op), which
// other load on the machine does not inflate.
func benchFrames(b *testing.B, p processor) {
	benchFramesCache(b, p, nil)
}

// benchFramesCache is benchFrames; with a non-nil evict buffer it writes all
// of it between frames, outside the measured CPU time (then taken around
// each Process call alone), so every frame starts with the weights, tables
// and state out of the L1/L2 caches, as in a softphone that does other work
// for the 10 ms between frames.
func benchFramesCache(b *testing.B, p processor, evict []byte) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	x := Pink(evalRate*2, 1)
	hop := evalRate / 100
	buf := make([]float32, len(x))
	for i, v := range x {
		buf[i] = float32(0.02 * v)
	}
	frame := make([]float32, hop)
	n := 0
	var cold time.Duration
	cpu0 := ThreadCPU()
	for i := 0; b.Loop(); i++ {
		if i == 0 {
			cpu0 = ThreadCPU()
		}
		off := (i * hop) % (len(buf) - hop)
		copy(frame, buf[off:off+hop])
		if evict == nil {
			if err := p.Process(frame); err != nil {
				b.Fatal(err)
			}
			n++
			continue
		}
		for k := 0; k < len(evict); k += 64 {
			evict[k]++
		}
		t0 := ThreadCPU()
		if err := p.Process(frame); err != nil {
			b.Fatal(err)
		}
		cold += ThreadCPU() - t0
		n++
	}
	if evict != nil {
		b.ReportMetric(float64(cold)/float64(n), "cpu-ns/op")
		return
	}
	b.ReportMetric(float64(ThreadCPU()-cpu0)/float64(n), "cpu-ns/op")
}

// BenchmarkNS compares one 10 ms frame at 48 kHz: ours, speexdsp, webrtc,
// the hybrid (the default: RNNoise in Go + ours), RNNoise under wazero (the
// npm package as built), RNNoise in Go, and the hybrid under wazero.
func BenchmarkNS(b *testing.B) {
	for _, a := range algos {
		b.Run(a.name, func(b *testing.B) {
			p, err := a.make()
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			benchFrames(b, p)
		})
	}
	// The less flattering variant: each frame with cold caches (4 MiB
	// written between frames, twice the L2 of the machines we measure on).
	evict := make([]byte, 4<<20)
	for _, a := range algos {
		b.Run(a.name+"/cold-cache", func(b *testing.B) {
			p, err := a.make()
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			benchFramesCache(b, p, evict)
		})
	}
}
