package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/internal/simcaller"
)

// reverse is reverse video in an SGR sequence; cursor is reverse video or
// a background colour (the prompt's cursor with colours on).
var (
	reverse = regexp.MustCompile(`\x1b\[(?:[0-9]+;)*7m`)
	cursor  = regexp.MustCompile(`\x1b\[(?:[0-9]+;)*(?:7|48;5;[0-9]+)m`)
)

// screenEsc is the pane with its SGR attributes (reverse video, bold).
func (u *tmuxTUI) screenEsc() string {
	out, _ := exec.Command("tmux", "capture-pane", "-p", "-e", "-t", u.session).Output()
	return string(out)
}

// lines are the pane's lines (as many as it is high).
func (u *tmuxTUI) lines() []string {
	return strings.Split(strings.TrimRight(u.screen(), "\n"), "\n")
}

// waitGone waits until the screen no longer shows text.
func (u *tmuxTUI) waitGone(text string) {
	u.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for strings.Contains(u.screen(), text) {
		if time.Now().After(deadline) {
			u.t.Fatalf("screen still shows %q:\n%s", text, u.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// restartMeetd stops meetd and serves the same database on the same ports
// (the TUI is logged in to that URL), waiting until it answers.
func restartMeetd(t *testing.T, m *meetd, extra ...string) {
	t.Helper()
	m.proc.stop()
	u, err := url.Parse(m.url)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--db", m.db, "--http", u.Host, "--sip", m.sip,
		"--trunk-allow", "127.0.0.0/8", "--ice-loopback", "--log-level", "debug"}, extra...)
	m.proc = start(t, bins.meetd, args...)
	c := client.New(m.url)
	deadline := time.Now().Add(20 * time.Second)
	for c.Healthz(context.Background()) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("meetd did not come back:\n%s", tail(m.proc.output(), 4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTUISecondPassInTmux drives the real TUI through what issue 17 found
// a new user tripping over, as the harness's operator (in two channels,
// like the demo's): C asks for the channel and checks the number (§1); the
// hint line fits and offers no statistics to an operator (§6); the filter
// completes and takes screen labels (§5); the timeline of a call the
// customer ended does not blame the operator (§7); a chat opened while
// meetd is down says why and loads by itself when it is back (§4).
func TestTUISecondPassInTmux(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	customer, err := simcaller.New("127.0.0.1", "+819066667777")
	if err != nil {
		t.Fatal(err)
	}
	defer customer.Close()
	customer.OnCall(func(from, to string) (simcaller.AnswerPlan, bool) {
		return simcaller.AnswerPlan{Delay: 300 * time.Millisecond, Audio: audiotest.Tone(8000, 600, 0.3, 8000), TalkFor: 2 * time.Second}, true
	})
	uas, err := customer.ServeUDP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	extra := []string{"--outbound-proxy", uas.String(), "--outbound-caller-id", openNumber}
	m := startMeetd(t, extra...)
	op := m.login(t, "op@e2e.test")
	u := startTUI(t, m, "op@e2e.test")
	u.waitFor("Inbox", "online", "(operator)", "Missed 0") // who we are is known: keys act

	// §6: whole hints within 100 columns, help kept, no stats for an operator.
	ls := u.lines()
	hint := ls[len(ls)-1]
	if ansi.StringWidth(strings.TrimRight(hint, " ")) > 100 || !strings.Contains(hint, "? help") || strings.Contains(hint, "stats") || strings.Contains(hint, "…") {
		t.Fatalf("hint line %q", hint)
	}
	u.keys("S")
	u.waitFor("statistics need the supervisor role")

	// §1: C names the channel, tab switches it, a bad number never leaves.
	u.keys("C")
	u.waitFor("call a number from night (tab: other channel)")
	u.typeText("abc")
	u.keys("Enter")
	u.waitFor(`not a phone number: "abc"`)
	u.keys("C", "Tab")
	u.waitFor("call a number from support")
	u.typeText("+81 90-6666-7777")
	u.keys("Enter")
	u.waitFor("outbound call to +819066667777") // the dialled number, cleaned
	// §7: the customer picks up and later hangs up: nobody "left".
	u.waitFor("+819066667777 answered", "call ended after")
	s := u.screen()
	for _, wrong := range []string{"you left", "answered by you", "callback:"} {
		if strings.Contains(s, wrong) {
			t.Fatalf("the timeline says %q:\n%s", wrong, s)
		}
	}

	// §5: the filter completes, takes the label on screen, starts a new word.
	u.keys("Escape", "f")
	u.typeText("reason:cal")
	u.keys("Tab")
	u.waitFor("reason:caller-left")
	u.keys("Enter")
	u.waitFor("filter: reason:caller-left")
	u.keys("f")
	u.typeText("tag:x")
	u.waitFor("reason:userLeft tag:x")
	u.keys("Escape", "F")
	u.waitGone("filter: reason:caller-left")

	// §4: meetd goes away; a chat opened meanwhile says why (in words),
	// and loads by itself once meetd is back.
	list, err := op.Chats(ctx, api.ChatQuery{})
	if err != nil || len(list.Chats) == 0 {
		t.Fatalf("chats: %v %v", list, err)
	}
	m.proc.stop()
	u.waitFor("reconnecting")
	u.keys("1", "Enter")
	u.waitFor("could not load this chat")
	if s := u.screen(); strings.Contains(s, "dial tcp") || strings.Contains(s, "connect: ") {
		t.Fatalf("a Go error reached the screen:\n%s", s)
	}
	restartMeetd(t, m, extra...)
	u.waitFor("online", "+819066667777 answered")
	u.waitGone("could not load this chat")
}

// TestTUINoColorSmallTerminals: with NO_COLOR=1 at 80×24 and 60×20 the
// selection shows (a marker and reverse video, §2), j moves it, the title
// stays, every hint fits whole, and the prompt's cursor is visible.
func TestTUINoColorSmallTerminals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m := startMeetd(t)
	op := m.login(t, "op@e2e.test")
	caller, _ := simPhone(t, ctx, "127.0.0.1", "+819011112222")
	for i := 0; i < 2; i++ { // two missed calls: two rows to move between
		if _, err := caller.Call(ctx, m.sip, closedNumber, simcaller.CallPlan{HangupAfter: 20 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}
	waitMissed(t, op, api.ReasonNotInOperation, 2)
	for _, size := range [][2]int{{80, 24}, {60, 20}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			w := size[0]
			u := startTUIWith(t, m, "op@e2e.test", tuiOpts{w: w, h: size[1], env: []string{"NO_COLOR=1"}})
			u.waitFor("Inbox", "online")
			u.keys("4")
			u.waitFor("missed:")
			ls := u.lines()
			if !strings.Contains(ls[0], "Inbox") || !strings.Contains(ls[0], "? help") {
				t.Fatalf("title line %q", ls[0])
			}
			for i, l := range ls {
				if ansi.StringWidth(l) > w {
					t.Fatalf("line %d is wider than %d: %q", i, w, l)
				}
			}
			hint := ls[len(ls)-1]
			if !strings.Contains(hint, "? help") || strings.Contains(hint, "…") {
				t.Fatalf("hint line %q", hint)
			}
			selected := func() int {
				for i, l := range u.lines() {
					if strings.HasPrefix(l, ">") {
						return i
					}
				}
				return -1
			}
			first := selected()
			if first < 0 {
				t.Fatalf("no selection marker:\n%s", u.screen())
			}
			esc := strings.Split(u.screenEsc(), "\n")
			if !reverse.MatchString(esc[first]) || strings.Contains(u.screenEsc(), "38;5;") || strings.Contains(u.screenEsc(), "48;5;") {
				t.Fatalf("selected row without reverse video, or colour under NO_COLOR: %q", esc[first])
			}
			u.keys("j")
			deadline := time.Now().Add(10 * time.Second)
			for selected() != first+1 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if selected() != first+1 {
				t.Fatalf("j did not move the selection:\n%s", u.screen())
			}
			// the prompt's cursor is drawn in reverse video
			u.keys("/")
			u.waitFor("search:")
			esc = strings.Split(strings.TrimRight(u.screenEsc(), "\n"), "\n")
			if last := esc[len(esc)-1]; !reverse.MatchString(last) {
				t.Fatalf("no visible cursor in the prompt: %q", last)
			}
			u.keys("Escape")
		})
	}
}

// TestTUIJapaneseMemo: under LANG=ja_JP.UTF-8 the TUI speaks Japanese; a
// memo typed in Japanese, longer than the line, keeps the cursor on screen
// and is saved exactly.
func TestTUIJapaneseMemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m := startMeetd(t)
	op := m.login(t, "op@e2e.test")
	caller, _ := simPhone(t, ctx, "127.0.0.1", "+819033334444")
	if _, err := caller.Call(ctx, m.sip, closedNumber, simcaller.CallPlan{HangupAfter: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	missed := waitMissed(t, op, api.ReasonNotInOperation, 1)[0]
	u := startTUIWith(t, m, "op@e2e.test", tuiOpts{w: 80, h: 24, env: []string{"LANG=ja_JP.UTF-8"}})
	u.waitFor("受信トレイ", "オンライン")
	u.keys("4")
	u.waitFor("不在 時間外")
	u.keys("Enter")
	u.waitFor(fmt.Sprintf("チャット #%d", missed.ID), "営業時間外")
	u.keys("n")
	u.waitFor(fmt.Sprintf("チャット #%d のメモ", missed.ID))
	memo := "お客様から折り返しの依頼。保留中に切断されたため、明日の午前中に再度お電話します。担当：鈴木"
	u.typeText(memo)
	ls := u.lines()
	last := ls[len(ls)-1]
	if ansi.StringWidth(last) > 80 || !strings.Contains(last, "担当：鈴木") {
		t.Fatalf("the prompt line lost the cursor's end: %q (%d cells)", last, ansi.StringWidth(last))
	}
	esc := strings.Split(strings.TrimRight(u.screenEsc(), "\n"), "\n")
	if !cursor.MatchString(esc[len(esc)-1]) {
		t.Fatalf("no visible cursor: %q", esc[len(esc)-1])
	}
	u.keys("Enter")
	u.waitFor("メモを保存しました")
	memos, err := op.Memos(ctx, missed.ID)
	if err != nil || len(memos) != 1 || memos[0].Text != memo {
		t.Fatalf("memos %+v %v", memos, err)
	}
	u.waitFor("担当：鈴木") // in the timeline, wrapped by cells
	for i, l := range u.lines() {
		if ansi.StringWidth(l) > 80 {
			t.Fatalf("line %d is wider than 80 cells: %q", i, l)
		}
	}
}
