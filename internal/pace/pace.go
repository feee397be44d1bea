// Package pace is a one-shot timer that one goroutine waits on, for loops
// that keep to the wall clock (a paced file microphone).
//
// On Linux it is a timerfd waited on through Go's netpoller, not a Go
// timer. The netpoller sleeps in whole milliseconds (epoll_pwait's
// timeout), so a Go timer due in 19.6 ms wakes the process twice, at
// 19 ms and on time; and Go's sysmon thread, while the process is idle,
// sleeps only until the next Go timer, so every timer also wakes sysmon. A
// timerfd expires once, on time (the kernel's hrtimer), and leaves the
// netpoller and sysmon asleep until it does: in meet phone's call, one
// 20 ms microphone tick is then one thread wake-up instead of three.
// Elsewhere it is a time.Timer.
package pace

import (
	"errors"
	"time"
)

// ErrClosed is what Wait returns once the timer is closed.
var ErrClosed = errors.New("pace: timer closed")

// Timer is a one-shot timer. Reset arms it, Wait blocks until it expires
// (or until Close), Close releases it. Reset and Wait may be called from
// different goroutines, and Close from any: a Reset after it returns
// ErrClosed.
type Timer struct{ impl }

// New returns a disarmed timer.
func New() (*Timer, error) {
	i, err := newImpl()
	if err != nil {
		return nil, err
	}
	return &Timer{i}, nil
}

// Reset arms the timer to expire d from now (at once when d ≤ 0),
// replacing any earlier arming.
func (t *Timer) Reset(d time.Duration) error { return t.reset(d) }

// Wait blocks until the timer expires; it returns ErrClosed when the timer
// is closed before or while it waits.
func (t *Timer) Wait() error { return t.wait() }

// Close ends a Wait in progress and releases the timer.
func (t *Timer) Close() error { return t.close() }
