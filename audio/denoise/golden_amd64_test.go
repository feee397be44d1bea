package denoise

import (
	"hash/fnv"
	"math"
	"testing"

	"github.com/meet-dev/meet/audio/denoise/rnnoise"
)

// goldenHybridBits is the FNV-64a hash of the hybrid's output bits (and
// each frame's PCM16 output) over goldenSignal, recorded from the code
// before the speed work of issue 16. Every change meant to make the
// hybrid (RNNoise in Go, ours, the mix) faster without changing what it
// outputs must leave it as it is. amd64 only: other architectures may fuse
// multiplies and adds (the Go spec allows it), which changes the last bits.
// The garbage stretch makes NaN inside the suppressors, whose payload and
// sign follow the operand order the compiler (go1.26) chose in the Go
// loops: the vector kernels follow it too. goldenHybridBits changed once
// on purpose since: 0x39d1c7c0ba77563c until the hybrid turned RNNoise's
// gain hold off (gainHolder; RNNoise alone keeps it, goldenRNNoiseBits).
const (
	goldenHybridBits  = 0x8304d66a81967e42
	goldenRNNoiseBits = 0x55472e2e4daba396
)

// TestHybridGoldenBits runs the default hybrid (float and PCM16 paths)
// over goldenSignal and compares the hash of its output bits with the one
// recorded before the hybrid was sped up.
func TestHybridGoldenBits(t *testing.T) {
	if goFusesMulAdd {
		t.Skip("GOAMD64=v3 fuses multiply-adds in the Go code these bits come from")
	}
	x := goldenSignal()
	h := hybrid(t)
	hp := hybrid(t)
	sum := fnv.New64a()
	var b [4]byte
	frame := make([]float32, 480)
	pcm := make([]int16, 480)
	for off := 0; off+480 <= len(x); off += 480 {
		copy(frame, x[off:off+480])
		for i, v := range frame {
			pcm[i] = toInt16(v)
		}
		if err := h.Process(frame); err != nil {
			t.Fatal(err)
		}
		if err := hp.ProcessPCM16(pcm); err != nil {
			t.Fatal(err)
		}
		for _, v := range frame {
			u := math.Float32bits(v)
			b[0], b[1], b[2], b[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
			sum.Write(b[:])
		}
		for _, v := range pcm {
			sum.Write([]byte{byte(v), byte(uint16(v) >> 8)})
		}
	}
	if got := sum.Sum64(); got != goldenHybridBits {
		t.Errorf("hybrid output hash %#x, want %#x: the output changed", got, uint64(goldenHybridBits))
	}
	// RNNoise alone, with its voice activity (which the default mix's
	// equal floors leave out of the output).
	m, err := rnnoise.DefaultNative()
	if err != nil {
		t.Fatal(err)
	}
	d, err := m.New()
	if err != nil {
		t.Fatal(err)
	}
	sum.Reset()
	for off := 0; off+480 <= len(x); off += 480 {
		copy(frame, x[off:off+480])
		vad, err := d.Process(frame)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range append(frame, vad) {
			u := math.Float32bits(v)
			b[0], b[1], b[2], b[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
			sum.Write(b[:])
		}
	}
	if got := sum.Sum64(); got != goldenRNNoiseBits {
		t.Errorf("RNNoise output and VAD hash %#x, want %#x: the output changed", got, uint64(goldenRNNoiseBits))
	}
}
