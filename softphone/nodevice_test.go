package softphone

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio/device"
)

const noCardEnv = "MEET_SOFTPHONE_NO_CARD"

// TestPhoneWithoutSoundCard: on a machine with no audio devices at all (CI),
// the
// default devices fall back to silence and nowhere, the phone still
// connects (so calls still ring), and the user is told on Events.
func TestPhoneWithoutSoundCard(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestPhoneWithoutSoundCardHelper$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), noCardEnv+"=1", "JACK_NO_START_SERVER=1", "PULSE_SERVER=/nonexistent")
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "--- SKIP: TestPhoneWithoutSoundCardHelper") {
		t.Skip("this machine has audio devices")
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: TestPhoneWithoutSoundCardHelper") {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
}

func TestPhoneWithoutSoundCardHelper(t *testing.T) {
	if os.Getenv(noCardEnv) == "" {
		t.Skip("run by TestPhoneWithoutSoundCard in a child process")
	}
	if devs, err := device.List(); err == nil && len(devs) > 0 {
		t.Skip("this machine has audio devices")
	}
	srv := newTestServer(t, serverHz)
	p := startPhone(t, srv, WithInputDevice(""), WithOutputDevice(""))
	var msgs []string
	deadline := time.After(5 * time.Second)
	for len(msgs) < 2 {
		select {
		case ev := <-p.Events():
			if ev.Type == EventError && ev.Err != nil {
				msgs = append(msgs, ev.Err.Error())
			}
		case <-deadline:
			t.Fatalf("device warnings: %q", msgs)
		}
	}
	joined := strings.Join(msgs, "\n")
	if !strings.Contains(joined, "no speaker") || !strings.Contains(joined, "no microphone") {
		t.Fatalf("warnings %q", msgs)
	}
	if !p.Snapshot().Connected {
		t.Fatal("the phone did not connect without a sound card")
	}
}
