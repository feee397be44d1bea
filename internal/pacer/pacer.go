// Package pacer wakes a loop on a fixed period, once per period.
//
// A Go timer due in d puts the process to sleep in epoll_pwait, whose
// timeout is whole milliseconds: the runtime sleeps d rounded down, wakes
// before the timer is due (unless the kernel's timer slack happens to cover
// the rest), finds nothing to run and sleeps again for the fraction left. A
// loop paced by a 20 ms Go timer therefore wakes the process about twice a
// period; where a wake-up costs more than the work (`meet phone` in a call,
// see BenchmarkMeetPhoneCPU), the early one is pure cost. On Linux a Pacer
// is a timerfd in Go's netpoller instead: the kernel fires it to the
// nanosecond and the netpoller's sleep ends with it, one wake-up a period.
// Elsewhere it is a Go timer.
//
// A Pacer has one owner: Wait, Next and Reset are called from the loop it
// paces; Close may be called from anywhere, and makes a Wait in progress
// return.
package pacer

import (
	"errors"
	"sync"
	"time"
)

// ErrClosed is what Wait returns once the Pacer is closed.
var ErrClosed = errors.New("pacer: closed")

// Pacer fires every period after its first firing (see New and Reset).
type Pacer struct {
	period time.Duration
	due    time.Time // when it fires next, as armed
	impl   impl

	closeOnce sync.Once
}

// impl is the clock underneath: a timerfd or a Go timer.
type impl interface {
	// arm fires first after d (> 0), then every period.
	arm(d, period time.Duration) error
	// wait blocks until it has fired and returns how many times since the
	// last wait (at least 1), or ErrClosed; due is when it was to fire
	// first (the Pacer's Next).
	wait(due time.Time, period time.Duration) (uint64, error)
	close()
}

// New returns a Pacer that fires first after first, then every period
// (> 0). Where a timerfd cannot be made (out of descriptors, a seccomp
// profile) it falls back to the Go timer: the loop keeps its pace, with
// the early wake-ups.
func New(first, period time.Duration) (*Pacer, error) {
	if period <= 0 {
		return nil, errors.New("pacer: period must be positive")
	}
	p := &Pacer{period: period}
	im, err := newImpl()
	if err != nil {
		im = newGoTimer()
	}
	p.impl = im
	if err := p.Reset(first); err != nil {
		im.close()
		return nil, err
	}
	return p, nil
}

// Wait blocks until the Pacer fires and returns how many periods have
// passed since the last Wait (more than 1 when the loop fell behind), or
// ErrClosed once it is closed.
func (p *Pacer) Wait() (uint64, error) {
	n, err := p.impl.wait(p.due, p.period)
	if err != nil {
		return 0, err
	}
	p.due = p.due.Add(time.Duration(n) * p.period)
	return n, nil
}

// Reset re-arms the Pacer to fire first after d (at once when d ≤ 0) and
// then every period.
func (p *Pacer) Reset(d time.Duration) error {
	now := time.Now()
	if d <= 0 {
		d = time.Nanosecond // a timerfd's zero disarms it
	}
	p.due = now.Add(d)
	return p.impl.arm(d, p.period)
}

// Next is when the Pacer fires next, as far as it knows (the kernel may
// fire it a few microseconds after it was asked to).
func (p *Pacer) Next() time.Time { return p.due }

// Close stops the Pacer; a Wait in progress returns ErrClosed. It is
// idempotent.
func (p *Pacer) Close() error {
	p.closeOnce.Do(p.impl.close)
	return nil
}

// goTimer is the portable clock: a Go timer re-armed, at each wait, for
// the first period after now on the grid the Pacer keeps.
type goTimer struct {
	t    *time.Timer
	stop chan struct{}
}

func newGoTimer() *goTimer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &goTimer{t: t, stop: make(chan struct{})}
}

func (g *goTimer) arm(d, _ time.Duration) error {
	g.t.Reset(d)
	return nil
}

func (g *goTimer) wait(due time.Time, period time.Duration) (uint64, error) {
	select {
	case <-g.stop:
		return 0, ErrClosed
	case <-g.t.C:
	}
	now := time.Now()
	n := uint64(1)
	if late := now.Sub(due); late >= period {
		n += uint64(late / period)
	}
	g.t.Reset(due.Add(time.Duration(n) * period).Sub(now))
	return n, nil
}

func (g *goTimer) close() {
	close(g.stop)
	g.t.Stop()
}
