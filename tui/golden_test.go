package tui

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/internal/i18n"
	"github.com/meet-dev/meet/tui/common"
)

// goldenCase runs the real bubbletea program on the fake backend at a fixed
// size, drives it with messages and compares the final View() with
// testdata/<test name>.golden (go test ./tui -run Golden -update rewrites).
type goldenCase struct {
	name   string
	w, h   int
	setup  func(f *fakeBackend)
	steps  []tea.Msg
	waitOn string // text that must be on screen before the view is taken
	// between[i] is text to wait for after step i, before the next one
	between map[int]string
	ja      bool // Japanese messages and ASCII chrome, as meet runs under LANG=ja_JP.UTF-8
}

var (
	allTabsLoaded   = regexp.MustCompile(`Opened \d+ │ Snoozed \d+ │ Closed \d+ │ Missed \d+`)
	allTabsLoadedJa = regexp.MustCompile(`対応中 \d+ \| スヌーズ \d+ \| 終了済み \d+ \| 不在着信 \d+`)
)

func runGolden(t *testing.T, gc goldenCase) {
	t.Run(gc.name, func(t *testing.T) {
		f := newFake()
		seed(f)
		if gc.setup != nil {
			gc.setup(f)
		}
		phone := &fakePhone{stats: common.PhoneStats{Connected: true, RTT: 42 * time.Millisecond, Loss: 0.005,
			Jitter: 8 * time.Millisecond, MicDBFS: -24, SpeakerDBFS: -30}}
		st := common.NewStyles(io.Discard, false)
		ctx := common.NewContext(st, common.MustDefaultKeys())
		if gc.ja {
			ctx.Tr = i18n.New(i18n.Japanese)
			st.UseSafeGlyphs()
			t.Cleanup(func() { common.NewStyles(io.Discard, false) }) // the Unicode ellipsis again
		}
		now := t0.Add(83 * time.Second)
		ctx.Now = func() time.Time { return now }
		m := New(context.Background(), ctx, f, nil, WithPhone(phone), WithServerLabel("http://127.0.0.1:8080"))
		m.tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
		tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(gc.w, gc.h))
		// every tab counted: the tab line is repainted whole, so one match
		// means all four first pages arrived
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			if gc.ja {
				return allTabsLoadedJa.Match(b) && bytes.Contains(b, []byte("Ann (スーパーバイザー)"))
			}
			return allTabsLoaded.Match(b) && bytes.Contains(b, []byte("Ann (supervisor)"))
		},
			teatest.WithDuration(5*time.Second))
		for i, s := range gc.steps {
			tm.Send(s)
			if w, ok := gc.between[i]; ok {
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(w)) },
					teatest.WithDuration(5*time.Second))
			}
		}
		if gc.waitOn != "" {
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(gc.waitOn)) },
				teatest.WithDuration(5*time.Second))
		}
		if err := tm.Quit(); err != nil {
			t.Fatal(err)
		}
		fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
		golden.RequireEqual(t, []byte(fm.View()))
	})
}

