package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/internal/simcaller"
)

// admin runs `meetd admin ARGS --db` on m's database.
func (m *meetd) admin(t *testing.T, args ...string) string {
	t.Helper()
	return run(t, bins.meetd, append(append([]string{"admin"}, args...), "--db", m.db)...)
}

// toneWAV writes a d-long tone as a 16 kHz WAV (a stand-in for a recorded prompt).
func toneWAV(t *testing.T, freq float64, d time.Duration) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("prompt%.0f.wav", freq))
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := audio.WriteWAV(f, 16000, audiotest.Tone(16000, freq, 0.3, int(d.Seconds()*16000))); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestIVRTwoLevelMenuToTeamWithMeetPhone: a SIP caller walks a two-level
// menu with RFC 4733 keys (1 → the "sales" level, 2 → team sales); only the
// team's member rings, and their headless `meet phone` answers. Operators
// outside the team auto-answer too, so a menu that routed to everyone would
// give the call to the wrong one. The choice shows on the chat (API and
// `meet chats`) and in the timeline; the DTMF-to-decision latency is logged.
func TestIVRTwoLevelMenuToTeamWithMeetPhone(t *testing.T) {
	m := startMeetd(t)
	sales, salesOut := salesMenu(t, m) // op@e2e.test, not in sales, must not get the call

	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	caller, _ := simPhone(t, ctx, "127.0.0.1", "+819011112222")
	res, err := caller.Call(ctx, m.sip, openNumber, simcaller.CallPlan{
		Audio: audiotest.Tone(8000, 440, 0.3, 8000), TalkFor: 3 * time.Second,
		Keys: []simcaller.Key{{At: 1200 * time.Millisecond, Digit: '1'}, {At: 2400 * time.Millisecond, Digit: '2'}},
	})
	if err != nil || !res.Answered || !res.Early {
		t.Fatalf("call: %v answered %v early %v (status %d)\n%s", err, res.Answered, res.Early, res.Status, sales.output())
	}
	rec := audio.PCM16(res.Recorded)
	if audiotest.ToneWindows(rec, 8000, 600) < 2 || audiotest.ToneWindows(rec, 8000, 800) < 2 {
		t.Errorf("the caller did not hear both menu prompts (600 Hz %d, 800 Hz %d windows)",
			audiotest.ToneWindows(rec, 8000, 600), audiotest.ToneWindows(rec, 8000, 800))
	}
	if len(rec) < 16000 || audiotest.ToneWindows(rec[len(rec)-16000:], 8000, 1000) < 2 {
		t.Fatal("the caller did not hear the sales operator after the menu")
	}

	sv := m.login(t, "sv@e2e.test")
	chat := wantMenuPathToSales(t, m, "+819011112222")
	evs, err := sv.ChatEvents(ctx, chat.ID)
	if err != nil {
		t.Fatal(err)
	}
	var chosen *api.Event
	for i, e := range evs {
		if e.Type == api.EvCallMenuChosen {
			chosen = &evs[i]
		}
	}
	if chosen == nil || countEvents(evs, api.EvCallMenu) != 2 || len(res.KeysSent) != 2 {
		t.Fatalf("menu events: chosen %v, %d prompts, %d keys sent", chosen, countEvents(evs, api.EvCallMenu), len(res.KeysSent))
	}
	var ch api.MenuChoice
	json.Unmarshal(chosen.Data, &ch)
	if ch.Path != "1/2" || ch.Action.Kind != api.MenuTeam || ch.Reason != "key" {
		t.Fatalf("choice %+v", ch)
	}
	// The event time is meetd's, the send time the caller's: one machine, one clock.
	t.Logf("DTMF-to-decision latency (first end packet sent → decision taken, call.menu_chosen time; real sockets): %v", chosen.At.Sub(res.KeysSent[1]))

	cred := filepath.Join(t.TempDir(), "c.json")
	run(t, bins.meet, "login", "--server", m.url, "--email", "sv@e2e.test", "--password", password, "--credentials", cred)
	if out := run(t, bins.meet, "chats", "--credentials", cred); !strings.Contains(out, "MENU") || !strings.Contains(out, "1/2") {
		t.Errorf("meet chats shows no menu path:\n%s", out)
	}
	// Statistics and the export per menu path: the call counts under 1/2
	// (answered), inside the branch 1 and not in branch 2.
	if out := run(t, bins.meet, "stats", "--menu-path", "1", "--credentials", cred); !regexp.MustCompile(`(?m)^1/2\s+1\s+1\s+0\s`).MatchString(out) ||
		!strings.Contains(out, "inbound 1 ") {
		t.Errorf("meet stats --menu-path 1 shows no answered call on 1/2:\n%s", out)
	}
	if out := run(t, bins.meet, "stats", "--menu-path", "2", "--credentials", cred); strings.Contains(out, "MENU PATH") || !strings.Contains(out, "inbound 0 ") {
		t.Errorf("meet stats --menu-path 2 counts the call:\n%s", out)
	}
	csvOut := run(t, bins.meet, "export", "--from", "today", "--to", "today", "--purpose", "menu review", "--menu-path", "1/2", "--credentials", cred)
	if lines := strings.Split(strings.TrimSpace(csvOut), "\n"); len(lines) != 2 || !strings.HasSuffix(lines[0], ",menu_path") || !strings.HasSuffix(lines[1], ",1/2") {
		t.Errorf("meet export --menu-path 1/2:\n%s", csvOut)
	}
	sales.stop()
	if audiotest.ToneWindows(readWAV(t, salesOut), 8000, 440) < 2 {
		t.Error("the sales operator did not hear the caller")
	}
}

