package rnnoise

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrModel is returned when a rnnoise.wasm's data does not hold the RNNoise
// model this package knows (@jitsi/rnnoise-wasm 0.2.1's: the 2017 network of
// xiph/rnnoise, 42 features, GRUs of 24, 48 and 96 units, 22 band gains).
var ErrModel = errors.New("rnnoise: no RNNoise model in the module's data")

// activation numbers a layer's activation as xiph/rnnoise's rnn.h does.
type activation int32

const (
	actTanh    activation = 0
	actSigmoid activation = 1
	actReLU    activation = 2
)

// matrix is a layer's weights and biases, already multiplied by the
// network's weight scale 1/256 (a power of two, so the products round
// exactly as the C code's sum-then-scale does), laid out for matVec:
// output neurons in blocks of rowBlock (the last padded with zero rows),
// each block input by input, rowBlock weights per input.
type matrix struct {
	rows, cols int
	w          []float32 // blocks × cols × rowBlock
	bias       []float32 // blocks × rowBlock
}

// rowBlock is how many neurons matVec sums at once: on amd64 four SSE
// registers of four sums each (SSE2 is in every amd64 CPU, GOAMD64=v1).
const rowBlock = 16

// newMatrix lays out rows × cols weights at(i, j) (neuron i, input j) and
// biases.
func newMatrix(rows, cols int, bias func(i int) float32, at func(i, j int) float32) matrix {
	blocks := (rows + rowBlock - 1) / rowBlock
	m := matrix{rows: rows, cols: cols, w: make([]float32, blocks*cols*rowBlock), bias: make([]float32, blocks*rowBlock)}
	for i := range rows {
		b, k := i/rowBlock, i%rowBlock
		m.bias[i] = bias(i)
		for j := range cols {
			m.w[(b*cols+j)*rowBlock+k] = at(i, j)
		}
	}
	return m
}

// dense is a fully connected layer.
type dense struct {
	in, out int
	act     activation
	m       matrix // out × in
}

// gru is a gated recurrent unit layer: gates update (z), reset (r) and the
// candidate output, each n neurons. Each gate sums its inputs then its
// recurrent state, as one in+n-wide row.
type gru struct {
	in, n int
	act   activation
	zr    matrix // 2n × (in+n): update gate then reset gate
	h     matrix // n × (in+n): candidate output
}

// network is RNNoise's model: the weights of its six layers and the tanh
// table its activations interpolate.
type network struct {
	inputDense dense // 42 features → 24, tanh
	vadGRU     gru   // 24 → 24
	noiseGRU   gru   // 24+24+42 → 48
	denoiseGRU gru   // 24+48+42 → 96
	denoiseOut dense // 96 → 22 band gains, sigmoid
	vadOut     dense // 24 → voice activity, sigmoid
	tanhTable  [201]float32
}

const weightScale = 1.0 / 256

// wasmMemory returns the initial linear memory of a WebAssembly module as
// its active data segments lay it out (offsets below the end of the last
// segment; the rest of memory starts zero).
func wasmMemory(bin []byte) ([]byte, error) {
	if len(bin) < 8 || string(bin[:4]) != "\x00asm" {
		return nil, errors.New("rnnoise: not a WebAssembly module")
	}
	r := wasmReader{b: bin, i: 8}
	var segs []struct {
		off  uint32
		data []byte
	}
	end := uint32(0)
	for r.i < len(r.b) {
		id := r.byte()
		size := int(r.uleb())
		if r.err != nil || size < 0 || r.i+size > len(r.b) {
			return nil, errors.New("rnnoise: truncated WebAssembly section")
		}
		body := wasmReader{b: r.b[:r.i+size], i: r.i}
		r.i += size
		if id != 11 { // data section
			continue
		}
		n := body.uleb()
		for k := uint64(0); k < n && body.err == nil; k++ {
			flags := body.uleb()
			if flags == 1 { // passive: not laid out at instantiation
				l := body.uleb()
				if l > uint64(len(body.b)-body.i) {
					return nil, errors.New("rnnoise: bad data segment")
				}
				body.i += int(l)
				continue
			}
			if flags == 2 {
				body.uleb() // memory index
			}
			if body.byte() != 0x41 { // i32.const
				return nil, errors.New("rnnoise: data segment offset is not a constant")
			}
			off := uint32(body.sleb())
			if body.byte() != 0x0b {
				return nil, errors.New("rnnoise: data segment offset is not a constant")
			}
			l := body.uleb()
			if body.err != nil || l > uint64(len(body.b)-body.i) || off > 64<<20 {
				return nil, errors.New("rnnoise: bad data segment")
			}
			segs = append(segs, struct {
				off  uint32
				data []byte
			}{off, body.b[body.i : body.i+int(l)]})
			body.i += int(l)
			end = max(end, off+uint32(l))
		}
		if body.err != nil {
			return nil, body.err
		}
	}
	mem := make([]byte, end+64)
	for _, s := range segs {
		copy(mem[s.off:], s.data)
	}
	return mem, nil
}