func TestGolden(t *testing.T) {
	ringing := func(f *fakeBackend) { addRinging(f, 50, 20, "+819011112222") }
	cases := []goldenCase{
		{name: "inbox_80x24", w: 80, h: 24},
		{name: "inbox_120x40", w: 120, h: 40},
		{name: "missed_80x24", w: 80, h: 24, steps: []tea.Msg{keyMsg("4")}, waitOn: "closed hrs"},
		{name: "chat_missed_80x24", w: 80, h: 24, steps: []tea.Msg{keyMsg("4"), keyMsg("enter")},
			between: map[int]string{0: "closed hrs"}, waitOn: "caller waiting"},
		{name: "ringing_80x24", w: 80, h: 24, setup: ringing, steps: []tea.Msg{ringEvent(50, 20, 1)}, waitOn: "Incoming"},
		{name: "in_call_80x24", w: 80, h: 24, setup: ringing, steps: []tea.Msg{ringEvent(50, 20, 1), keyMsg("a")},
			between: map[int]string{0: "Incoming"}, waitOn: "no events yet"},
		{name: "board_80x24", w: 80, h: 24, setup: func(f *fakeBackend) {
			addRinging(f, 70, 40, "+819012121212")
			f.calls[70].State = api.CallActive
			f.calls[70].Participants = []api.Participant{{StaffID: 2, Mode: api.ModeTalk, Joined: t0.Add(-90 * time.Second)},
				{StaffID: 1, Mode: api.ModeListen, Joined: t0}}
		}, steps: []tea.Msg{keyMsg("v")}, waitOn: "Live calls (1)"},
		{name: "settings_80x24", w: 80, h: 24, steps: []tea.Msg{keyMsg(",")}, waitOn: "would ring"},
		{name: "help_80x24", w: 80, h: 24, steps: []tea.Msg{keyMsg("?")}, waitOn: "Supervisor"},
		{name: "stats_80x24", w: 80, h: 24, setup: func(f *fakeBackend) {
			f.stats = api.Stats{Periods: []api.StatsPeriod{
				{Start: t0.AddDate(0, 0, -2), Inbound: 10, Answered: 7, Missed: 3, MissedBy: map[api.MissedReason]int{api.ReasonNoOperator: 2, api.ReasonUserLeft: 1}},
				{Start: t0.AddDate(0, 0, -1), Inbound: 4, Answered: 4},
				{Start: t0, Inbound: 7, Answered: 5, Missed: 2, MissedBy: map[api.MissedReason]int{api.ReasonRingTimeout: 2}},
			}, Total: api.StatsPeriod{Inbound: 21, Answered: 16, Missed: 5,
				MissedBy: map[api.MissedReason]int{api.ReasonNoOperator: 2, api.ReasonUserLeft: 1, api.ReasonRingTimeout: 2},
				AvgWaitS: 12, AvgTalkS: 185, ServiceLevel: 0.8}}
		}, steps: []tea.Msg{keyMsg("S")}, waitOn: "service level"},
	}
	for _, gc := range cases {
		runGolden(t, gc)
	}
}

// japanese seeds Japanese names, a memo and an internal message (wide
// characters), and a profile field with an ambiguous-width character.
func japanese(f *fakeBackend) {
	f.chats[1].Customer.Name = "山田太郎"
	f.chats[2].Customer.Name = "佐藤花子（株式会社さくら）"
	f.chats[1].Tags = []string{"至急", "vip"}
	f.chats[4].Customer.Name = "伊藤健"
	f.chats[4].Customer.Profile = map[string]string{"会社": "①商事", "プラン": "ゴールド"}
	f.memos[4] = []api.Memo{{StaffID: 1, Text: "折り返しの依頼あり。明日の午前中に再度お電話します。保留中に切断されたため、要確認。", Created: t0.Add(-2 * time.Hour)}}
	f.msgs[4] = []api.Message{{StaffID: 2, Text: "@ann 対応お願いします", Created: t0.Add(-90 * time.Minute)}}
	f.staff[1].Name = "Bob 鈴木"
}

// The inbox and a chat in Japanese at 80×24: names, memos and labels are
// laid out by display cells and the chrome holds (issue 17).
func TestGoldenJapanese(t *testing.T) {
	for _, gc := range []goldenCase{
		{name: "inbox_ja_80x24", w: 80, h: 24, ja: true, setup: japanese},
		{name: "missed_ja_80x24", w: 80, h: 24, ja: true, setup: japanese, steps: []tea.Msg{keyMsg("4")}, waitOn: "伊藤健"},
		{name: "chat_ja_80x24", w: 80, h: 24, ja: true, setup: japanese, steps: []tea.Msg{keyMsg("4"), keyMsg("enter")},
			between: map[int]string{0: "伊藤健"}, waitOn: "対応お願いします"},
	} {
		runGolden(t, gc)
	}
}
