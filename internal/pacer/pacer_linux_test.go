//go:build linux

package pacer

import (
	"testing"
	"time"
)

// On Linux the Pacer is a timerfd, never silently the Go timer.
func TestLinuxUsesTimerFD(t *testing.T) {
	p, err := New(time.Hour, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, ok := p.impl.(*timerFD); !ok {
		t.Fatalf("clock underneath is %T, want *timerFD", p.impl)
	}
}
