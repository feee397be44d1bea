package common

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/api"
	"github.com/stretchr/testify/require"
)

func TestDefaultKeysHaveNoClashAndEveryActionIsDocumented(t *testing.T) {
	k, err := NewKeys(nil)
	require.NoError(t, err)
	seen := map[Action]bool{}
	for _, g := range HelpGroups {
		for _, a := range g.Actions {
			require.NotEmpty(t, k.Keys(a), a)
			require.NotEmpty(t, Descriptions[a], a)
			seen[a] = true
		}
	}
	for a := range DefaultBindings() {
		require.True(t, seen[a], "%s missing from help", a)
	}
	require.Equal(t, ActAnswer, k.Action(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("a")}))
	require.Equal(t, ActQuit, k.Action(tea.KeyMsg{Type: tea.KeyCtrlC}))
	require.Equal(t, ActOpen, k.Action(tea.KeyMsg{Type: tea.KeyEnter}))
}

func TestKeyOverrides(t *testing.T) {
	k, err := NewKeys(map[string][]string{"mute": {"M", "ctrl+m"}, "memo": {"N"}})
	require.NoError(t, err)
	require.Equal(t, ActMute, k.Action(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("M")}))
	require.Equal(t, ActNone, k.Action(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("m")}), "old key freed")
	require.Equal(t, "M/ctrl+m", k.Label(ActMute))

	_, err = NewKeys(map[string][]string{"mute": {"a"}})
	require.ErrorContains(t, err, `"a" is bound to both`)
	_, err = NewKeys(map[string][]string{"fly": {"y"}})
	require.ErrorContains(t, err, `unknown action "fly"`)
	_, err = NewKeys(map[string][]string{"mute": {" "}})
	require.ErrorContains(t, err, "has no keys")
}

func TestParseSnooze(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	now := time.Date(2026, 11, 25, 14, 30, 0, 0, tokyo) // a Wednesday
	cases := []struct {
		in   string
		want time.Time
		err  string
	}{
		{in: "30m", want: now.Add(30 * time.Minute)},
		{in: "2h", want: now.Add(2 * time.Hour)},
		{in: "1h30m", want: now.Add(90 * time.Minute)},
		{in: " 3d ", want: now.AddDate(0, 0, 3)},
		{in: "1w", want: now.AddDate(0, 0, 7)},
		{in: "tomorrow", want: time.Date(2026, 11, 26, 9, 0, 0, 0, tokyo)},
		{in: "Monday", want: time.Date(2026, 11, 30, 9, 0, 0, 0, tokyo)},
		{in: "wed", want: time.Date(2026, 12, 2, 9, 0, 0, 0, tokyo)},
		{in: "17:30", want: time.Date(2026, 11, 25, 17, 30, 0, 0, tokyo)},
		{in: "09:00", want: time.Date(2026, 11, 26, 9, 0, 0, 0, tokyo)},
		{in: "2026-12-01", want: time.Date(2026, 12, 1, 9, 0, 0, 0, tokyo)},
		{in: "2026-12-01 14:00", want: time.Date(2026, 12, 1, 14, 0, 0, 0, tokyo)},
		{in: "", err: "empty snooze"},
		{in: "-5m", err: "future"},
		{in: "0d", err: "days must be"},
		{in: "2020-01-01", err: "past"},
		{in: "soon", err: "cannot read"},
	}
	for _, c := range cases {
		got, err := ParseSnooze(c.in, now)
		if c.err != "" {
			require.ErrorContains(t, err, c.err, c.in)
			continue
		}
		require.NoError(t, err, c.in)
		require.True(t, c.want.Equal(got), "%q: want %v got %v", c.in, c.want, got)
	}
}

