package e2e

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/meet-dev/meet/internal/sysmonpoll"
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

// TestMeetPhoneKeepsSysmonPolling: `meet phone` runs started again with
// GODEBUG=schedtrace at its largest period (internal/sysmonpoll), as the
// environment its process was started with shows, and prints no trace.
// GODEBUG=schedtrace=… in the test's environment turns it off; so does a
// monotonic clock within a week of the trace period (then the process
// must not have been started again).
func TestMeetPhoneKeepsSysmonPolling(t *testing.T) {
	if strings.Contains(os.Getenv("GODEBUG"), "schedtrace=") {
		t.Skip("GODEBUG sets schedtrace: meet keeps it")
	}
	want := sysmonpoll.ClockAllows()
	m := startMeetd(t)
	p, _ := phone(t, m, "op@e2e.test", 440)
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	env := strings.Split(string(b), "\x00")
	if got := slices.Contains(env, "GODEBUG="+sysmonpoll.Setting); got != want {
		t.Errorf("meet phone was started with %q: GODEBUG=%s %v, want %v", env, sysmonpoll.Setting, got, want)
	}
	if out := p.output(); strings.Contains(out, "SCHED ") {
		t.Errorf("meet phone printed a scheduler trace:\n%s", tail(out, 2000))
	}
}
