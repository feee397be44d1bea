//go:build linux && cgo

package main

// The whole meet process sleeps with a timer slack of 1 ms instead of
// Linux's 50 µs. Go's sysmon thread polls every 20 µs (about 100 µs with
// the default slack) for as long as any goroutine runs after the process
// woke from idle, and meet phone wakes from idle several times every 20 ms
// (a microphone frame, a packet): in a call that polling was two thirds of
// the process's wake-ups and a quarter of its CPU (BenchmarkMeetPhoneCPU:
// perf, and the voluntary context switches of each thread). With 1 ms of
// slack sysmon polls about once per millisecond of work; other sleeps
// with a timeout (Go timers, through the netpoller's epoll_pwait, which
// already rounds to whole milliseconds) may end up to 1 ms later, well
// inside a 20 ms frame. The slack is set by a C constructor, which runs
// before the Go runtime starts any thread, so every thread inherits it
// (sysmon is started before any Go code runs). MEET_TIMER_SLACK_NS
// overrides it (0 keeps the kernel's default), for comparisons.

/*
#include <stdlib.h>
#include <sys/prctl.h>

__attribute__((constructor)) static void meetTimerSlack(void) {
	unsigned long ns = 1000000UL;
	const char *env = getenv("MEET_TIMER_SLACK_NS");
	if (env != NULL && *env != '\0') {
		ns = strtoul(env, NULL, 10);
	}
	if (ns > 0) {
		prctl(PR_SET_TIMERSLACK, ns, 0, 0, 0);
	}
}
*/
import "C"
