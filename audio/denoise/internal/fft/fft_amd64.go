package fft

// bfly4SSE is bfly4 in SSE2 (every amd64 CPU), two butterflies a step,
// lane by lane the same operations, so the same bits.
//
//go:noescape
func bfly4SSE(x *complex64, tw *float32, m int)

// hasSSE4 says bfly4SSE may stand in for bfly4.
const hasSSE4 = true