func TestParseFilterAndMatch(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	lookup := func(s string) (int64, bool) { return 7, s == "bob" }
	f, err := ParseFilter("reason:noOperator tag:vip assignee:bob from:2026-11-01 to:2026-11-30 medium:phone yamada", now, 1, lookup)
	require.NoError(t, err)
	require.Equal(t, api.ReasonNoOperator, f.Reason)
	require.Equal(t, "vip", f.Tag)
	require.EqualValues(t, 7, *f.Assignee)
	require.Equal(t, "yamada", f.Text)
	require.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), *f.To, "to: includes the whole day")
	require.Equal(t, "medium:phone reason:noOperator tag:vip assignee:bob from:2026-11-01 to:2026-11-30 yamada",
		f.String(func(int64) string { return "bob" }))
	q := f.Query(TabMissed, 50)
	require.True(t, *q.Missed)
	require.Equal(t, "yamada", q.Q)

	seven := int64(7)
	c := api.Chat{State: api.ChatClosed, Missed: true, MissedReason: api.ReasonNoOperator, Tags: []string{"VIP"}, AssigneeID: &seven,
		Medium: api.MediumPhone, Customer: api.Customer{Name: "Taro Yamada"}, Created: now.AddDate(0, 0, -3)}
	require.True(t, f.Match(TabMissed, c))
	require.True(t, f.Match(TabClosed, c))
	require.False(t, f.Match(TabOpened, c))
	c.MissedReason = api.ReasonUserLeft
	require.False(t, f.Match(TabMissed, c))

	f, err = ParseFilter("assignee:none phone:+8150 from:7d", now, 1, lookup)
	require.NoError(t, err)
	require.EqualValues(t, 0, *f.Assignee)
	require.Equal(t, "+8150", f.Text)
	require.Equal(t, time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC), *f.From)
	for _, bad := range []string{"reason:x", "assignee:zed", "from:yesterdayish", "color:red", "medium:sms"} {
		_, err := ParseFilter(bad, now, 1, lookup)
		require.Error(t, err, bad)
	}
}

func TestFormatting(t *testing.T) {
	require.Equal(t, "1:23", Clock(83*time.Second))
	require.Equal(t, "1:01:01", Clock(3661*time.Second))
	require.Equal(t, "0:00", Clock(-time.Second))
	require.Equal(t, "█████░░░░░", Meter(-30, 10))
	require.Equal(t, "░░░░░░░░░░", Meter(-200, 10))
	require.Equal(t, "ab…", Fit("abcdef", 3))
	require.Equal(t, "ab  ", Fit("ab", 4))
	for _, r := range append(append([]api.MissedReason(nil), api.MissedReasons...), api.ClusterReasons...) {
		require.NotEqual(t, string(r), ReasonText(r), "every reason has words")
		p, err := ParseReason(string(r))
		require.NoError(t, err)
		require.Equal(t, r, p)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	require.Equal(t, "09:00", When(now.Add(-3*time.Hour), now))
	require.Equal(t, "Mon 09:00", When(now.AddDate(0, 0, -2).Add(-3*time.Hour), now))
	require.Equal(t, "2026-11-01", When(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), now))
	require.Equal(t, 3, strings.Count(Lines("a\nb", 2, 3), "\n")+1)
}

func TestNoColorStylesEmitNoColourCodes(t *testing.T) {
	plain := NewStyles(&strings.Builder{}, false)
	for _, s := range []string{plain.Selected.Render("x"), plain.Missed.Render("x"), plain.TabActive.Render("x"), plain.CallBar.Render("x")} {
		require.NotContains(t, s, "38;5", "no foreground colour")
		require.NotContains(t, s, "48;5", "no background colour")
	}
	mono := NewStylesMode(&strings.Builder{}, Mono)
	for _, s := range []string{mono.Selected.Render("x"), mono.Missed.Render("x"), mono.TabActive.Render("x"), mono.CallBar.Render("x")} {
		require.NotContains(t, s, "38;5", "no foreground colour")
		require.NotContains(t, s, "48;5", "no background colour")
	}
	require.Contains(t, mono.Selected.Render("x"), "\x1b[7m", "NO_COLOR keeps reverse video for the selection and the cursor")
	col := NewStyles(&strings.Builder{}, true)
	require.Contains(t, col.Selected.Render("x"), "48;5", "colour when allowed")
}

