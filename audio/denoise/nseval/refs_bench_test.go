//go:build nseval

package nseval

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio/denoise/rnnoise"
	"github.com/meet-dev/meet/internal/cputime"
)

// benchSignal is what the frame benchmarks run through: 2 s of pink noise
// scaled by 0.02, and the 10 ms hop.
func benchSignal() (buf []float32, hop int) {
	x := Pink(evalRate*2, 1)
	buf = make([]float32, len(x))
	for i, v := range x {
		buf[i] = float32(0.02 * v)
	}
	return buf, evalRate / 100
}

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
	buf, hop := benchSignal()
	frame := make([]float32, hop)
	n := 0
	var cold time.Duration
	cpu0 := cputime.Thread()
	for i := 0; b.Loop(); i++ {
		if i == 0 {
			cpu0 = cputime.Thread()
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
		t0 := cputime.Thread()
		if err := p.Process(frame); err != nil {
			b.Fatal(err)
		}
		cold += cputime.Thread() - t0
		n++
	}
	if evict != nil {
		b.ReportMetric(float64(cold)/float64(n), "cpu-ns/op")
		return
	}
	b.ReportMetric(float64(cputime.Thread()-cpu0)/float64(n), "cpu-ns/op")
}

// pacedGap is how long benchFramesPaced sleeps between two frames: a
// softphone's 20 ms packet is two 10 ms frames, and it waits for the next
// one meanwhile.
const pacedGap = 20 * time.Millisecond

// benchFramesPaced runs p as a softphone does: two frames back to back,
// then a 20 ms sleep, over the same 2 s of pink noise as benchFrames. The
// thread's CPU time is taken around the two Process calls alone (the sleep
// costs none). The sleep is what the cold-cache variant's writes only
// stand for: the thread gives up its CPU, which halts or runs something
// else, and the frame after it starts with its caches, TLB and branch
// history cold (on a virtual machine the host may have run another guest
// on that core meanwhile). It reports the CPU per frame (cpu-ns/op, both
// frames) and that of the first frame after each sleep (first-cpu-ns).
func benchFramesPaced(b *testing.B, p processor) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	buf, hop := benchSignal()
	frame := make([]float32, hop)
	var cpu, first time.Duration
	pairs := 0
	for ; b.Loop(); pairs++ {
		time.Sleep(pacedGap)
		for k := range 2 {
			off := ((2*pairs + k) * hop) % (len(buf) - hop)
			copy(frame, buf[off:off+hop])
			t0 := cputime.Thread()
			if err := p.Process(frame); err != nil {
				b.Fatal(err)
			}
			d := cputime.Thread() - t0
			cpu += d
			if k == 0 {
				first += d
			}
		}
	}
	b.ReportMetric(float64(cpu)/float64(2*pairs), "cpu-ns/op")
	b.ReportMetric(float64(first)/float64(pairs), "first-cpu-ns")
}

// BenchmarkNS compares one 10 ms frame at 48 kHz: ours, speexdsp, webrtc,
// the hybrid (the default: RNNoise in Go + ours), RNNoise under wazero (the
// npm package as built), RNNoise in Go, and the hybrid under wazero.
func BenchmarkNS(b *testing.B) {
	eachAlgo(b, "", benchFrames)
	// The less flattering variant: each frame with cold caches (4 MiB
	// written between frames, twice the L2 of the machines we measure on).
	evict := make([]byte, 4<<20)
	eachAlgo(b, "/cold-cache", func(b *testing.B, p processor) { benchFramesCache(b, p, evict) })
	// And as a softphone pays it: two frames every 20 ms, the thread
	// asleep in between (benchFramesPaced).
	eachAlgo(b, "/paced", benchFramesPaced)
}

// eachAlgo runs bench on a fresh instance of every suppressor, as the
// sub-benchmark named after it and suffix.
func eachAlgo(b *testing.B, suffix string, bench func(*testing.B, processor)) {
	for _, a := range algos {
		b.Run(a.name+suffix, func(b *testing.B) {
			p, err := a.make()
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			bench(b, p)
		})
	}
}

// BenchmarkRNNoiseNode is a reference for how fast RNNoise's C code runs
// on this machine as native code: the npm package's rnnoise.wasm (the one
// BenchmarkNS/rnnoise runs under wazero and whose weights rnnoise-go and
// the hybrid use) run by node, whose V8 compiles WebAssembly to machine
// code, over the same 2 s of pink noise as BenchmarkNS, 5000 frames after
// a 2000-frame warm-up. cpu-ns/op and ns/op are node's own process CPU
// time and wall time per 10 ms frame (testdata/rnnoise_node_bench.js), so
// node's start-up is not in them.
func BenchmarkRNNoiseNode(b *testing.B) {
	node, err := exec.LookPath("node")
	if err != nil {
		b.Fatalf("node (Debian package nodejs, installed by make deps): %v", err)
	}
	wasm, err := rnnoise.Find()
	if err != nil {
		b.Fatal(err)
	}
	x := Pink(evalRate*2, 1)
	raw := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(float32(0.02*v)))
	}
	frames := filepath.Join(b.TempDir(), "pink.f32")
	if err := os.WriteFile(frames, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	const n = 5000
	var cpu, wall float64
	for b.Loop() {
		out, err := exec.Command(node, "testdata/rnnoise_node_bench.js", wasm, frames, fmt.Sprint(n)).CombinedOutput()
		if err != nil {
			b.Fatalf("node: %v: %s", err, out)
		}
		var got int
		if _, err := fmt.Sscanf(string(out), "cpu-ns/frame %g wall-ns/frame %g frames %d", &cpu, &wall, &got); err != nil || got != n {
			b.Fatalf("node printed %q: %v", out, err)
		}
	}
	b.ReportMetric(cpu, "cpu-ns/op")
	b.ReportMetric(wall, "ns/op")
}
