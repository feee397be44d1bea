package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/internal/simcaller"
)

// tmuxTUI is the real `meet` TUI running in a detached tmux session.
type tmuxTUI struct {
	t       *testing.T
	session string
	home    string // its HOME: speaker.wav and meet.log
}

func startTUI(t *testing.T, m *meetd, email string) *tmuxTUI {
	t.Helper()
	return startTUIWith(t, m, email, tuiOpts{w: 100, h: 30})
}

// tuiOpts are the terminal's size and extra environment (NO_COLOR=1,
// LANG=ja_JP.UTF-8…) of a TUI under test.
type tuiOpts struct {
	w, h int
	env  []string
}

func startTUIWith(t *testing.T, m *meetd, email string, o tuiOpts) *tmuxTUI {
	t.Helper()
	tmux := need(t, "tmux")
	home := t.TempDir()
	env := append([]string{"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_CACHE_HOME=" + filepath.Join(home, "cache"), "HOME=" + home}, o.env...)
	login := exec.Command(bins.meet, "login", "--server", m.url, "--email", email, "--password", password)
	login.Env = append(os.Environ(), env...)
	if out, err := login.CombinedOutput(); err != nil {
		t.Fatalf("meet login: %v\n%s", err, out)
	}
	tui := &tmuxTUI{t: t, session: fmt.Sprintf("meet-e2e-%d", time.Now().UnixNano()), home: home}
	cmd := fmt.Sprintf("env %s %s --log %s --input-wav %s --output-wav %s --noise-suppression=false",
		strings.Join(env, " "), bins.meet, filepath.Join(home, "meet.log"), writeTone(t, 1000), filepath.Join(home, "speaker.wav"))
	// -u: UTF-8 whatever the test's locale, so Japanese reaches the pane
	if out, err := exec.Command(tmux, "-u", "new-session", "-d", "-s", tui.session, "-x", fmt.Sprint(o.w), "-y", fmt.Sprint(o.h), cmd).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last screen:\n%s", tui.screen())
			if b, err := os.ReadFile(filepath.Join(home, "meet.log")); err == nil {
				t.Logf("meet.log (tail):\n%s", tail(string(b), 3000))
			}
		}
		exec.Command(tmux, "kill-session", "-t", tui.session).Run()
	})
	return tui
}

func (u *tmuxTUI) screen() string {
	out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", u.session).Output()
	return string(out)
}