type wasmReader struct {
	b   []byte
	i   int
	err error
}

func (r *wasmReader) byte() byte {
	if r.i >= len(r.b) {
		r.err = errors.New("rnnoise: truncated WebAssembly module")
		return 0
	}
	c := r.b[r.i]
	r.i++
	return c
}

func (r *wasmReader) uleb() uint64 {
	var v uint64
	for s := 0; s < 64; s += 7 {
		c := r.byte()
		v |= uint64(c&0x7f) << s
		if c < 0x80 {
			return v
		}
	}
	return v
}

func (r *wasmReader) sleb() int64 {
	var v int64
	s := 0
	for s < 64 {
		c := r.byte()
		v |= int64(c&0x7f) << s
		s += 7
		if c < 0x80 {
			if s < 64 && c&0x40 != 0 {
				v |= -1 << s
			}
			return v
		}
	}
	return v
}

// parseNetwork finds RNNoise's model in a module's initial memory: the
// struct RNNModel {24, &input_dense, 24, &vad_gru, 48, &noise_gru, 96,
// &denoise_gru, 22, &denoise_output, 1, &vad_output} (32-bit ints and
// pointers), the layer structs it points at ({bias, input_weights,
// [recurrent_weights,] nb_inputs, nb_neurons, activation}) and their int8
// weights, and the 201-entry tanh table (tanh(0.04·i)).
func parseNetwork(mem []byte) (*network, error) {
	u32 := func(a uint32) (uint32, bool) {
		if uint64(a)+4 > uint64(len(mem)) {
			return 0, false
		}
		return binary.LittleEndian.Uint32(mem[a:]), true
	}
	sizes := [6]uint32{24, 24, 48, 96, 22, 1}
	var model uint32
	found := false
	for a := uint32(0); uint64(a)+48 <= uint64(len(mem)) && !found; a += 4 {
		ok := true
		for k, s := range sizes {
			v, _ := u32(a + 8*uint32(k))
			p, _ := u32(a + 8*uint32(k) + 4)
			if v != s || p == 0 || uint64(p)+24 > uint64(len(mem)) {
				ok = false
				break
			}
		}
		if ok {
			model, found = a, true
		}
	}
	if !found {
		return nil, ErrModel
	}
	ptr := func(k int) uint32 { p, _ := u32(model + 8*uint32(k) + 4); return p }
	var net network
	var err error
	if net.inputDense, err = readDense(mem, ptr(0), 42, 24, actTanh); err != nil {
		return nil, err
	}
	if net.vadGRU, err = readGRU(mem, ptr(1), 24, 24); err != nil {
		return nil, err
	}
	if net.noiseGRU, err = readGRU(mem, ptr(2), 90, 48); err != nil {
		return nil, err
	}
	if net.denoiseGRU, err = readGRU(mem, ptr(3), 114, 96); err != nil {
		return nil, err
	}
	if net.denoiseOut, err = readDense(mem, ptr(4), 96, 22, actSigmoid); err != nil {
		return nil, err
	}
	if net.vadOut, err = readDense(mem, ptr(5), 24, 1, actSigmoid); err != nil {
		return nil, err
	}
	if err := findTansig(mem, &net.tanhTable); err != nil {
		return nil, err
	}
	return &net, nil
}

