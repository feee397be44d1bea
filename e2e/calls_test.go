package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/internal/simcaller"
)

func writeTone(t testing.TB, freq float64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("tone%.0f.wav", freq))
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := audio.WriteWAV(f, 48000, audiotest.Tone(48000, freq, 0.3, 96000)); err != nil {
		t.Fatal(err)
	}
	return p
}

func readWAV(t testing.TB, path string) audio.PCM16 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := audio.ReadWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	return audio.Resample(w.Samples, w.Rate, 8000)
}

// phone starts the headless `meet phone` operator and waits until its
// softphone is connected.
func phone(t testing.TB, m *meetd, email string, freq float64, extra ...string) (*proc, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "speaker.wav")
	args := append([]string{"phone", "--server", m.url, "--email", email, "--password", password,
		"--in", writeTone(t, freq), "--out", out, "--loopback-ice", "on", "--noise-suppression=false",
		"--log", filepath.Join(t.TempDir(), "meet.log")}, extra...)
	p := start(t, bins.meet, args...)
	c := m.login(t, "admin@e2e.test")
	deadline := time.Now().Add(20 * time.Second)
	for {
		staff, err := c.StaffList(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range staff {
			if s.Email == email && s.Online {
				return p, out
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("meet phone for %s never came online:\n%s", email, p.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestMissedForEachReasonWithSipp: sipp callers end missed for every reason
// and each shows up through the API and `meet chats --missed --reason`.
func TestMissedForEachReasonWithSipp(t *testing.T) {
	m := startMeetd(t)
	sv := m.login(t, "sv@e2e.test")

	sipp(t, m.sip, "uac_unanswered.xml", "-s", closedNumber)
	waitMissed(t, sv, api.ReasonNotInOperation, 1)

	sipp(t, m.sip, "uac_unanswered.xml", "-s", openNumber) // nobody online: max wait 3 s
	waitMissed(t, sv, api.ReasonNoOperator, 1)

	sipp(t, m.sip, "uac_cancel.xml", "-s", openNumber)
	waitMissed(t, sv, api.ReasonUserLeft, 1)

	// Someone online who does not answer: ring timeout 3 s.
	phone(t, m, "op@e2e.test", 1000)
	sipp(t, m.sip, "uac_unanswered.xml", "-s", openNumber)
	chats := waitMissed(t, sv, api.ReasonRingTimeout, 1)
	calls, err := sv.ChatCalls(context.Background(), chats[0].ID)
	if err != nil || len(calls) != 1 || len(calls[0].RingAttempts) == 0 || calls[0].RingAttempts[0].Outcome != api.RingTimedOut {
		t.Fatalf("ring attempts %v %+v", err, calls)
	}

	// The command line tells the same story.
	cred := filepath.Join(t.TempDir(), "c.json")
	run(t, bins.meet, "login", "--server", m.url, "--email", "sv@e2e.test", "--password", password, "--credentials", cred)
	out := run(t, bins.meet, "chats", "--missed", "--json", "--credentials", cred)
	for _, r := range api.MissedReasons {
		if !strings.Contains(out, string(r)) {
			t.Errorf("meet chats --missed lacks %s:\n%s", r, out)
		}
	}
	out = run(t, bins.meet, "chats", "--missed", "--reason", "userLeft", "--json", "--credentials", cred)
	var list []api.Chat
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		var page api.ChatList
		if err2 := json.Unmarshal([]byte(out), &page); err2 != nil {
			t.Fatalf("meet chats --json: %v\n%s", err, out)
		}
		list = page.Chats
	}
	if len(list) != 1 || list[0].MissedReason != api.ReasonUserLeft {
		t.Fatalf("meet chats --reason userLeft: %s", out)
	}
}

// TestAnsweredCallAudioBothWaysWithMeetPhone: a SIP caller (440 Hz over
// PCMU) rings the headless `meet phone` operator (1000 Hz over Opus), who
// auto-answers; each side hears the other.
func TestAnsweredCallAudioBothWaysWithMeetPhone(t *testing.T) {
	m := startMeetd(t)
	p, out := phone(t, m, "op@e2e.test", 1000, "--auto-answer")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	caller, _ := simPhone(t, ctx, "127.0.0.1", "+819044445555")
	res, err := caller.Call(ctx, m.sip, openNumber, simcaller.CallPlan{Audio: audiotest.Tone(8000, 440, 0.3, 8000), TalkFor: 4 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("call: %v %+v\n%s", err, res.Status, p.output())
	}
	if rec := audio.PCM16(res.Recorded); len(rec) < 16000 || audiotest.ToneWindows(rec[len(rec)-16000:], 8000, 1000) < 2 {
		t.Fatalf("the caller did not hear the operator (%d samples)", len(res.Recorded))
	}
	time.Sleep(500 * time.Millisecond)
	p.stop() // the WAV is finished on exit
	if audiotest.ToneWindows(readWAV(t, out), 8000, 440) < 2 {
		t.Fatal("the operator did not hear the caller")
	}
	events := strings.Join(jsonLines(p.output()), "\n")
	for _, want := range []string{"ringing", "answered"} {
		if !strings.Contains(events, want) {
			t.Errorf("meet phone printed no %q event:\n%s", want, events)
		}
	}
}

// TestCallbackAnsweredBySippUAS: `meet callback` on a missed chat dials out
// through the trunk to a provider (a sipp UAS) that answers.
func TestCallbackAnsweredBySippUAS(t *testing.T) {
	uasPort := freePort(t, "udp")
	uasDone := make(chan string, 1)
	go func() {
		defer func() { recover() }()
		uasDone <- sippUAS(t, uasPort)
	}()
	time.Sleep(300 * time.Millisecond)
	m := startMeetd(t, "--outbound-proxy", fmt.Sprintf("127.0.0.1:%d", uasPort), "--outbound-caller-id", openNumber)
	op := m.login(t, "op@e2e.test")
	sipp(t, m.sip, "uac_cancel.xml", "-s", openNumber)
	missed := waitMissed(t, op, api.ReasonUserLeft, 1)[0]

	cred := filepath.Join(t.TempDir(), "c.json")
	run(t, bins.meet, "login", "--server", m.url, "--email", "op@e2e.test", "--password", password, "--credentials", cred)
	out := run(t, bins.meet, "callback", fmt.Sprint(missed.ID), "--credentials", cred)
	t.Logf("meet callback: %s", strings.TrimSpace(out))
	var call api.Call
	deadline := time.Now().Add(20 * time.Second)
	for {
		chat, err := op.Chat(context.Background(), missed.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(chat.Callbacks) == 1 {
			calls, err := op.ChatCalls(context.Background(), chat.Callbacks[0])
			if err != nil {
				t.Fatal(err)
			}
			if len(calls) == 1 && calls[0].Answered != nil {
				call = calls[0]
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("callback never answered: %+v", chat)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if call.Direction != api.Outbound || call.To != missed.Customer.Number {
		t.Fatalf("callback call %+v", call)
	}
	if err := op.Hangup(context.Background(), call.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case <-uasDone:
	case <-time.After(20 * time.Second):
		t.Fatal("the sipp UAS did not see the call end")
	}
}

func sippUAS(t *testing.T, port int) string {
	bin := need(t, "sipp")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sf, _ := filepath.Abs(filepath.Join("testdata", "uas_answer.xml"))
	cmd := execCommand(ctx, bin, "-nostdin", "-i", "127.0.0.1", "-p", fmt.Sprint(port), "-mp", fmt.Sprint(freePort(t, "udp")),
		"-sf", sf, "-m", "1", "-timeout", "55s", "-timeout_error")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("sipp UAS: %v\n%s", err, tail(string(out), 2000))
	}
	return string(out)
}
