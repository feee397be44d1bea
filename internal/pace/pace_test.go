package pace

import (
	"errors"
	"testing"
	"time"
)

// TestExpires: Wait returns once the armed time has passed, and a re-armed
// timer expires again; a Reset replaces the earlier arming.
func TestExpires(t *testing.T) {
	tm, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	for _, d := range []time.Duration{5 * time.Millisecond, 0, 15 * time.Millisecond} {
		t0 := time.Now()
		if err := tm.Reset(time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := tm.Reset(d); err != nil { // replaces the hour
			t.Fatal(err)
		}
		if err := tm.Wait(); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(t0); got < d {
			t.Errorf("armed for %v, Wait returned after %v", d, got)
		}
	}
}

// TestCloseEndsWait: Close from another goroutine ends a Wait on a timer
// that would not expire for an hour, with ErrClosed; Reset and Wait after
// Close say ErrClosed too.
func TestCloseEndsWait(t *testing.T) {
	tm, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.Reset(time.Hour); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- tm.Wait() }()
	time.Sleep(20 * time.Millisecond)
	if err := tm.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Wait after Close: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the Wait")
	}
	if err := tm.Reset(time.Millisecond); !errors.Is(err, ErrClosed) {
		t.Errorf("Reset after Close: %v, want ErrClosed", err)
	}
	if err := tm.Wait(); !errors.Is(err, ErrClosed) {
		t.Errorf("Wait after Close: %v, want ErrClosed", err)
	}
}