func int8s(mem []byte, at uint32, n int) ([]int8, error) {
	if uint64(at)+uint64(n) > uint64(len(mem)) {
		return nil, fmt.Errorf("%w: weights at %d+%d outside the data", ErrModel, at, n)
	}
	out := make([]int8, n)
	for i := range out {
		out[i] = int8(mem[int(at)+i])
	}
	return out, nil
}

func layerHeader(mem []byte, at uint32, words int) []uint32 {
	h := make([]uint32, words)
	for i := range h {
		h[i] = binary.LittleEndian.Uint32(mem[int(at)+4*i:])
	}
	return h
}

func readDense(mem []byte, at uint32, in, out int, act activation) (dense, error) {
	h := layerHeader(mem, at, 5)
	if int(h[2]) != in || int(h[3]) != out || activation(h[4]) != act {
		return dense{}, fmt.Errorf("%w: dense layer at %d is %d→%d act %d, want %d→%d act %d", ErrModel, at, h[2], h[3], h[4], in, out, act)
	}
	b, err := int8s(mem, h[0], out)
	if err != nil {
		return dense{}, err
	}
	w, err := int8s(mem, h[1], in*out)
	if err != nil {
		return dense{}, err
	}
	d := dense{in: in, out: out, act: act}
	d.m = newMatrix(out, in,
		func(i int) float32 { return float32(b[i]) * weightScale },
		func(i, j int) float32 { return float32(w[j*out+i]) * weightScale })
	return d, nil
}

func readGRU(mem []byte, at uint32, in, n int) (gru, error) {
	h := layerHeader(mem, at, 6)
	if int(h[3]) != in || int(h[4]) != n || activation(h[5]) != actReLU {
		return gru{}, fmt.Errorf("%w: GRU layer at %d is %d→%d act %d, want %d→%d ReLU", ErrModel, at, h[3], h[4], h[5], in, n)
	}
	b, err := int8s(mem, h[0], 3*n)
	if err != nil {
		return gru{}, err
	}
	w, err := int8s(mem, h[1], 3*n*in)
	if err != nil {
		return gru{}, err
	}
	rw, err := int8s(mem, h[2], 3*n*n)
	if err != nil {
		return gru{}, err
	}
	stride := 3 * n
	gate := func(first int) (func(int) float32, func(int, int) float32) {
		bias := func(i int) float32 { return float32(b[first+i]) * weightScale }
		at := func(i, j int) float32 { // k = gate·n + neuron
			k := first + i
			if j < in {
				return float32(w[j*stride+k]) * weightScale
			}
			return float32(rw[(j-in)*stride+k]) * weightScale
		}
		return bias, at
	}
	g := gru{in: in, n: n, act: actReLU}
	zb, zw := gate(0)
	hb, hw := gate(2 * n)
	g.zr = newMatrix(2*n, in+n, zb, zw)
	g.h = newMatrix(n, in+n, hb, hw)
	return g, nil
}

// findTansig finds the tanh table: 201 float32 values tanh(0.04·i) (as the
// C source prints them, to a few digits) starting with 0.
func findTansig(mem []byte, t *[201]float32) error {
	want := func(i int) float32 { return float32(math.Tanh(0.04 * float64(i))) }
	for a := 0; a+4*201 <= len(mem); a += 4 {
		ok := true
		for _, i := range []int{0, 1, 2, 100, 200} {
			v := math.Float32frombits(binary.LittleEndian.Uint32(mem[a+4*i:]))
			if math.Abs(float64(v-want(i))) > 2e-6 {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		for i := range t {
			t[i] = math.Float32frombits(binary.LittleEndian.Uint32(mem[a+4*i:]))
			if math.Abs(float64(t[i]-want(i))) > 2e-6 {
				return fmt.Errorf("%w: tanh table entry %d is %g", ErrModel, i, t[i])
			}
		}
		return nil
	}
	return fmt.Errorf("%w: no tanh table", ErrModel)
}
