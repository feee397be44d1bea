// Package fft is the suppressors' FFT: a mixed-radix complex transform
// and a real transform built on it.
package fft

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/meet-dev/meet/audio/denoise/internal/vec"
)

// FFT is a mixed-radix (4, 2, 3, 5 and generic) complex FFT of a fixed size,
// decimation in time, with precomputed twiddles. It never allocates after
// construction. The structure follows the classic recursive scheme: the
// input is split into p interleaved sub-sequences of length m = n/p, each is
// transformed, and a radix-p butterfly combines them.
type FFT struct {
	n       int
	factors []int       // pairs (p, m): radix and remaining length
	tw      []complex64 // exp(-2πik/n), k < n
	scratch []complex64 // generic-radix butterfly scratch, len = largest odd radix
	sse4    [][]float32 // per stage: bfly2/3/4SSE's twiddles where they run (radix 2-4, m ≥ 2)
	avx4    [][]float32 // per stage: bfly4AVX's twiddles where it runs (radix 4, m ≥ 4, AVX)

	// The recursion of work, unrolled once at New: every leaf (in order
	// of its output), then every butterfly, deepest stage first. Each
	// butterfly needs only the blocks below it, which are all done by
	// then, so the operations and their operands are the recursion's.
	leaves []leafCall
	bflys  []bflyCall
	runs   []stageRun // bflys by stage, for Forward

	// leaf5: when every leaf is radix 5 and they pair up side by side
	// (outputs adjacent, one stride), Forward runs them all in one
	// leaf5RunSSE call: per pair the byte offsets of the output and of
	// the two leaves' first inputs.
	leaf5 []int
}

// stageRun is one stage of bflys for Forward: calls block by block, or,
// for a radix-2 or -3 stage with m ≥ 2 on SSE2, the even parts of every
// block in one bfly2StageSSE or bfly3StageSSE call and each block's odd
// last butterfly (m odd) in Go, as f.bfly does them (the Go code's NaN
// signs, which the SSE2 body does not follow, stay where they were).
type stageRun struct {
	calls []bflyCall // block by block (nil for a whole-stage call)

	p, o, m, blocks, fstride int
	tw                       []float32
	epi                      float32
}

// leafCall is one innermost block of the recursion: p inputs from in[i]
// at stride fstride to out[o:o+p] (by leaf, leaf5x2SSE, or a copy that a
// butterfly then combines).
type leafCall struct{ o, i, fstride, p int }

// bflyCall is one radix-p butterfly pass over out[o:o+p·m].
type bflyCall struct{ o, fstride, m, p, stage int }

func New(n int) (*FFT, error) {
	if n < 1 {
		return nil, fmt.Errorf("fft: fft size %d must be positive", n)
	}
	f := &FFT{n: n, tw: make([]complex64, n)}
	for k := range n {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
		f.tw[k] = complex(float32(c), float32(s))
	}
	// Factor n: radix 4 first, then 2, then odd numbers.
	p, rest := 4, n
	root := int(math.Floor(math.Sqrt(float64(n))))
	maxGeneric := 0
	for rest > 1 {
		for rest%p != 0 {
			switch p {
			case 4:
				p = 2
			case 2:
				p = 3
			default:
				p += 2
			}
			if p > root {
				p = rest
			}
		}
		rest /= p
		f.factors = append(f.factors, p, rest)
		if p > 5 && p > maxGeneric {
			maxGeneric = p
		}
	}
	f.scratch = make([]complex64, maxGeneric)
	fstride := 1
	for k := 0; k < len(f.factors); k += 2 {
		p, m := f.factors[k], f.factors[k+1]
		var t, t4 []float32
		if hasSSE4 && p >= 2 && p <= 4 && m >= 2 {
			t = f.laneTwiddles(p, m, fstride, 2)
		}
		if hasAVX4 && p == 4 && m >= 4 {
			t4 = f.laneTwiddles(p, m, fstride, 4)
		}
		f.sse4 = append(f.sse4, t)
		f.avx4 = append(f.avx4, t4)
		fstride *= p
	}
	if n > 1 {
		var stages [][]bflyCall
		f.plan(0, 0, 1, f.factors, &stages)
		for k := len(stages) - 1; k >= 0; k-- {
			f.bflys = append(f.bflys, stages[k]...)
			f.runs = append(f.runs, f.stageRun(stages[k]))
		}
		f.leaf5 = f.leaf5Pairs()
	}
	return f, nil
}

