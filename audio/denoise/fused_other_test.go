//go:build !amd64.v3

package denoise

// goFusesMulAdd: see fused_v3_test.go.
const goFusesMulAdd = false