func (u *tmuxTUI) keys(keys ...string) {
	u.t.Helper()
	for _, k := range keys {
		if out, err := exec.Command("tmux", append([]string{"send-keys", "-t", u.session}, k)...).CombinedOutput(); err != nil {
			u.t.Fatalf("send-keys %q: %v %s", k, err, out)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func (u *tmuxTUI) typeText(s string) {
	u.t.Helper()
	if out, err := exec.Command("tmux", "send-keys", "-t", u.session, "-l", s).CombinedOutput(); err != nil {
		u.t.Fatalf("send-keys: %v %s", err, out)
	}
	time.Sleep(150 * time.Millisecond)
}

// waitFor waits until the screen shows every one of texts.
func (u *tmuxTUI) waitFor(texts ...string) string {
	u.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := u.screen()
		ok := true
		for _, want := range texts {
			ok = ok && strings.Contains(s, want)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			u.t.Fatalf("screen never showed %q:\n%s", texts, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTUIInTmux drives the real TUI: log in, see a missed call with its
// reason, open it, call back and see the linked chat, snooze and close with
// keys, then get rung by a SIP call and answer it with audio flowing.
func TestTUIInTmux(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	customer, err := simcaller.New("127.0.0.1", "+819066667777")
	if err != nil {
		t.Fatal(err)
	}
	defer customer.Close()
	customer.OnCall(func(from, to string) (simcaller.AnswerPlan, bool) {
		return simcaller.AnswerPlan{Delay: 300 * time.Millisecond, Audio: audiotest.Tone(8000, 600, 0.3, 8000), TalkFor: 3 * time.Second}, true
	})
	uas, err := customer.ServeUDP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := startMeetd(t, "--outbound-proxy", uas.String(), "--outbound-caller-id", openNumber)
	op := m.login(t, "op@e2e.test")

	// A missed call before the operator is there: the caller gives up.
	if _, err := customer.Call(ctx, m.sip, openNumber, simcaller.CallPlan{HangupAfter: 700 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	missed := waitMissed(t, op, api.ReasonUserLeft, 1)[0]

	u := startTUI(t, m, "op@e2e.test")
	u.waitFor("Inbox", "online")

	// The Missed tab lists it with its reason; opening it says why in words.
	u.keys("4")
	u.waitFor("caller left", "+819066667777")
	u.keys("Enter")
	u.waitFor(fmt.Sprintf("Chat #%d", missed.ID), "missed: caller hung up while waiting")

	// Call back: the customer's phone answers; the chat links to the new one.
	u.keys("b")
	u.waitFor(fmt.Sprintf("callback of chat #%d", missed.ID), "outbound call to +819066667777")
	var cb api.Chat
	for {
		c, err := op.Chat(ctx, missed.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Callbacks) == 1 {
			if cb, err = op.Chat(ctx, c.Callbacks[0]); err != nil {
				t.Fatal(err)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatal("no callback chat")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for len(customer.Answered()) == 0 && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
	}
	if len(customer.Answered()) == 0 {
		t.Fatal("the customer's phone never rang for the callback")
	}
	// The callback chat links back; jump along the link both ways.
	u.waitFor(fmt.Sprintf("Chat #%d", cb.ID), "call ended")
	u.keys("[")
	u.waitFor(fmt.Sprintf("Chat #%d", missed.ID), fmt.Sprintf("called back in chat #%d", cb.ID))
	u.keys("]")
	u.waitFor(fmt.Sprintf("Chat #%d", cb.ID), fmt.Sprintf("callback of chat #%d", missed.ID))

	// Snooze the callback chat with a key, then close it.
	u.keys("s")
	u.waitFor("snooze chat")
	u.typeText("2h")
	u.keys("Enter")
	u.waitFor("snoozed until")
	if c, _ := op.Chat(ctx, cb.ID); c.State != api.ChatSnoozed || c.SnoozedUntil == nil {
		t.Fatalf("after s 2h: %s", c.State)
	}
	u.keys("c")
	u.waitFor(fmt.Sprintf("Chat #%d", cb.ID), "closed")
	if c, _ := op.Chat(ctx, cb.ID); c.State != api.ChatClosed {
		t.Fatalf("after c: %s", c.State)
	}
	u.keys("Escape")

	// A new call rings the TUI; a answers; the call bar shows the call.
	caller, _ := simPhone(t, ctx, "127.0.0.1", "+819088889999")
	done := make(chan simcaller.Result, 1)
	go func() {
		res, err := caller.Call(ctx, m.sip, openNumber, simcaller.CallPlan{Audio: audiotest.Tone(8000, 440, 0.3, 8000), TalkFor: 4 * time.Second, HangupAfter: 30 * time.Second})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	u.waitFor("Incoming call", "+819088889999")
	u.keys("a")
	u.waitFor("in call with")
	res := <-done
	if !res.Answered {
		t.Fatalf("the TUI did not answer: %d", res.Status)
	}
	if rec := res.Recorded; len(rec) < 16000 || audiotest.ToneWindows(rec[len(rec)-16000:], 8000, 1000) < 2 {
		t.Fatal("the caller did not hear the TUI operator's microphone")
	}
	me, _ := op.Me(ctx)
	yes := false
	list, err := op.Chats(ctx, api.ChatQuery{Missed: &yes, AssigneeID: &me.ID})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range list.Chats {
		found = found || c.Customer.Number == "+819088889999"
	}
	if !found {
		t.Fatalf("the answered call's chat is not assigned to the operator: %+v", list.Chats)
	}
}