// laneTwiddles is the twiddle table of a vector butterfly kernel that
// takes lanes butterflies (u .. u+lanes−1) a step in a radix-p stage:
// per step, for k = 1 .. p−1, the lanes' twiddles exp(−2πi·k·u·fstride/n)
// as spread lays them out.
func (f *FFT) laneTwiddles(p, m, fstride, lanes int) []float32 {
	var t []float32
	ws := make([]complex64, lanes)
	for u := 0; u+lanes <= m; u += lanes {
		for q := 1; q < p; q++ {
			for j := range ws {
				ws[j] = f.tw[q*(u+j)*fstride]
			}
			t = spread(t, 1, ws...)
		}
	}
	return t
}

// spread appends to t the layout the vector kernels read for the values
// ws, side by side in a register's complex lanes: each real part twice,
// then each imaginary part times sign twice.
func spread(t []float32, sign float32, ws ...complex64) []float32 {
	for _, w := range ws {
		t = append(t, real(w), real(w))
	}
	for _, w := range ws {
		t = append(t, sign*imag(w), sign*imag(w))
	}
	return t
}

// leaf5Pairs is f.leaf5, or nil when the leaves do not all pair up.
func (f *FFT) leaf5Pairs() []int {
	ls := f.leaves
	if !hasSSE4 || len(ls) == 0 || len(ls)%2 != 0 {
		return nil
	}
	var idx []int
	for k := 0; k < len(ls); k += 2 {
		a, b := ls[k], ls[k+1]
		if a.p != 5 || b.p != 5 || b.o != a.o+5 || a.fstride != ls[0].fstride || b.fstride != a.fstride {
			return nil
		}
		idx = append(idx, 8*a.o, 8*a.i, 8*b.i)
	}
	return idx
}

// stageRun makes the Forward step of one stage's butterflies bs (all of
// one radix, m and fstride, tiling out from bs[0].o upward).
func (f *FFT) stageRun(bs []bflyCall) stageRun {
	b := bs[0]
	tiled := true
	for i, c := range bs {
		tiled = tiled && c.o == b.o+i*b.p*b.m
	}
	if !hasSSE4 || (b.p != 2 && b.p != 3) || b.m < 2 || !tiled {
		return stageRun{calls: bs}
	}
	r := stageRun{p: b.p, o: b.o, m: b.m, blocks: len(bs), fstride: b.fstride, tw: f.sse4[b.stage]}
	if b.p == 3 {
		r.epi = imag(f.tw[b.fstride*b.m])
	}
	return r
}

// plan records what work(out, o, in, i, fstride, factors) does, in its
// order: the leaves in f.leaves, the butterflies per stage.
func (f *FFT) plan(o, i, fstride int, factors []int, stages *[][]bflyCall) {
	p, m := factors[0], factors[1]
	stage := (len(f.factors) - len(factors)) / 2
	if m == 1 {
		f.leaves = append(f.leaves, leafCall{o, i, fstride, p})
		if p == 4 || p == 5 {
			return // leaf does the butterfly too
		}
	} else {
		for j := o; j < o+p*m; j += m {
			f.plan(j, i, fstride*p, factors[2:], stages)
			i += fstride
		}
	}
	for len(*stages) <= stage {
		*stages = append(*stages, nil)
	}
	(*stages)[stage] = append((*stages)[stage], bflyCall{o, fstride, m, p, stage})
}

// Forward computes out = DFT(in). out and in must not overlap and both have
// length n.
func (f *FFT) Forward(out, in []complex64) {
	if f.n == 1 {
		out[0] = in[0]
		return
	}
	_ = out[f.n-1]
	_ = in[f.n-1]
	ls := f.leaves
	if idx := f.leaf5; idx != nil {
		cs := ls[0].fstride
		leaf5RunSSE(&out[0], &in[0], &idx[0], len(idx)/3, 8*cs, f.tw[cs], f.tw[2*cs])
		ls = nil
	}
	for len(ls) > 0 {
		l := ls[0]
		if l.p == 5 && hasSSE4 && len(ls) > 1 && ls[1].o == l.o+5 && ls[1].p == 5 && ls[1].fstride == l.fstride {
			// Two radix-5 leaves side by side (their outputs adjacent).
			cs := l.fstride
			leaf5x2SSE(&out[l.o], &in[0], l.i, ls[1].i, 8*cs, f.tw[cs], f.tw[2*cs])
			ls = ls[2:]
			continue
		}
		if l.p == 4 || l.p == 5 {
			f.leaf(out[l.o:l.o+l.p], in, l.i, l.fstride)
		} else {
			i := l.i
			for j := l.o; j < l.o+l.p; j++ {
				out[j] = in[i]
				i += l.fstride
			}
		}
		ls = ls[1:]
	}
	for i := range f.runs {
		r := &f.runs[i]
		switch {
		case r.calls != nil:
			for _, b := range r.calls {
				f.bfly(out, b.o, b.fstride, b.m, b.p, b.stage)
			}
		case r.p == 2:
			bfly2StageSSE(&out[r.o], &r.tw[0], r.m, r.blocks)
			if r.m%2 == 1 {
				f.bfly2Blocks(out[r.o:r.o+r.blocks*2*r.m], r.fstride, r.m, r.m-1)
			}
		default:
			bfly3StageSSE(&out[r.o], &r.tw[0], r.m, r.blocks, r.epi)
			if r.m%2 == 1 {
				f.bfly3Blocks(out[r.o:r.o+r.blocks*3*r.m], r.fstride, r.m, r.m-1)
			}
		}
	}
}

