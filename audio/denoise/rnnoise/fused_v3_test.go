//go:build amd64.v3

package rnnoise

// goFusesMulAdd: built with GOAMD64=v3 the compiler fuses x*y + z into one
// FMA, so the Go code no longer rounds each product as the SSE/AVX kernels
// (and the default GOAMD64=v1 build) do, and the same-bits tests, which
// hold the kernels to the v1 Go code, do not apply.
const goFusesMulAdd = true
