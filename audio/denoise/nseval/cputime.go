package nseval

import (
	"syscall"
	"time"
	"unsafe"
)

// ThreadCPU returns the CPU time consumed by the calling OS thread (Linux
// CLOCK_THREAD_CPUTIME_ID), so speed figures are not skewed by other load on
// the machine. Callers lock their goroutine to the thread around a
// measurement. It returns 0 where the clock is unavailable.
func ThreadCPU() time.Duration {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	_, _, errno := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