// bfly runs the radix-p butterflies of one block, out[o:o+p·m] (by SSE2
// where bfly2/3/4SSE can, the rest in Go), as work does after the block's
// sub-blocks.
func (f *FFT) bfly(out []complex64, o, fstride, m, p, stage int) {
	end := o + p*m
	from := 0 // the butterflies before from ran in SSE2
	if t := f.sse4[stage]; t != nil {
		_ = out[end-1]
		switch p {
		case 2:
			bfly2SSE(&out[o], &t[0], m)
		case 3:
			bfly3SSE(&out[o], &t[0], m, imag(f.tw[fstride*m]))
		case 4:
			if t4 := f.avx4[stage]; t4 != nil {
				q := m >> 2
				bfly4AVX(&out[o], &t4[0], m, q)
				if m-4*q >= 2 {
					bfly4SSE(&out[o+4*q], &t[2*q*24], m, 1)
				}
			} else {
				bfly4SSE(&out[o], &t[0], m, m>>1)
			}
		}
		from = m &^ 1
	}
	switch p {
	case 2:
		f.bfly2(out[o:end], fstride, m, from)
	case 3:
		f.bfly3(out[o:end], fstride, m, from)
	case 4:
		f.bfly4(out[o:end], fstride, m, from)
	case 5:
		f.bfly5(out[o:end], fstride, m)
	default:
		f.bflyGeneric(out[o:end], fstride, m, p)
	}
}

// leaf is the innermost pass for radix 4 or 5 (len(x) = p, m = 1): it
// reads its p inputs straight from in (no copy pass first) and leaves out
// the twiddle products, whose factors are all exp(0) = 1 here (x·1 is x;
// at most the sign of a zero differs), so the values are those of the
// copy and bfly4 or bfly5.
func (f *FFT) leaf(x, in []complex64, i, fstride int) {
	if len(x) == 4 {
		x0, s0, x2, s2 := in[i], in[i+fstride], in[i+2*fstride], in[i+3*fstride]
		s5 := x0 - x2
		a := x0 + x2
		s3 := s0 + s2
		s4 := s0 - s2
		x[2] = a - s3
		x[0] = a + s3
		x[1] = complex(real(s5)+imag(s4), imag(s5)-real(s4))
		x[3] = complex(real(s5)-imag(s4), imag(s5)+real(s4))
		return
	}
	// Radix 5, with bfly5's constants exp(-2πi/5), exp(-4πi/5) (m = 1).
	x = x[:5]
	s0, s1, s2, s3, s4 := in[i], in[i+fstride], in[i+2*fstride], in[i+3*fstride], in[i+4*fstride]
	ya, yb := f.tw[fstride], f.tw[2*fstride]
	yar, yai, ybr, ybi := real(ya), imag(ya), real(yb), imag(yb)
	s7 := s1 + s4
	s10 := s1 - s4
	s8 := s2 + s3
	s9 := s2 - s3
	x[0] = s0 + s7 + s8
	s5 := complex(real(s0)+real(s7)*yar+real(s8)*ybr, imag(s0)+imag(s7)*yar+imag(s8)*ybr)
	s6 := complex(imag(s10)*yai+imag(s9)*ybi, -(real(s10)*yai + real(s9)*ybi))
	x[1] = s5 - s6
	x[4] = s5 + s6
	s11 := complex(real(s0)+real(s7)*ybr+real(s8)*yar, imag(s0)+imag(s7)*ybr+imag(s8)*yar)
	s12 := complex(-imag(s10)*ybi+imag(s9)*yai, real(s10)*ybi-real(s9)*yai)
	x[2] = s11 + s12
	x[3] = s11 - s12
}

func (f *FFT) bfly2(x []complex64, fstride, m, from int) { f.bfly2Blocks(x, fstride, m, from) }