// TestVoicemailLeftByBaresip: out of hours, a channel with voicemail on
// answers baresip, plays the voicemail guidance and a beep, and records
// what baresip says (speech over 1,000 Hz) until it hangs up. The missed
// chat carries the recording (API, `meet chats`, `meet voicemail`), and the
// WAV served by GET /v1/recordings/{id} holds the 1,000 Hz tone.
func TestVoicemailLeftByBaresip(t *testing.T) {
	need(t, "baresip")
	m := startMeetd(t)
	if out := m.admin(t, "channel", "set", "night", "--voicemail", "on", "--voicemail-max", "20s"); !strings.Contains(out, "voicemail on (messages up to 20s") {
		t.Fatalf("channel set printed:\n%s", out)
	}
	m.admin(t, "guidance", "set", "--channel", "night", "--kind", "voicemail", toneWAV(t, 500, 700*time.Millisecond))

	b := startBaresip(t, speechOverTone(t, 1000, 20*time.Second))
	if err := b.command("dial", fmt.Sprintf("sip:%s@%s", closedNumber, m.sip)); err != nil {
		t.Fatal(err)
	}
	if err := b.waitEvent("CALL_ESTABLISHED", 15*time.Second); err != nil {
		t.Fatalf("%v\nbaresip:\n%s", err, tail(b.proc.output(), 3000))
	}
	time.Sleep(5 * time.Second) // guidance, beep, then about 4 s of message
	if err := b.command("hangup", ""); err != nil {
		t.Fatal(err)
	}
	if err := b.waitEvent("CALL_CLOSED", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	b.proc.stop()
	time.Sleep(300 * time.Millisecond)
	heard := b.recording(t, "dec")
	if !toneFor(heard, 500, 400*time.Millisecond) || !toneFor(heard, 850, 200*time.Millisecond) {
		t.Errorf("baresip did not hear the voicemail guidance (500 Hz) and the beep (850 Hz)")
	}

	op := m.login(t, "op@e2e.test")
	ctx := context.Background()
	chats := waitMissed(t, op, api.ReasonNotInOperation, 1)
	var chat api.Chat
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		if chat, err = op.Chat(ctx, chats[0].ID); err != nil {
			t.Fatal(err)
		}
		if len(chat.Recordings) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !chat.Voicemail || len(chat.Recordings) != 1 || chat.Recordings[0].Kind != api.RecordingVoicemail {
		t.Fatalf("chat %d: voicemail %v recordings %+v", chat.ID, chat.Voicemail, chat.Recordings)
	}
	rec := chat.Recordings[0]
	if rec.DurationMS < 2500 {
		t.Errorf("voicemail only %d ms long", rec.DurationMS)
	}
	cred := filepath.Join(t.TempDir(), "c.json")
	run(t, bins.meet, "login", "--server", m.url, "--email", "op@e2e.test", "--password", password, "--credentials", cred)
	if out := run(t, bins.meet, "chats", "--missed", "--credentials", cred); !strings.Contains(out, "notInOperation +voicemail") {
		t.Errorf("meet chats --missed shows no voicemail marker:\n%s", out)
	}
	wav := filepath.Join(t.TempDir(), "vm.wav")
	out := run(t, bins.meet, "voicemail", fmt.Sprint(chat.ID), "--out", wav, "--credentials", cred)
	if !strings.Contains(out, "saved voicemail") {
		t.Fatalf("meet voicemail printed:\n%s", out)
	}
	got := readWAV(t, wav)
	if !toneFor(got, 1000, 2*time.Second) {
		t.Fatalf("the voicemail (%d samples at 8 kHz) lacks baresip's 1,000 Hz", len(got))
	}
	if toneFor(got, 500, 300*time.Millisecond) || toneFor(got, 850, 200*time.Millisecond) {
		t.Error("the voicemail recorded its own guidance or beep")
	}

	// The TUI lists it with a marker and plays it through the speaker with p.
	ui := startTUI(t, m, "op@e2e.test")
	ui.waitFor("Opened", "Missed 1")
	ui.keys("4")
	ui.waitFor("✉")
	ui.keys("p")
	ui.waitFor("voicemail playing")
	time.Sleep(1500 * time.Millisecond)
	ui.keys("p")
	ui.waitFor("voicemail paused")
	ui.keys(">", "p")
	ui.waitFor("voicemail playing")
	time.Sleep(2 * time.Second)
	ui.keys("q")
	speaker := filepath.Join(ui.home, "speaker.wav")
	deadline = time.Now().Add(10 * time.Second)
	for {
		if st, err := os.Stat(speaker); err == nil && st.Size() > 44 {
			if out, err := exec.Command("tmux", "has-session", "-t", ui.session).CombinedOutput(); err != nil {
				_ = out
				break // meet exited: the WAV is finished
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("meet did not quit:\n%s", ui.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if played := readWAV(t, speaker); !toneFor(played, 1000, time.Second) {
		t.Errorf("the TUI's speaker (%d samples) did not play the voicemail's 1,000 Hz", len(played))
	}
}

// tones classifies 100 ms windows of s (8 kHz): which of the frequencies each carries.
func tones(s audio.PCM16, freqs ...float64) [][]bool {
	var out [][]bool
	for i := 0; i+800 <= len(s); i += 800 {
		w := make([]bool, len(freqs))
		for j, f := range freqs {
			w[j] = audiotest.HasTone(s[i:i+800], 8000, f)
		}
		out = append(out, w)
	}
	return out
}

// TestHoldHeardByTheCaller: a SIP caller (440 Hz) talks with the headless
// `meet phone` operator (1,000 Hz); the operator's side puts the call on
// hold through the API: the caller hears the channel's hold guidance (a
// 700 Hz stand-in for music) and not the operator, and the operator hears
// silence; `meet hold CALL --resume` brings them back together. The call
// and the statistics count the held time.
func TestHoldHeardByTheCaller(t *testing.T) {
	m := startMeetd(t)
	m.admin(t, "guidance", "set", "--channel", "support", "--kind", "hold", toneWAV(t, 700, 2*time.Second))
	p, speaker := phone(t, m, "op@e2e.test", 1000, "--auto-answer")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	caller, _ := simPhone(t, ctx, "127.0.0.1", "+819033334444")
	type result struct {
		res simcaller.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := caller.Call(ctx, m.sip, openNumber, simcaller.CallPlan{Audio: audiotest.Tone(8000, 440, 0.3, 8000), TalkFor: 9 * time.Second})
		done <- result{res, err}
	}()
	op := m.login(t, "op@e2e.test")
	var call api.Call
	for deadline := time.Now().Add(15 * time.Second); ; {
		live, err := op.Calls(ctx, true, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(live) == 1 && live[0].State == api.CallActive {
			call = live[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answered call: %+v\n%s", live, p.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // talk
	if err := op.Hold(ctx, call.ID); err != nil {
		t.Fatal(err)
	}
	if c, err := op.Call(ctx, call.ID); err != nil || c.HeldSince == nil {
		t.Fatalf("held call %+v %v", c, err)
	}
	time.Sleep(3 * time.Second)
	cred := filepath.Join(t.TempDir(), "c.json")
	run(t, bins.meet, "login", "--server", m.url, "--email", "op@e2e.test", "--password", password, "--credentials", cred)
	if out := run(t, bins.meet, "hold", fmt.Sprint(call.ID), "--resume", "--credentials", cred); !strings.Contains(out, "resumed") {
		t.Fatalf("meet hold --resume: %s", out)
	}
	r := <-done
	if r.err != nil || !r.res.Answered {
		t.Fatalf("call: %v %+v", r.err, r.res.Status)
	}
	w := tones(audio.PCM16(r.res.Recorded), 700, 1000)
	var hold, both, opBefore, opAfter int
	first, last := -1, -1
	for i, x := range w {
		if x[0] {
			hold++
			if first < 0 {
				first = i
			}
			last = i
		}
		if x[0] && x[1] {
			both++
		}
	}
	for i, x := range w {
		switch {
		case x[1] && first >= 0 && i < first:
			opBefore++
		case x[1] && i > last:
			opAfter++
		}
	}
	t.Logf("caller's 100 ms windows: %d with hold music (%d-%d), %d with both, operator %d before and %d after", hold, first, last, both, opBefore, opAfter)
	if hold < 20 || both > 3 || opBefore < 10 || opAfter < 10 {
		t.Fatalf("the caller did not hear operator → hold music alone → operator again")
	}
	time.Sleep(500 * time.Millisecond)
	p.stop()
	heard := tones(readWAV(t, speaker), 440)
	quiet := 0
	for _, x := range heard {
		if !x[0] {
			quiet++
		}
	}
	if quiet < 20 {
		t.Errorf("the operator heard the caller all along (%d quiet windows of %d): hold must be silent for them", quiet, len(heard))
	}
	c, err := op.Call(ctx, call.ID)
	if err != nil || c.HeldS < 2 || c.HeldS > 5 || c.HeldSince != nil {
		t.Fatalf("held_s %d since %v (%v)", c.HeldS, c.HeldSince, err)
	}
	sv := m.login(t, "sv@e2e.test")
	st, err := sv.Stats(ctx, api.StatsQuery{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), Interval: "day"})
	if err != nil || st.Total.Held != 1 || st.Total.HoldS != c.HeldS {
		t.Fatalf("stats held %d hold_s %d (%v)", st.Total.Held, st.Total.HoldS, err)
	}
}

// TestCallRecordingDownloadedBySupervisor: on a channel with recording on,
// a SIP caller (440 Hz) hears the recording announcement and talks with the
// `meet phone` operator (1,000 Hz); the recording holds both parties, is
// marked on the chat, refused to the operator and to a download without a
// purpose, and a supervisor's download is in the audit log.
func TestCallRecordingDownloadedBySupervisor(t *testing.T) {
	m := startMeetd(t)
	if out := m.admin(t, "channel", "set", "support", "--recording", "on", "--recording-retention", "30"); !strings.Contains(out, "call recording on") {
		t.Fatalf("channel set: %s", out)
	}
	m.admin(t, "guidance", "set", "--channel", "support", "--kind", "recording", toneWAV(t, 600, 800*time.Millisecond))
	phone(t, m, "op@e2e.test", 1000, "--auto-answer")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	caller, _ := simPhone(t, ctx, "127.0.0.1", "+819055556666")
	res, err := caller.Call(ctx, m.sip, openNumber, simcaller.CallPlan{Audio: audiotest.Tone(8000, 440, 0.3, 8000), TalkFor: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("call: %v %+v", err, res.Status)
	}
	if !toneFor(audio.PCM16(res.Recorded), 600, 400*time.Millisecond) {
		t.Error("the caller did not hear the recording announcement")
	}
	sv, op := m.login(t, "sv@e2e.test"), m.login(t, "op@e2e.test")
	list, err := sv.Chats(ctx, api.ChatQuery{Q: "+819055556666"})
	if err != nil || len(list.Chats) != 1 {
		t.Fatalf("chats %v %+v", err, list)
	}
	var chat api.Chat
	for deadline := time.Now().Add(10 * time.Second); ; {
		if chat, err = sv.Chat(ctx, list.Chats[0].ID); err != nil {
			t.Fatal(err)
		}
		if len(chat.Recordings) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !chat.Recorded || len(chat.Recordings) != 1 || chat.Recordings[0].Kind != api.RecordingCall || chat.Recordings[0].DurationMS < 3000 {
		t.Fatalf("chat recorded %v recordings %+v", chat.Recorded, chat.Recordings)
	}
	rec := chat.Recordings[0]
	var sink strings.Builder
	if err := op.RecordingFor(ctx, rec.ID, "curious", &sink); api.CodeOf(err) != api.CodeForbidden {
		t.Fatalf("an operator downloaded a call recording: %v", err)
	}
	if err := sv.Recording(ctx, rec.ID, &sink); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("a download without a purpose: %v", err)
	}
	cred := filepath.Join(t.TempDir(), "c.json")
	run(t, bins.meet, "login", "--server", m.url, "--email", "sv@e2e.test", "--password", password, "--credentials", cred)
	wav := filepath.Join(t.TempDir(), "call.wav")
	out := run(t, bins.meet, "voicemail", fmt.Sprint(chat.ID), "--out", wav, "--purpose", "quality review", "--credentials", cred)
	if !strings.Contains(out, "saved call") {
		t.Fatalf("meet voicemail: %s", out)
	}
	got := readWAV(t, wav)
	if !toneFor(got, 440, 2*time.Second) || !toneFor(got, 1000, 2*time.Second) {
		t.Fatalf("the recording (%d samples) lacks the caller's 440 Hz or the operator's 1,000 Hz", len(got))
	}
	if toneFor(got, 600, 300*time.Millisecond) {
		t.Error("the announcement is in the recording")
	}
	audit, err := m.login(t, "admin@e2e.test").ExportAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range audit {
		found = found || a.Action == api.AuditRecordingDownload && a.Purpose == "quality review" && strings.Contains(a.Filters, fmt.Sprintf("recording=%d", rec.ID))
	}
	if !found {
		t.Fatalf("download not audited: %+v", audit)
	}
}

// salesMenu sets up the two-level menu of the IVR tests on m (1 → sales,
// then 2 → team sales), starts an auto-answering `meet phone` outside the
// team (which a menu routing to everyone would give the call to) and one
// in it, and returns the latter.
func salesMenu(t *testing.T, m *meetd) (sales *proc, salesOut string) {
	t.Helper()
	m.admin(t, "team", "add", "sales", "--channel", "support")
	m.admin(t, "staff", "add", "--email", "sales@e2e.test", "--password", password, "--channel", "support", "--team", "sales")
	out := m.admin(t, "menu", "set", "--channel", "support", "main: 1=menu:sales 0=everyone", "sales: 2=team:sales 9=menu:main")
	if !strings.Contains(out, "sales: 2=team:sales 9=menu:main") {
		t.Fatalf("menu set printed:\n%s", out)
	}
	m.admin(t, "guidance", "set", "--channel", "support", "--kind", "menu-main", toneWAV(t, 600, 600*time.Millisecond))
	m.admin(t, "guidance", "set", "--channel", "support", "--kind", "menu-sales", toneWAV(t, 800, 600*time.Millisecond))
	phone(t, m, "op@e2e.test", 300, "--auto-answer")
	return phone(t, m, "sales@e2e.test", 1000, "--auto-answer")
}

// wantMenuPathToSales checks that number's chat took path 1/2 and its call
// was answered by the sales member, and returns the chat.
func wantMenuPathToSales(t *testing.T, m *meetd, number string) api.Chat {
	t.Helper()
	ctx := context.Background()
	sv := m.login(t, "sv@e2e.test")
	list, err := sv.Chats(ctx, api.ChatQuery{Q: number})
	if err != nil || len(list.Chats) != 1 {
		t.Fatalf("chats %v %+v", err, list)
	}
	chat := list.Chats[0]
	if chat.MenuPath != "1/2" || chat.TeamID == nil {
		t.Fatalf("chat menu path %q team %v", chat.MenuPath, chat.TeamID)
	}
	calls, err := sv.ChatCalls(ctx, chat.ID)
	if err != nil || len(calls) != 1 || calls[0].AssigneeID == nil || calls[0].Answered == nil {
		t.Fatalf("calls %v %+v", err, calls)
	}
	staff, _ := sv.StaffList(ctx)
	for _, s := range staff {
		if s.ID == *calls[0].AssigneeID && s.Email != "sales@e2e.test" {
			t.Fatalf("answered by %s, not the sales team", s.Email)
		}
	}
	return chat
}

// TestIVRMenuBySIPInfoFromSipp: sipp walks the two-level menu with SIP INFO
// keys (application/dtmf-relay) in the early dialog; the sales team's
// `meet phone` answers.
//
// An automation on the branch the caller took (menu_path 1) tags the chat;
// one on the other branch does not.
func TestIVRMenuBySIPInfoFromSipp(t *testing.T) {
	m := startMeetd(t)
	salesMenu(t, m)
	ctx := context.Background()
	adm := m.login(t, "admin@e2e.test")
	chs, err := adm.AdminChannels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var support int64
	for _, c := range chs {
		if c.Name == "support" {
			support = c.ID
		}
	}
	tag := func(name, path, tag string) api.Automation {
		return api.Automation{Name: name, Enabled: true, When: api.AutomationCond{MenuPath: path}, Actions: []api.AutomationStep{{Type: "tag", Tag: tag}}}
	}
	if _, err := adm.AdminPutAutomations(ctx, support, []api.Automation{tag("sales line", "1", "sales-line"), tag("other line", "2", "other-line")}); err != nil {
		t.Fatal(err)
	}
	sipp(t, m.sip, "uac_ivr_info.xml", "-s", openNumber)
	wantMenuPathToSales(t, m, "+819033334444")
	sv := m.login(t, "sv@e2e.test")
	for deadline := time.Now().Add(10 * time.Second); ; {
		list, err := sv.Chats(ctx, api.ChatQuery{Q: "+819033334444"})
		if err != nil || len(list.Chats) != 1 {
			t.Fatalf("chats %v %+v", err, list)
		}
		if tags := strings.Join(list.Chats[0].Tags, ","); tags == "sales-line" {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("chat tags %q after the call; want the menu_path 1 automation's sales-line alone", tags)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestIVRMenuByBaresipDTMF: baresip walks the two-level menu with RFC 4733
// telephone-events (its sndcode) over the early media of the prompts; the
// sales team's `meet phone` answers and the two hear each other.
func TestIVRMenuByBaresipDTMF(t *testing.T) {
	need(t, "baresip")
	m := startMeetd(t)
	sales, _ := salesMenu(t, m)
	b := startBaresip(t, speechOverTone(t, 440, 20*time.Second))
	if err := b.command("dial", fmt.Sprintf("sip:%s@%s", openNumber, m.sip)); err != nil {
		t.Fatal(err)
	}
	if err := b.waitEvent("CALL_PROGRESS", 10*time.Second); err != nil {
		t.Fatalf("%v\nbaresip:\n%s", err, tail(b.proc.output(), 3000))
	}
	for _, key := range []string{"1", "2"} {
		time.Sleep(time.Second) // the prompt plays; a key cuts it short
		if err := b.command("sndcode", key); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.waitEvent("CALL_ESTABLISHED", 15*time.Second); err != nil {
		t.Fatalf("%v\nbaresip:\n%s\nsales phone:\n%s", err, tail(b.proc.output(), 3000), sales.output())
	}
	time.Sleep(3 * time.Second)
	if err := b.command("hangup", ""); err != nil {
		t.Fatal(err)
	}
	if err := b.waitEvent("CALL_CLOSED", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	b.proc.stop()
	time.Sleep(300 * time.Millisecond)
	heard := b.recording(t, "dec")
	if !toneFor(heard, 600, 300*time.Millisecond) || !toneFor(heard, 800, 300*time.Millisecond) {
		t.Error("baresip did not hear both menu prompts (600 and 800 Hz)")
	}
	if !toneFor(heard, 1000, time.Second) {
		t.Error("baresip did not hear the sales operator (1,000 Hz)")
	}
	wantMenuPathToSales(t, m, baresipNumber)
}
