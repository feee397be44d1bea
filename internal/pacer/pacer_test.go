package pacer

import (
	"errors"
	"testing"
	"time"
)

// Each clock underneath (the timerfd on Linux, the Go timer everywhere)
// passes the same tests.
func clocks(t *testing.T) map[string]func(first, period time.Duration) (*Pacer, error) {
	return map[string]func(first, period time.Duration) (*Pacer, error){
		"default": New,
		"gotimer": func(first, period time.Duration) (*Pacer, error) {
			p := &Pacer{period: period, impl: newGoTimer()}
			return p, p.Reset(first)
		},
	}
}

// A Pacer never fires before it is due, and counts every period.
func TestFiresNotEarly(t *testing.T) {
	for name, mk := range clocks(t) {
		t.Run(name, func(t *testing.T) {
			const period = 4 * time.Millisecond
			start := time.Now()
			p, err := mk(2*time.Millisecond, period)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			var total uint64
			for range 5 {
				n, err := p.Wait()
				if err != nil {
					t.Fatal(err)
				}
				total += n
				if now := time.Now(); now.Before(start.Add(2*time.Millisecond + time.Duration(total-1)*period)) {
					t.Fatalf("fired for the %d. time %v after start, before it was due", total, now.Sub(start))
				}
			}
			if total < 5 {
				t.Fatalf("5 waits counted %d periods", total)
			}
		})
	}
}

// A loop that falls behind learns how many periods it missed, and Next
// stays on the period's grid.
func TestCountsMissedPeriods(t *testing.T) {
	for name, mk := range clocks(t) {
		t.Run(name, func(t *testing.T) {
			const period = 2 * time.Millisecond
			p, err := mk(period, period)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			first := p.Next()
			time.Sleep(10*period + period/2)
			n, err := p.Wait()
			if err != nil {
				t.Fatal(err)
			}
			if n < 10 {
				t.Fatalf("after 10.5 periods asleep, Wait counted %d", n)
			}
			if got, want := p.Next(), first.Add(time.Duration(n)*period); !got.Equal(want) {
				t.Fatalf("Next = first + %v, want + %v", got.Sub(first), want.Sub(first))
			}
			if !p.Next().After(time.Now().Add(-period)) {
				t.Fatalf("Next %v is more than a period in the past", time.Since(p.Next()))
			}
		})
	}
}

// Reset moves the phase: the next firing is d after Reset.
func TestResetMovesPhase(t *testing.T) {
	for name, mk := range clocks(t) {
		t.Run(name, func(t *testing.T) {
			p, err := mk(time.Hour, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			start := time.Now()
			if err := p.Reset(3 * time.Millisecond); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Wait(); err != nil {
				t.Fatal(err)
			}
			if e := time.Since(start); e < 3*time.Millisecond || e > 10*time.Minute {
				t.Fatalf("fired %v after Reset(3ms)", e)
			}
		})
	}
}

// Close ends a Wait in progress, and every Wait after it.
func TestCloseEndsWait(t *testing.T) {
	for name, mk := range clocks(t) {
		t.Run(name, func(t *testing.T) {
			p, err := mk(time.Hour, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := p.Wait(); done <- err }()
			time.Sleep(5 * time.Millisecond)
			p.Close()
			p.Close()
			select {
			case err := <-done:
				if !errors.Is(err, ErrClosed) {
					t.Fatalf("Wait after Close: %v, want ErrClosed", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Close did not end the Wait")
			}
			if _, err := p.Wait(); !errors.Is(err, ErrClosed) {
				t.Fatalf("second Wait after Close: %v", err)
			}
		})
	}
}

func TestBadPeriod(t *testing.T) {
	if _, err := New(time.Millisecond, 0); err == nil {
		t.Fatal("New with period 0 worked")
	}
}
