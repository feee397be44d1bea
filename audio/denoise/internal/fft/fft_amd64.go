package fft

import "golang.org/x/sys/cpu"

// bfly4SSE is bfly4 in SSE2 (every amd64 CPU), two butterflies a step
// (pairs steps from x on), lane by lane the same operations, so the same
// bits.
//
//go:noescape
func bfly4SSE(x *complex64, tw *float32, m, pairs int)

// bfly4AVX is bfly4SSE four butterflies a step (quads steps), each
// instruction's AVX form with the same operands: the same bits.
//
//go:noescape
func bfly4AVX(x *complex64, tw *float32, m, quads int)

// hasAVX4 says bfly4AVX may run (the CPU and the OS have AVX).
var hasAVX4 = cpu.X86.HasAVX

// hasSSE4 says bfly4SSE may stand in for bfly4.
const hasSSE4 = true

// realPostSSE and realPreSSE are Real.Forward's and Real.Inverse's
// per-bin loops in SSE2, two bins a step, each lane the same operations in
// the same order (so the same bits).
//
//go:noescape
func realPostSSE(X, Z *complex64, w *float32, m, pairs int)

//go:noescape
func realPreSSE(Z, X *complex64, wc *float32, m, pairs int)

// bfly2StageSSE and bfly3StageSSE are bfly2 and bfly3 in SSE2 for the
// even part of u < m, two butterflies a step, the same operations lane by
// lane, in each of blocks consecutive blocks of p·m bins (a whole stage in
// one call).
//
//go:noescape
func bfly2StageSSE(x *complex64, tw *float32, m, blocks int)

//go:noescape
func bfly3StageSSE(x *complex64, tw *float32, m, blocks int, epi float32)

// bfly2SSE and bfly3SSE are the stage kernels for one block.
func bfly2SSE(x *complex64, tw *float32, m int)              { bfly2StageSSE(x, tw, m, 1) }
func bfly3SSE(x *complex64, tw *float32, m int, epi float32) { bfly3StageSSE(x, tw, m, 1, epi) }

// leaf5RunSSE is two of leaf's radix-5 cases at a time in SSE2, the same
// operations lane by lane, pairs pairs: pair k writes out at byte offset
// idx[3k] (leaf A to out[0:5], leaf B to out[5:10]) from in at byte
// offsets idx[3k+1] (A) and idx[3k+2] (B), stride bytes between a leaf's
// inputs.
//
//go:noescape
func leaf5RunSSE(out, in *complex64, idx *int, pairs, stride int, ya, yb complex64)

// leaf5x2SSE is leaf5RunSSE for one pair: A from in[ia], B from in[ib].
func leaf5x2SSE(out, in *complex64, ia, ib, stride int, ya, yb complex64) {
	idx := [3]int{0, 8 * ia, 8 * ib}
	leaf5RunSSE(out, in, &idx[0], 1, stride, ya, yb)
}

// realPostAVX and realPreAVX are realPostSSE and realPreSSE four bins a
// step (quads steps), each instruction's AVX form with the same operands:
// the same bits. w: per quad the real parts of four twiddles each twice,
// then their imaginary parts (negated for realPreAVX) each twice.
//
//go:noescape
func realPostAVX(X, Z *complex64, w *float32, m, quads int)

//go:noescape
func realPreAVX(Z, X *complex64, wc *float32, m, quads int)
