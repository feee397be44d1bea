// Package cputime reads the CPU time of the calling OS thread, for
// benchmarks whose figures should not move with other load on the machine
// (wall-clock time does).
package cputime

import (
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// Thread returns the CPU time the calling OS thread has used (Linux
// CLOCK_THREAD_CPUTIME_ID), 0 where the clock is unavailable. Callers lock
// their goroutine to its thread around a measurement.
func Thread() time.Duration {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	_, _, errno := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

// PerOp runs fn, a benchmark's loop, on one locked OS thread and reports
// that thread's CPU time per op as cpu-ns/op.
func PerOp(b *testing.B, fn func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := Thread()
	fn()
	if t0 > 0 && b.N > 0 {
		b.ReportMetric(float64(Thread()-t0)/float64(b.N), "cpu-ns/op")
	}
}
