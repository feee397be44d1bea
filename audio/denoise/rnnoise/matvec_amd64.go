package rnnoise

// matVecSSE is matVecGeneric for one block of rowBlock neurons: out and
// bias hold 16 values, w cols×16, x cols. SSE2 (every amd64 CPU): four
// neurons a register, multiplied and added lane by lane, so each neuron
// rounds exactly as matVecGeneric's scalar sum does.
//
//go:noescape
func matVecSSE(out, bias, w, x *float32, cols int)

// matVec is matVecGeneric by SSE2, one block of neurons at a time.
func matVec(out []float32, m *matrix, x []float32) {
	const k = rowBlock
	x = x[:m.cols]
	if len(x) == 0 {
		matVecGeneric(out, m, x)
		return
	}
	stride := len(x) * k
	_ = out[len(m.bias)-1]
	_ = m.w[len(m.bias)/k*stride-1]
	for b := 0; b+k <= len(m.bias); b += k {
		matVecSSE(&out[b], &m.bias[b], &m.w[b/k*stride], &x[0], len(x))
	}
}
