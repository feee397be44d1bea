package tui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

func manyChats(n int) api.ChatList {
	l := api.ChatList{Chats: make([]api.Chat, n), NextCursor: "more"}
	reasons := append([]api.MissedReason{""}, api.MissedReasons...)
	for i := range l.Chats {
		r := reasons[i%len(reasons)]
		l.Chats[i] = api.Chat{ID: int64(n - i), ChannelID: 1, Medium: api.MediumPhone, State: api.ChatOpened,
			Customer: api.Customer{Number: fmt.Sprintf("+8190%08d", i), Name: fmt.Sprintf("Customer %d", i)},
			Missed:   r != "", MissedReason: r, Tags: []string{"vip", "follow-up"}, Updated: t0.Add(-time.Duration(i) * time.Minute)}
	}
	return l
}

// BenchmarkInboxView renders a full frame with 10,000 chats loaded in the
// inbox, the cursor in the middle (aim ≤ 5 ms per frame).
func BenchmarkInboxView(b *testing.B) {
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		b.Run(fmt.Sprintf("10k_%dx%d", size[0], size[1]), func(b *testing.B) {
			h := newHarness(b, newFake())
			h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			h.m.inbox.Loaded(common.TabOpened, "", manyChats(10000))
			for i := 0; i < 5000; i++ {
				h.m.inbox.Move(common.ActDown)
			}
			if !strings.Contains(h.m.View(), "Customer 5000") {
				b.Fatal("cursor row not drawn")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = h.m.View()
			}
		})
	}
}

// BenchmarkInboxLiveUpdate applies one live chat change to a 10,000-chat
// inbox and renders the frame.
func BenchmarkInboxLiveUpdate(b *testing.B) {
	h := newHarness(b, newFake())
	h.m.inbox.Loaded(common.TabOpened, "", manyChats(10000))
	c := manyChats(1).Chats[0]
	c.ID = 5000
	b.ReportAllocs()
	for b.Loop() {
		h.m.inbox.Apply(c)
		_ = h.m.View()
	}
}

// BenchmarkStartupToFirstScreen builds the model, runs its start-up
// requests against an in-memory backend holding 10,000 chats and renders
// the first inbox screen (aim ≤ 300 ms; the network's share is measured
// separately against a real meetd).
func BenchmarkStartupToFirstScreen(b *testing.B) {
	f := newFake()
	for i := int64(1); i <= 10000; i++ {
		f.addChat(i, fmt.Sprintf("+8190%08d", i), "", api.ChatOpened, "", time.Duration(i)*time.Second)
	}
	b.ReportAllocs()
	for b.Loop() {
		ctx := common.NewContext(common.NewStyles(io.Discard, true), common.MustDefaultKeys())
		m := New(context.Background(), ctx, f, nil, WithPhone(&fakePhone{}))
		h := &harness{t: b, m: m, f: f, phone: &fakePhone{}}
		m.tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
		h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
		h.drive(m.Init())
		if v := m.View(); !strings.Contains(v, "Opened 50+") {
			b.Fatalf("first screen not ready:\n%s", v)
		}
	}
}
