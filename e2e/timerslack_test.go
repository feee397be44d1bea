package e2e

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestBinariesSleepWithTimerSlack: the real meetd and `meet phone`
// processes run with the 1 ms timer slack internal/timerslack sets before
// the Go runtime starts, or MEET_TIMER_SLACK_NS's (0: they keep the slack
// they inherit, this test's own) (README, "Configuration reference").
func TestBinariesSleepWithTimerSlack(t *testing.T) {
	want := "1000000"
	switch v := os.Getenv("MEET_TIMER_SLACK_NS"); v {
	case "":
	case "0":
		own, err := os.ReadFile("/proc/self/timerslack_ns")
		if err != nil {
			t.Fatal(err)
		}
		want = strings.TrimSpace(string(own))
	default:
		want = v
	}
	m := startMeetd(t)
	p, _ := phone(t, m, "op@e2e.test", 440)
	for name, pid := range map[string]int{"meetd": m.proc.cmd.Process.Pid, "meet phone": p.cmd.Process.Pid} {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/timerslack_ns")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := strings.TrimSpace(string(b)); got != want {
			t.Errorf("%s sleeps with a timer slack of %s ns, want %s", name, got, want)
		}
	}
}
