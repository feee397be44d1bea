package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/internal/simcaller"
	"github.com/meet-dev/meet/server/automation/smstest"
)

const (
	smsFrom      = "+81500000099"
	smsToken     = "sms-e2e-token"
	smsPublicURL = "http://chat.example"
	smsTag       = "sms-redirect"
)

// TestSMSRedirectToChatSurvivesFaultsAndRestart sets up the "redirect calls
// to chat" recipe of SPEC §2.12 on the real meetd: everyone's
// unassigned-call notification off, a not-accepting guidance uploaded, and
// an automation "missed → SMS with the chat link + tag" that skips
// blacklisted customers. Callers phone in while the fake provider answers
// 500, times out and resets; every due SMS arrives exactly once. Then meetd
// is stopped while one message waits for its retry and another's response is
// still outstanding, a new meetd on the same database finishes the job, and
// still nothing is lost or sent twice.
func TestSMSRedirectToChatSurvivesFaultsAndRestart(t *testing.T) {
	espeak := need(t, "espeak-ng")
	prov := smstest.New()
	defer prov.Close()
	prov.Token = smsToken
	// A Timeout fault delivers, then holds the response past the sender's 10 s timeout.
	prov.Hang = 11 * time.Second
	smsFlags := []string{"--sms-url", prov.URL, "--sms-from", smsFrom, "--sms-token", smsToken, "--public-url", smsPublicURL}
	m := startMeetd(t, smsFlags...)
	ctx := context.Background()
	admin := m.login(t, "admin@e2e.test")
	support := channelIDByName(t, admin, "support")

	// The recipe, step 1: nobody's phone rings for unassigned calls.
	for _, email := range []string{"op@e2e.test", "op2@e2e.test", "sv@e2e.test", "admin@e2e.test"} {
		c := m.login(t, email)
		s, err := c.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.UnassignedCallNotification == nil {
			s.UnassignedCallNotification = map[int64]bool{}
		}
		s.UnassignedCallNotification[support] = false
		if _, err := c.PutSettings(ctx, s); err != nil {
			t.Fatalf("%s: PUT /v1/me/settings: %v", email, err)
		}
	}
	// Step 2: callers hear that calls are not taken and to use chat.
	wav := filepath.Join(t.TempDir(), "not-accepting.wav")
	run(t, espeak, "-w", wav, "We are not taking calls. We sent you a link to our chat.")
	f, err := os.Open(wav)
	if err != nil {
		t.Fatal(err)
	}
	err = admin.AdminUploadGuidance(ctx, support, api.GuidanceNotAccepting, f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}

	// A customer who calls before the automation exists and is then blacklisted.
	const blacklisted = "+819000000666"
	missedCall(t, m, blacklisted)
	sv := m.login(t, "sv@e2e.test")
	first := chatsOf(t, sv, blacklisted)
	if len(first) != 1 {
		t.Fatalf("want one chat of %s, have %d", blacklisted, len(first))
	}
	tags := []string{"blacklist"}
	if _, err := sv.PatchCustomer(ctx, first[0].Customer.ID, api.CustomerPatch{Tags: &tags}); err != nil {
		t.Fatal(err)
	}

	// Step 3: the automation.
	rules, err := admin.AdminPutAutomations(ctx, support, []api.Automation{{
		Name: "redirect calls to chat", Enabled: true,
		When:    api.AutomationCond{Direction: api.Inbound, Outcome: "missed", TagsExclude: []string{"blacklist"}},
		Actions: []api.AutomationStep{{Type: "sms", Template: "Please chat with us: {{chat_url}}"}, {Type: "tag", Tag: smsTag}},
	}})
	if err != nil || len(rules) != 1 || rules[0].ID == 0 {
		t.Fatalf("PUT automations: %v %+v", err, rules)
	}

	// Phase 1: four callers at once, one of them blacklisted; the provider fails three times.
	prov.Script(smstest.Fail500, smstest.Timeout, smstest.Reset)
	phase1 := []string{"+819011110001", "+819011110002", "+819011110003"}
	results := missedCalls(t, m, append([]string{blacklisted}, phase1...)...)
	if rms, _ := audio.Level(results[0]); rms < -45 {
		t.Errorf("the caller heard no not-accepting guidance (%.1f dBFS)", rms)
	}
	start := time.Now()
	want := map[string]int64{} // number → chat id
	for _, n := range phase1 {
		chats := chatsOf(t, sv, n)
		if len(chats) != 1 || chats[0].MissedReason != api.ReasonNoOperator {
			t.Fatalf("%s: want one chat missed noOperator, have %+v", n, chats)
		}
		calls, err := sv.ChatCalls(ctx, chats[0].ID)
		if err != nil || len(calls) != 1 || calls[0].FirstRingStarted != nil || calls[0].FirstWaitingStarted != nil {
			t.Fatalf("%s: the call should end on the not-accepting guidance without ringing or waiting: %v %+v", n, err, calls)
		}
		want[n] = chats[0].ID
	}
	waitSent(t, admin, want, 45*time.Second)
	t.Logf("phase 1: 3 SMS through 500, timeout and reset in %v", time.Since(start).Round(100*time.Millisecond))
	checkDelivered(t, prov, want)
	// Both of the blacklisted customer's calls (before the rule and under it) got nothing.
	black := chatsOf(t, sv, blacklisted)
	if len(black) != 2 {
		t.Fatalf("want two missed chats of %s, have %+v", blacklisted, black)
	}
	for _, c := range black {
		if sms, err := admin.AdminSMS(ctx, c.ID); err != nil || len(sms) != 0 {
			t.Fatalf("blacklisted customer's chat %d has SMS: %v %+v", c.ID, err, sms)
		}
		if slices.Contains(c.Tags, smsTag) {
			t.Fatalf("blacklisted customer's chat %d was tagged %s", c.ID, smsTag)
		}
		evs, err := sv.ChatEvents(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if runs := countEvents(evs, api.EvAutomationRun); runs != 0 {
			t.Fatalf("an automation ran on the blacklisted customer's chat %d", c.ID)
		}
	}
	for n, id := range want {
		chat, err := sv.Chat(ctx, id)
		if err != nil || !slices.Contains(chat.Tags, smsTag) {
			t.Fatalf("%s: chat %d not tagged %s by the automation: %v %+v", n, id, smsTag, err, chat.Tags)
		}
		evs, err := sv.ChatEvents(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if runs := countEvents(evs, api.EvAutomationRun); runs != 1 {
			t.Fatalf("%s: chat %d has %d automation.run events, want 1", n, id, runs)
		}
	}

	// Phase 2: two more callers; the first send answers 500 (a retry is
	// scheduled), the second is delivered but its response never comes.
	// meetd is stopped right then.
	prov.Script(smstest.Fail500, smstest.Timeout)
	phase2 := []string{"+819022220001", "+819022220002"}
	missedCalls(t, m, phase2...)
	for _, n := range phase2 {
		chats := chatsOf(t, sv, n)
		if len(chats) != 1 {
			t.Fatalf("%s: want one chat, have %+v", n, chats)
		}
		want[n] = chats[0].ID
	}
	// The 500 is not delivered; the hanging send is.
	deadline := time.Now().Add(20 * time.Second)
	for len(prov.Delivered()) < len(want)-1 {
		if time.Now().After(deadline) {
			t.Fatalf("the provider never saw the phase-2 sends: %+v", prov.Delivered())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// GET /v1/admin/sms requires ?chat (server/stats/http.go), so per chat.
	pending := 0
	for _, s := range outbox(t, admin, want) {
		if s.Status != "sent" {
			pending++
		}
	}
	if pending != 2 {
		t.Fatalf("want 2 messages outstanding when meetd stops, have %d: %+v", pending, outbox(t, admin, want))
	}
	interrupt(t, m.proc, 12*time.Second)

	m2 := serveAgain(t, m, smsFlags...)
	admin2 := m2.login(t, "admin@e2e.test")
	start = time.Now()
	waitSent(t, admin2, want, 30*time.Second)
	t.Logf("phase 2: 2 outstanding SMS sent by the restarted meetd in %v", time.Since(start).Round(100*time.Millisecond))
	checkDelivered(t, prov, want)
	if all := outbox(t, admin2, want); len(all) != len(want) {
		t.Fatalf("outbox has %d messages for %d missed chats: %+v", len(all), len(want), all)
	}
	// A little longer: nothing more goes out.
	time.Sleep(1500 * time.Millisecond)
	checkDelivered(t, prov, want)
	t.Logf("SMS log of the first meetd:\n%s\nof the restarted one:\n%s", grepLines(m.proc.output(), "sms"), grepLines(m2.proc.output(), "sms"))
}

// grepLines keeps the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func channelIDByName(t *testing.T, admin *client.Client, name string) int64 {
	t.Helper()
	chs, err := admin.AdminChannels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chs {
		if c.Name == name {
			return c.ID
		}
	}
	t.Fatalf("no channel %s in %+v", name, chs)
	return 0
}

func chatsOf(t *testing.T, c *client.Client, number string) []api.Chat {
	t.Helper()
	list, err := c.Chats(context.Background(), api.ChatQuery{Q: number})
	if err != nil {
		t.Fatal(err)
	}
	var out []api.Chat
	for _, ch := range list.Chats {
		if ch.Customer.Number == number {
			out = append(out, ch)
		}
	}
	return out
}

func countEvents(evs []api.Event, typ api.EventType) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// missedCall places one simulated call that nobody answers.
func missedCall(t *testing.T, m *meetd, from string) audio.PCM16 {
	t.Helper()
	return missedCalls(t, m, from)[0]
}

// missedCalls phones the support number from each number at once with the
// simulated SIP phone and waits until every call has ended unanswered by
// staff. It returns what each caller heard.
func missedCalls(t *testing.T, m *meetd, from ...string) []audio.PCM16 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	heard := make([]audio.PCM16, len(from))
	errs := make([]error, len(from))
	var wg sync.WaitGroup
	for i, n := range from {
		ph, _ := simPhone(t, ctx, "127.0.0.1", n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := ph.Call(ctx, m.sip, openNumber, simcaller.CallPlan{Audio: audiotest.Tone(8000, 440, 0.2, 8000), HangupAfter: 25 * time.Second})
			switch {
			case err != nil:
				errs[i] = err
			case res.HungUpBy != "them":
				errs[i] = fmt.Errorf("call from %s was not ended by meetd: %+v", n, res.Status)
			}
			heard[i] = res.Recorded
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// The chats show the calls as missed once their end is committed.
	sv := m.login(t, "sv@e2e.test")
	deadline := time.Now().Add(10 * time.Second)
	for _, n := range from {
		for {
			done := false
			for _, c := range chatsOf(t, sv, n) {
				done = done || c.Missed
			}
			if done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no missed chat of %s", n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return heard
}

// outbox lists the SMS of the chats.
func outbox(t *testing.T, admin *client.Client, chats map[string]int64) []api.SMS {
	t.Helper()
	var out []api.SMS
	for _, id := range chats {
		sms, err := admin.AdminSMS(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sms...)
	}
	return out
}

// waitSent waits until each chat's outbox holds exactly one message, sent.
func waitSent(t *testing.T, admin *client.Client, chats map[string]int64, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		var bad []string
		for n, id := range chats {
			sms, err := admin.AdminSMS(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if len(sms) > 1 {
				t.Fatalf("chat %d (%s) has %d queued SMS, want 1: %+v", id, n, len(sms), sms)
			}
			if len(sms) == 0 || sms[0].Status != "sent" {
				bad = append(bad, fmt.Sprintf("%s: %+v", n, sms))
			}
		}
		if len(bad) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("SMS not sent within %v:\n%s", d, strings.Join(bad, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkDelivered asserts the provider delivered exactly one message per
// chat, to the caller, from our sender, with the chat's link.
func checkDelivered(t *testing.T, prov *smstest.Provider, chats map[string]int64) {
	t.Helper()
	got := prov.Delivered()
	byTo := map[string]int{}
	keys := map[string]bool{}
	for _, msg := range got {
		byTo[msg.To]++
		if msg.Key == "" || keys[msg.Key] {
			t.Errorf("message %+v: missing or repeated idempotency key", msg)
		}
		keys[msg.Key] = true
		id, ok := chats[msg.To]
		if !ok {
			t.Errorf("SMS to %s, who is not due one: %+v", msg.To, msg)
			continue
		}
		if want := fmt.Sprintf("Please chat with us: %s/chats/%d", smsPublicURL, id); msg.Body != want || msg.From != smsFrom {
			t.Errorf("SMS %+v, want from %s body %q", msg, smsFrom, want)
		}
	}
	for n := range chats {
		if byTo[n] != 1 {
			t.Errorf("%s received %d SMS, want exactly 1", n, byTo[n])
		}
	}
	if len(got) != len(chats) {
		t.Errorf("provider delivered %d messages for %d chats", len(got), len(chats))
	}
}

// interrupt stops a process with SIGINT and fails when it does not exit in time.
func interrupt(t *testing.T, p *proc, d time.Duration) {
	t.Helper()
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(d):
		t.Errorf("process %d did not exit within %v of SIGINT", p.cmd.Process.Pid, d)
		p.cmd.Process.Kill()
		<-p.done
	}
}

// serveAgain serves old's database with a new meetd process.
func serveAgain(t *testing.T, old *meetd, extra ...string) *meetd {
	t.Helper()
	return serve(t, old.db, extra...)
}