func TestHintLineDropsWholeHintsAndKeepsHelp(t *testing.T) {
	k := MustDefaultKeys()
	hs := []Hint{{ActOpen, "open"}, {ActDial, "call a number"}, {ActFilter, "filter"}, {ActHelp, "help"}}
	require.Equal(t, "enter open · C call a number · f filter · ? help", HintLine(k, hs, 80))
	require.Equal(t, "enter open · f filter · ? help", HintLine(k, hs, 30))
	require.Equal(t, "? help", HintLine(k, hs, 8))
	for w := 1; w < 60; w++ {
		require.LessOrEqual(t, ansi.StringWidth(HintLine(k, hs, w)), w, w)
	}
}

func TestCompleteFilterAndLabelsParse(t *testing.T) {
	require.Equal(t, []string{"reason:"}, CompleteFilter("re", nil, nil))
	require.Equal(t, []string{"tag:vip reason:caller-left"}, CompleteFilter("tag:vip reason:cal", nil, nil))
	require.Equal(t, []string{"tag:vip", "tag:vendor"}, CompleteFilter("tag:v", []string{"vip", "vendor", "blacklist"}, nil))
	require.Equal(t, []string{"from:yesterday"}, CompleteFilter("from:y", nil, nil))
	require.Equal(t, []string{"assignee:me"}, CompleteFilter("assignee:m", nil, []string{"bob@x"}))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, label := range []string{"caller-left", "caller_left", "Caller-Left", "userLeft"} {
		f, err := ParseFilter("reason:"+label, now, 1, nil)
		require.NoError(t, err, label)
		require.Equal(t, api.ReasonUserLeft, f.Reason)
		require.Equal(t, "reason:caller-left", f.Describe(nil))
	}
}

func TestCleanNumber(t *testing.T) {
	for in, want := range map[string]string{"+81 3-1111-2222": "+81311112222", "03 (1111) 2222": "0311112222", "110": "110"} {
		got, err := CleanNumber(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got)
	}
	for _, bad := range []string{"abc", "", "+", "1", "12+3", "03-1111-2222 ext"} {
		_, err := CleanNumber(bad)
		require.ErrorIs(t, err, ErrNotANumber, bad)
	}
}

func TestErrorTextHidesGoErrors(t *testing.T) {
	ctx := NewContext(NewStyles(io.Discard, false), MustDefaultKeys())
	_, err := net.Dial("tcp", "127.0.0.1:1") // nothing listens on port 1
	require.Error(t, err)
	got := ErrorText(ctx, fmt.Errorf("chat #4: %w", err))
	require.Equal(t, "meetd is not answering; retrying when it is back (details in the log file)", got)
	require.NotContains(t, got, "dial tcp")
	require.Equal(t, "channel_id is required", ErrorText(ctx, &api.Error{Code: api.CodeBadRequest, Message: "channel_id is required"}))
	require.Equal(t, "meetd did not answer in time (details in the log file)", ErrorText(ctx, context.DeadlineExceeded))
}

func TestMentions(t *testing.T) {
	ann := api.Staff{ID: 1, Name: "Ann Lee", Email: "ann.lee@example.com"}
	bob := api.Staff{ID: 2, Email: "bob@example.com"}
	require.Equal(t, "@ann", Handle(ann))
	require.Equal(t, "@bob", Handle(bob))
	for _, text := range []string{"@ann can you take this?", "thanks @Ann.", "@ann.lee see memo", "@ann.lee@example.com"} {
		require.True(t, Mentions(text, ann), text)
	}
	require.False(t, Mentions("annie called", ann))
	require.False(t, Mentions("@annie called", ann))
	require.Equal(t, []string{"please @ann "}, CompleteMention("please @a", []api.Staff{ann, bob}))
	require.Nil(t, CompleteMention("please a", []api.Staff{ann, bob}))
}
