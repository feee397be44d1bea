// Package sysmonpoll keeps the Go runtime's sysmon thread polling every
// 10 ms while a softphone runs (the meet TUI, meet phone), instead of
// sleeping until the next timer between bursts of work, by starting the
// program again with GODEBUG=schedtrace set to its largest period (Linux
// only).
//
// The runtime's sysmon sleeps deeply whenever every P is idle, and the
// first system or cgo call of the next burst wakes it (on another CPU, when
// that one is idle: an inter-processor interrupt, which a virtual machine
// pays for dearly). meet phone in a call works in two short bursts every
// 20 ms (a microphone frame, a packet), so sysmon was woken from its deep
// sleep, slept a millisecond and went back to it about twice a frame:
// two thirds of the process's wake-ups. A positive schedtrace keeps sysmon
// out of that deep sleep (runtime/proc.go, sysmon); it then polls at its
// longest interval, 10 ms, which nothing has to wake it from. The trace
// itself is printed once per period, 2^31-1 ms (24.8 days) of the
// system's monotonic clock: Start leaves the setting off when that clock
// is within a week of it, so a trace line can only appear after a week of
// uninterrupted running. One more effect: a fatal panic prints the
// scheduler's state (every M, P and goroutine's status) before its stack
// traces (runtime/panic.go, startpanic_m). BenchmarkMeetPhoneCPU compares
// with and without in every run (BENCHMARKS.md).
//
// GODEBUG=schedtrace=0 (or any schedtrace the user sets) turns it off.
// The started program gets the caller's GODEBUG back in its environment
// (the runtime reads schedtrace once, at start), so programs it runs do
// not inherit the setting.
package sysmonpoll

import (
	"strconv"
	"strings"
	"time"
)

// period is the schedtrace period set, in ms: the largest the runtime
// takes (an int32).
const period = 1<<31 - 1

// Setting is what the program is started again with in GODEBUG.
var Setting = "schedtrace=" + strconv.Itoa(period)

// margin is how long the program must be able to run before a trace line
// could be printed (see the package comment).
const margin = 7 * 24 * time.Hour

// envWas carries the caller's GODEBUG (possibly empty) into the program
// started again, and marks it as such; envStart carries when the first
// one started (Unix ns).
const (
	envWas   = "MEET_SYSMON_GODEBUG_WAS"
	envStart = "MEET_SYSMON_START_NS"
)

// restarted returns the environment for the program started again with
// the setting, or false when it is not to be: already started so, the
// user set schedtrace, or the monotonic clock (since boot) too close to
// the trace period.
func restarted(environ []string, sinceBoot time.Duration, start time.Time) ([]string, bool) {
	godebug := ""
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case envWas:
			return nil, false
		case "GODEBUG":
			godebug = v
		}
	}
	for f := range strings.SplitSeq(godebug, ",") {
		if strings.HasPrefix(strings.TrimSpace(f), "schedtrace=") {
			return nil, false
		}
	}
	if tooLate(sinceBoot) {
		return nil, false
	}
	next := make([]string, 0, len(environ)+3)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "GODEBUG=") {
			next = append(next, kv)
		}
	}
	setting := Setting
	if godebug != "" {
		setting = godebug + "," + setting
	}
	return append(next, "GODEBUG="+setting, envWas+"="+godebug,
		envStart+"="+strconv.FormatInt(start.UnixNano(), 10)), true
}

// tooLate reports whether a monotonic clock at sinceBoot (since boot) is
// within margin of the trace period.
func tooLate(sinceBoot time.Duration) bool { return sinceBoot+margin >= period*time.Millisecond }

// undo is what the started program does to its environment: the caller's
// GODEBUG back (unset when it had none), the markers gone. It returns when
// the first program started (start when that was not passed on), or false
// when this one was not started again.
func undo(getenv func(string) (string, bool), setenv func(k, v string), unsetenv func(string), start time.Time) (time.Time, bool) {
	was, ok := getenv(envWas)
	if !ok {
		return time.Time{}, false
	}
	if was == "" {
		unsetenv("GODEBUG")
	} else {
		setenv("GODEBUG", was)
	}
	unsetenv(envWas)
	ns, _ := getenv(envStart)
	unsetenv(envStart)
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		return start, true
	}
	return time.Unix(0, n), true
}
