// Package timerslack, imported for its side effect, gives the whole
// process a 1 ms timer slack instead of Linux's 50 µs (linux and cgo
// only; elsewhere it does nothing).
//
// Go's sysmon thread sleeps 20 µs between polls for as long as the
// process is busy and, finding a P in a system or cgo call for longer than
// that, hands the P to another thread: meetd spends most of its media CPU
// in cgo calls of 10 to 50 µs (libopus) between socket system calls, so
// sysmon kept polling at ~100 µs (20 µs plus the slack) and woke threads
// to take over Ps whose call was about to return. With 1 ms of slack it
// polls about once a millisecond; other timed sleeps (Go timers, through
// the netpoller's epoll_pwait, which already rounds to whole milliseconds)
// may end up to 1 ms later, well inside a 20 ms tick. A C constructor sets
// it before the Go runtime starts any thread, so every thread inherits it
// (sysmon starts before any Go code runs). MEET_TIMER_SLACK_NS overrides
// it (0 keeps the kernel's default), for comparisons. cmd/meetd and
// cmd/meet (for meet phone) import it.
package timerslack
