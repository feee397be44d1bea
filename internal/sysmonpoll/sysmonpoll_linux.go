//go:build linux

package sysmonpoll

import (
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Start starts the running program again with the setting (see the
// package comment) and does not return, or returns when it is not to be or
// cannot be (the program runs on as it is). In the program started again
// it puts the caller's environment back and returns when the first one
// started (start otherwise). Only main calls it, first thing: nothing the
// process did before survives.
func Start(start time.Time) time.Time {
	if first, ok := undo(os.LookupEnv, func(k, v string) { os.Setenv(k, v) }, func(k string) { os.Unsetenv(k) }, start); ok {
		return first
	}
	boot, ok := sinceBoot()
	if !ok {
		return start
	}
	env, ok := restarted(os.Environ(), boot, start)
	if !ok {
		return start
	}
	_ = syscall.Exec("/proc/self/exe", os.Args, env) // returns only on failure
	return start
}

// ClockAllows reports whether the system's monotonic clock leaves Start
// room to set the setting (see the package comment).
func ClockAllows() bool {
	boot, ok := sinceBoot()
	return ok && !tooLate(boot)
}

// sinceBoot is the monotonic clock the runtime's trace period counts on.
func sinceBoot() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
