package rnnoise

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
	sign := float32(1)
	if x < 0 {
		x, sign = -x, -1
	}
	i := int(.5 + 25*x) // x ≥ 0 here, so truncation is floor
	x -= .04 * float32(i)
	y := net.tanhTable[i]
	dy := 1 - y*y
	y += x * dy * (1 - y*x)
	return sign * y
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

// dot is acc + Σ a[j]·b[j]. It sums in four interleaved partial sums (a
// float add waits on the previous one; four independent chains keep the
// multiplier busy), so it rounds differently from an in-order sum by a few
// ulp.
func dot(acc float32, a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		x, y := a[i:i+4:i+4], b[i:i+4:i+4]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return acc + ((s0 + s1) + (s2 + s3))
}

func (net *network) dense(l *dense, out, in []float32) {
	in = in[:l.in]
	for i := range l.out {
		out[i] = net.activate(l.act, dot(l.bias[i], l.w[i*l.in:(i+1)*l.in], in))
	}
}

// gru steps layer l: state holds its n outputs, in its inputs; z, r and h
// are scratch of n each.
func (net *network) gru(l *gru, state, in, z, r, h []float32) {
	n, m := l.n, l.in
	in = in[:m]
	for i := range n { // update gate
		s := dot(l.bias[i], l.w[i*m:(i+1)*m], in)
		z[i] = net.sigmoid(dot(s, l.rw[i*n:(i+1)*n], state))
	}
	for i := range n { // reset gate
		k := n + i
		s := dot(l.bias[k], l.w[k*m:(k+1)*m], in)
		r[i] = net.sigmoid(dot(s, l.rw[k*n:(k+1)*n], state))
	}
	rs := h[:n] // reset state, then reused for the output
	for j := range n {
		rs[j] = state[j] * r[j]
	}
	for i := range n { // candidate output
		k := 2*n + i
		s := dot(l.bias[k], l.w[k*m:(k+1)*m], in)
		s = dot(s, l.rw[k*n:(k+1)*n], rs)
		r[i] = z[i]*state[i] + (1-z[i])*net.activate(l.act, s)
	}
	copy(state, r[:n])
}

// rnnState is the network's memory between frames, with scratch.
type rnnState struct {
	vad     [24]float32
	noise   [48]float32
	denoise [96]float32

	dense     [24]float32
	noiseIn   [90]float32
	denoiseIn [114]float32
	z, r, h   [96]float32
	vadOut    [1]float32
}

// run computes the 22 band gains and the voice activity probability from
// one frame's 42 features.
func (net *network) run(st *rnnState, gains []float32, features []float32) (vad float32) {
	net.dense(&net.inputDense, st.dense[:], features)
	net.gru(&net.vadGRU, st.vad[:], st.dense[:], st.z[:], st.r[:], st.h[:])
	net.dense(&net.vadOut, st.vadOut[:], st.vad[:])
	copy(st.noiseIn[:], st.dense[:])
	copy(st.noiseIn[24:], st.vad[:])
	copy(st.noiseIn[48:], features[:nbFeatures])
	net.gru(&net.noiseGRU, st.noise[:], st.noiseIn[:], st.z[:], st.r[:], st.h[:])
	copy(st.denoiseIn[:], st.vad[:])
	copy(st.denoiseIn[24:], st.noise[:])
	copy(st.denoiseIn[72:], features[:nbFeatures])
	net.gru(&net.denoiseGRU, st.denoise[:], st.denoiseIn[:], st.z[:], st.r[:], st.h[:])
	net.dense(&net.denoiseOut, gains, st.denoise[:])
	return st.vadOut[0]
}