// bfly2Blocks is bfly2 from u = from on for every block of 2m bins in x.
func (f *FFT) bfly2Blocks(x []complex64, fstride, m, from int) {
	for ; len(x) >= 2*m; x = x[2*m:] {
		for u := from; u < m; u++ {
			t := cmul(x[u+m], f.tw[u*fstride])
			x[u+m] = x[u] - t
			x[u] += t
		}
	}
}

func (f *FFT) bfly3(x []complex64, fstride, m, from int) { f.bfly3Blocks(x, fstride, m, from) }

// bfly3Blocks is bfly3 from u = from on for every block of 3m bins in x.
func (f *FFT) bfly3Blocks(x []complex64, fstride, m, from int) {
	epi := imag(f.tw[fstride*m])
	for ; len(x) >= 3*m; x = x[3*m:] {
		for u := from; u < m; u++ {
			s1 := cmul(x[u+m], f.tw[u*fstride])
			s2 := cmul(x[u+2*m], f.tw[2*u*fstride])
			s3 := s1 + s2
			s0 := s1 - s2
			a := x[u] - complex(0.5*real(s3), 0.5*imag(s3))
			s0 = complex(real(s0)*epi, imag(s0)*epi)
			x[u] += s3
			x[u+2*m] = complex(real(a)+imag(s0), imag(a)-real(s0))
			x[u+m] = complex(real(a)-imag(s0), imag(a)+real(s0))
		}
	}
}

func (f *FFT) bfly4(x []complex64, fstride, m, from int) {
	for u := from; u < m; u++ {
		s0 := cmul(x[u+m], f.tw[u*fstride])
		s1 := cmul(x[u+2*m], f.tw[2*u*fstride])
		s2 := cmul(x[u+3*m], f.tw[3*u*fstride])
		s5 := x[u] - s1
		a := x[u] + s1
		s3 := s0 + s2
		s4 := s0 - s2
		x[u+2*m] = a - s3
		x[u] = a + s3
		x[u+m] = complex(real(s5)+imag(s4), imag(s5)-real(s4))
		x[u+3*m] = complex(real(s5)-imag(s4), imag(s5)+real(s4))
	}
}

func (f *FFT) bfly5(x []complex64, fstride, m int) {
	ya := f.tw[fstride*m]
	yb := f.tw[2*fstride*m]
	yar, yai, ybr, ybi := real(ya), imag(ya), real(yb), imag(yb)
	for u := range m {
		s0 := x[u]
		s1 := cmul(x[u+m], f.tw[u*fstride])
		s2 := cmul(x[u+2*m], f.tw[2*u*fstride])
		s3 := cmul(x[u+3*m], f.tw[3*u*fstride])
		s4 := cmul(x[u+4*m], f.tw[4*u*fstride])
		s7 := s1 + s4
		s10 := s1 - s4
		s8 := s2 + s3
		s9 := s2 - s3
		x[u] = s0 + s7 + s8
		s5 := complex(real(s0)+real(s7)*yar+real(s8)*ybr, imag(s0)+imag(s7)*yar+imag(s8)*ybr)
		s6 := complex(imag(s10)*yai+imag(s9)*ybi, -(real(s10)*yai + real(s9)*ybi))
		x[u+m] = s5 - s6
		x[u+4*m] = s5 + s6
		s11 := complex(real(s0)+real(s7)*ybr+real(s8)*yar, imag(s0)+imag(s7)*ybr+imag(s8)*yar)
		s12 := complex(-imag(s10)*ybi+imag(s9)*yai, real(s10)*ybi-real(s9)*yai)
		x[u+2*m] = s11 + s12
		x[u+3*m] = s11 - s12
	}
}

func (f *FFT) bflyGeneric(x []complex64, fstride, m, p int) {
	s := f.scratch[:p]
	for u := range m {
		for q := range p {
			s[q] = x[u+q*m]
		}
		for q := range p {
			k := u + q*m
			acc := s[0]
			twidx := 0
			for j := 1; j < p; j++ {
				twidx += fstride * k
				if twidx >= f.n {
					twidx -= f.n
				}
				acc += cmul(s[j], f.tw[twidx])
			}
			x[k] = acc
		}
	}
}

// Real transforms real frames of even length n through a complex FFT of
// n/2 points (the usual even/odd packing).
type Real struct {
	n    int
	half *FFT
	w    []complex64 // exp(-2πik/n), k <= n/2
	Z    []complex64

	post, pre []float32 // w for realPostSSE (k from 1) and conj(w) for realPreSSE (k from 0), in pairs

	// The same four bins a quad for realPostAVX and realPreAVX, where the
	// CPU has AVX, over the first bins the pairs cover.
	post4, pre4 []float32
}

