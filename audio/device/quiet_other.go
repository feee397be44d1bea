//go:build !linux

package device

func quietStderr(fn func() error) error { return fn() }
