package cputime

import (
	"runtime"
	"testing"
	"time"
)

// TestThreadCountsOnlyThisThreadsWork: the clock moves while the thread
// works (spinning reaches 20 ms of it) and stands still while it sleeps.
func TestThreadCountsOnlyThisThreadsWork(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := Thread()
	if t0 == 0 {
		t.Fatal("no thread CPU clock")
	}
	for start := time.Now(); Thread()-t0 < 20*time.Millisecond; {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("10 s of spinning counted %v", Thread()-t0)
		}
	}
	t1 := Thread()
	time.Sleep(20 * time.Millisecond)
	if slept := Thread() - t1; slept > 5*time.Millisecond {
		t.Fatalf("sleeping 20 ms counted %v", slept)
	}
}