func NewReal(n int) (*Real, error) {
	if n < 2 || n%2 != 0 {
		return nil, fmt.Errorf("fft: real fft size %d must be even", n)
	}
	h, err := New(n / 2)
	if err != nil {
		return nil, err
	}
	r := &Real{n: n, half: h, w: make([]complex64, n/2+1), Z: make([]complex64, n/2)}
	for k := range r.w {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
		r.w[k] = complex(float32(c), float32(s))
	}
	if hasSSE4 {
		m := n / 2
		for k := 1; k+1 < m; k += 2 {
			r.post = spread(r.post, 1, r.w[k:k+2]...)
		}
		for k := 0; k+1 < m; k += 2 {
			r.pre = spread(r.pre, -1, r.w[k:k+2]...)
		}
		if hasAVX4 {
			for k := 1; k+3 <= 2*(len(r.post)/8); k += 4 {
				r.post4 = spread(r.post4, 1, r.w[k:k+4]...)
			}
			for k := 0; k+3 < 2*(len(r.pre)/8); k += 4 {
				r.pre4 = spread(r.pre4, -1, r.w[k:k+4]...)
			}
		}
	}
	return r, nil
}

// Forward writes the n/2+1 non-negative-frequency bins of DFT(x) to X.
func (r *Real) Forward(X []complex64, x []float32) {
	m := r.n / 2
	// The even/odd packing z[i] = x[2i] + i·x[2i+1] is x's own memory
	// read as complex64 (two float32s, real first), so no copy.
	_ = x[r.n-1]
	r.half.Forward(r.Z, unsafe.Slice((*complex64)(unsafe.Pointer(&x[0])), m))
	Z := r.Z
	X[0] = complex(real(Z[0])+imag(Z[0]), 0)
	X[m] = complex(real(Z[0])-imag(Z[0]), 0)
	k := 1
	pairs := len(r.post) / 8
	if q := len(r.post4) / 16; q > 0 {
		realPostAVX(&X[0], &Z[0], &r.post4[0], m, q)
		k += 4 * q
		pairs -= 2 * q
	}
	if pairs > 0 {
		// Bins k on: X and Z from k−1 (the kernel starts at their
		// second bin), and an m for which Z[m−k] is where it was.
		realPostSSE(&X[k-1], &Z[k-1], &r.post[(k-1)/2*8], m-2*(k-1), pairs)
		k += 2 * pairs
	}
	for ; k < m; k++ {
		a := Z[k]
		b := Z[m-k]
		bc := complex(real(b), -imag(b))
		e := half(a + bc)
		d := half(a - bc)
		o := complex(imag(d), -real(d)) // d / i
		X[k] = e + cmul(r.w[k], o)
	}
}

// Inverse writes x = IDFT(X) (scaled by 1/n) from the n/2+1 bins X.
func (r *Real) Inverse(x []float32, X []complex64) {
	m := r.n / 2
	_ = X[m]
	k := 0
	pairs := len(r.pre) / 8
	if q := len(r.pre4) / 16; q > 0 {
		realPreAVX(&r.Z[0], &X[0], &r.pre4[0], m, q)
		k += 4 * q
		pairs -= 2 * q
	}
	if pairs > 0 {
		realPreSSE(&r.Z[k], &X[k], &r.pre[k/2*8], m-2*k, pairs) // X[m−k] where it was
		k += 2 * pairs
	}
	for ; k < m; k++ {
		a := X[k]
		b := X[m-k]
		bc := complex(real(b), -imag(b))
		e := half(a + bc)
		wc := complex(real(r.w[k]), -imag(r.w[k]))
		o := cmul(half(a-bc), wc)
		zk := e + complex(-imag(o), real(o))  // e + i·o
		r.Z[k] = complex(real(zk), -imag(zk)) // conjugate for the inverse
	}
	// x read as complex64 (see Forward) takes the transform, then is
	// scaled in place: x[2i] = Re·s, x[2i+1] = −Im·s.
	_ = x[r.n-1]
	z := unsafe.Slice((*complex64)(unsafe.Pointer(&x[0])), m)
	r.half.Forward(z, r.Z)
	vec.ConjScale(z, 1/float32(m))
}

// cmul multiplies in float32 (Go's complex64 product widens to float64).
func cmul(a, b complex64) complex64 {
	ar, ai, br, bi := real(a), imag(a), real(b), imag(b)
	return complex(ar*br-ai*bi, ar*bi+ai*br)
}

// half scales by 0.5 in float32.
func half(a complex64) complex64 { return complex(0.5*real(a), 0.5*imag(a)) }
