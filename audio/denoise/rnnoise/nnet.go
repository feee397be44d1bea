package rnnoise

import "math"

// The network's arithmetic, written from the RNNoise paper's description
// (a dense input layer and three GRUs, Fig. 3) and checked frame by frame
// against the WebAssembly build (TestNativeMatchesWASM). All float32, like
// the C code, so the two agree to rounding.

// tansig is tanh by the table and one correction step RNNoise uses.
func (net *network) tansig(x float32) float32 {
	// Written with negated tests so NaN gives 1, as the C code does.
	if !(x < 8) {
		return 1
	}
	if !(x > -8) {
		return -1
	}
	// On |x|, then x's sign put back by its bit (the same value as the C
	// code's multiplication by ±1, without a branch that speech makes
	// unpredictable).
	b := math.Float32bits(x)
	sign := b & (1 << 31)
	x = math.Float32frombits(b &^ (1 << 31))
	i := int(.5 + 25*x) // x ≥ 0 here, so truncation is floor
	x -= .04 * float32(i)
	y := net.tanhTable[i]
	dy := 1 - y*y
	y += x * dy * (1 - y*x)
	return math.Float32frombits(math.Float32bits(y) | sign)
}

func (net *network) sigmoid(x float32) float32 { return .5 + .5*net.tansig(.5*x) }

func (net *network) activate(a activation, x float32) float32 {
	switch a {
	case actTanh:
		return net.tansig(x)
	case actSigmoid:
		return net.sigmoid(x)
	}
	if x < 0 {
		return 0
	}
	return x
}

// matVecGeneric writes m's biases plus its weights times x to out
// (len(out) ≥ m.rows rounded up to rowBlock). Each neuron sums its
// products in input order, as the C code does, and rounds each product
// (no fused multiply-add), so every implementation of matVec (matVecSSE on
// amd64) gives the same bits. Four neurons at a time
// share each load of x and keep four independent sums in flight.
func matVecGeneric(out []float32, m *matrix, x []float32) {
	const k = rowBlock
	x = x[:m.cols]
	stride := len(x) * k
	for b := 0; b+k <= len(m.bias); b += k {
		blk := m.w[b/k*stride:][:stride]
		for q := 0; q < k; q += 4 {
			bias := m.bias[b+q : b+q+4 : b+q+4]
			s0, s1, s2, s3 := bias[0], bias[1], bias[2], bias[3]
			w := blk[q:]
			j := 0
			for ; j+2 <= len(x); j += 2 { // two inputs a step: half the loop overhead
				v, u := x[j], x[j+1]
				r := (*[k + 4]float32)(w)
				w = w[min(2*k, len(w)):]
				s0 += float32(r[0] * v)
				s1 += float32(r[1] * v)
				s2 += float32(r[2] * v)
				s3 += float32(r[3] * v)
				s0 += float32(r[k] * u)
				s1 += float32(r[k+1] * u)
				s2 += float32(r[k+2] * u)
				s3 += float32(r[k+3] * u)
			}
			for ; j < len(x); j++ {
				v := x[j]
				r := (*[4]float32)(w)
				w = w[min(k, len(w)):]
				s0 += float32(r[0] * v)
				s1 += float32(r[1] * v)
				s2 += float32(r[2] * v)
				s3 += float32(r[3] * v)
			}
			o := out[b+q : b+q+4 : b+q+4]
			o[0], o[1], o[2], o[3] = s0, s1, s2, s3
		}
	}
}

// dense runs layer l on in; out needs room for l.out rounded up to
// rowBlock.
func (net *network) dense(l *dense, out, in []float32) {
	matVec(out, &l.m, in)
	net.activateAll(l.act, out[:l.out])
}

// activateAll applies a to every x, by activateVec where it can (AVX2
// tansig eight at a time, the same bits), the rest one by one.
func (net *network) activateAll(a activation, x []float32) {
	for i := activateVec(net, a, x); i < len(x); i++ {
		x[i] = net.activate(a, x[i])
	}
}

// gru steps layer l: state holds its n outputs, in its inputs; x is
// scratch of in+n, zr of 2n and h of n.
func (net *network) gru(l *gru, state, in, x, zr, h []float32) {
	n, m := l.n, l.in
	x = x[:m+n]
	copy(x, in[:m])
	copy(x[m:], state[:n])
	matVec(zr, &l.zr, x)
	z, r := zr[:n], zr[n:2*n]
	net.activateAll(actSigmoid, zr[:2*n])
	rs := x[m:] // reset state
	for j := range rs {
		rs[j] = state[j] * r[j]
	}
	matVec(h, &l.h, x)
	for i := range state[:n] {
		state[i] = z[i]*state[i] + (1-z[i])*net.activate(l.act, h[i])
	}
}

// rnnState is the network's memory between frames, with scratch.
type rnnState struct {
	vad     [24]float32
	noise   [48]float32
	denoise [96]float32

	dense     [32]float32
	noiseIn   [90]float32
	denoiseIn [114]float32
	x         [114 + 96]float32
	zr        [2 * 96]float32 // 48, 96 and 192 are whole blocks
	h         [96]float32
	gains     [32]float32
	vadOut    [rowBlock]float32
}

// run computes the 22 band gains and the voice activity probability from
// one frame's 42 features.
func (net *network) run(st *rnnState, gains []float32, features []float32) (vad float32) {
	net.dense(&net.inputDense, st.dense[:], features)
	net.gru(&net.vadGRU, st.vad[:], st.dense[:], st.x[:], st.zr[:], st.h[:])
	net.dense(&net.vadOut, st.vadOut[:], st.vad[:])
	copy(st.noiseIn[:], st.dense[:24])
	copy(st.noiseIn[24:], st.vad[:])
	copy(st.noiseIn[48:], features[:nbFeatures])
	net.gru(&net.noiseGRU, st.noise[:], st.noiseIn[:], st.x[:], st.zr[:], st.h[:])
	copy(st.denoiseIn[:], st.vad[:])
	copy(st.denoiseIn[24:], st.noise[:])
	copy(st.denoiseIn[72:], features[:nbFeatures])
	net.gru(&net.denoiseGRU, st.denoise[:], st.denoiseIn[:], st.x[:], st.zr[:], st.h[:])
	net.dense(&net.denoiseOut, st.gains[:], st.denoise[:])
	copy(gains, st.gains[:nbBands])
	return st.vadOut[0]
}
