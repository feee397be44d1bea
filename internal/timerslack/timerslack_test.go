//go:build linux && cgo

package timerslack

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSlackSet: the process runs with the slack the constructor set (1 ms,
// or MEET_TIMER_SLACK_NS).
func TestSlackSet(t *testing.T) {
	want := 1000000
	if v := os.Getenv("MEET_TIMER_SLACK_NS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 {
			t.Skip("MEET_TIMER_SLACK_NS keeps another slack")
		}
		want = n
	}
	got, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("timer slack %d ns, want %d", got, want)
	}
}
