package httpapi_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
)

func TestCallHistoryThroughServer(t *testing.T) {
	e := newEnv(t)
	var ch1Calls []int64 // oldest first
	for i := 0; i < 7; i++ {
		chat := e.chat(e.ch1.ID, "+4980", nil)
		c := e.call(chat, api.CallEnded)
		ch1Calls = append(ch1Calls, c.ID)
	}
	hidden := e.call(e.chat(e.ch2.ID, "+4981", nil), api.CallEnded)
	live := e.call(e.chat(e.ch1.ID, "+4982", nil), api.CallRinging)
	ch1Calls = append(ch1Calls, live.ID)

	// op1 pages through channel 1, newest first, 3 at a time.
	var got []int64
	q := api.CallQuery{Limit: 3}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		l, err := e.cOp1.CallHistory(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.Calls {
			if c.ID == hidden.ID {
				t.Fatal("operator sees a call of a channel that is not theirs")
			}
			got = append(got, c.ID)
		}
		if l.NextCursor == "" {
			break
		}
		q.Cursor = l.NextCursor
	}
	if len(got) != len(ch1Calls) || got[0] != live.ID || got[len(got)-1] != ch1Calls[0] {
		t.Fatalf("history %v, want reverse of %v", got, ch1Calls)
	}
	for i := 1; i < len(got); i++ {
		if got[i] >= got[i-1] {
			t.Fatalf("not newest first: %v", got)
		}
	}
	// The admin sees both channels; a channel filter narrows.
	if l, err := e.cAdm.CallHistory(ctx, api.CallQuery{}); err != nil || len(l.Calls) != len(ch1Calls)+1 {
		t.Fatalf("admin history: %d calls %v", len(l.Calls), err)
	}
	if l, err := e.cAdm.CallHistory(ctx, api.CallQuery{ChannelID: e.ch2.ID}); err != nil || len(l.Calls) != 1 || l.Calls[0].ID != hidden.ID {
		t.Fatalf("admin channel 2: %+v %v", l, err)
	}
	// A window in the future is empty; a window around now holds them all.
	future := time.Now().Add(time.Hour)
	if l, err := e.cOp1.CallHistory(ctx, api.CallQuery{From: &future}); err != nil || len(l.Calls) != 0 {
		t.Fatalf("future window: %d calls %v", len(l.Calls), err)
	}
	past, soon := time.Now().Add(-time.Hour), time.Now().Add(time.Minute)
	if l, err := e.cOp1.CallHistory(ctx, api.CallQuery{From: &past, To: &soon, Limit: 200}); err != nil || len(l.Calls) != len(ch1Calls) {
		t.Fatalf("window: %d calls %v", len(l.Calls), err)
	}
	_, err := e.cOp1.CallHistory(ctx, api.CallQuery{ChannelID: e.ch2.ID})
	wantCode(t, err, api.CodeForbidden)

	// Bad parameters are bad requests naming the parameter.
	for _, raw := range []string{"live=maybe", "live=false&limit=0", "live=false&limit=201", "live=false&cursor=abc",
		"live=false&from=yesterday", "live=false&from=2026-01-02&to=2026-01-01", "limit=5"} {
		v, _ := url.ParseQuery(raw)
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/v1/calls?"+v.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+e.cOp1.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", raw, resp.StatusCode)
		}
	}
	_, err = e.cNo.CallHistory(ctx, api.CallQuery{})
	wantCode(t, err, api.CodeUnauthorized)
}

func TestChatCountsThroughServer(t *testing.T) {
	e := newEnv(t)
	closed, snoozed := api.ChatClosed, api.ChatSnoozed
	for i := 0; i < 4; i++ {
		e.chat(e.ch1.ID, "+4990", nil) // opened
	}
	e.chat(e.ch1.ID, "+4991", func(c *api.Chat) { c.State = closed; c.Missed, c.MissedReason = true, api.ReasonNoOperator })
	e.chat(e.ch1.ID, "+4992", func(c *api.Chat) { c.State = closed; c.Missed, c.MissedReason = true, api.ReasonUserLeft })
	e.chat(e.ch1.ID, "+4993", func(c *api.Chat) {
		until := time.Now().Add(time.Hour)
		c.State, c.SnoozedUntil, c.AssigneeID, c.Tags = snoozed, &until, &e.op1.ID, []string{"vip"}
	})
	e.chat(e.ch2.ID, "+4994", func(c *api.Chat) { c.State = closed })

	got, err := e.cOp1.ChatCounts(ctx, api.ChatQuery{State: api.ChatOpened, Limit: 5})
	if want := (api.ChatCounts{Opened: 4, Snoozed: 1, Closed: 2, Missed: 2}); err != nil || got != want {
		t.Fatalf("op1 counts = %+v %v, want %+v", got, err, want)
	}
	got, err = e.cAdm.ChatCounts(ctx, api.ChatQuery{})
	if want := (api.ChatCounts{Opened: 4, Snoozed: 1, Closed: 3, Missed: 2}); err != nil || got != want {
		t.Fatalf("admin counts = %+v %v, want %+v", got, err, want)
	}
	got, err = e.cOp1.ChatCounts(ctx, api.ChatQuery{Reason: api.ReasonUserLeft})
	if want := (api.ChatCounts{Closed: 1, Missed: 1}); err != nil || got != want {
		t.Fatalf("reason counts = %+v %v, want %+v", got, err, want)
	}
	got, err = e.cOp1.ChatCounts(ctx, api.ChatQuery{AssigneeID: &e.op1.ID, Tag: "vip", Q: "4993"})
	if want := (api.ChatCounts{Snoozed: 1}); err != nil || got != want {
		t.Fatalf("filtered counts = %+v %v, want %+v", got, err, want)
	}
	// The counts agree with the chat lists of each tab.
	yes := true
	for _, tab := range []api.ChatQuery{{State: api.ChatOpened}, {State: api.ChatClosed}, {Missed: &yes}} {
		l, err := e.cSup.Chats(ctx, tab)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := e.cSup.ChatCounts(ctx, tab)
		want := map[bool]int{true: c.Missed, false: map[api.ChatState]int{api.ChatOpened: c.Opened, api.ChatClosed: c.Closed}[tab.State]}[tab.Missed != nil]
		if len(l.Chats) != want {
			t.Errorf("tab %+v lists %d chats, counted %d", tab, len(l.Chats), want)
		}
	}
	_, err = e.cOp1.ChatCounts(ctx, api.ChatQuery{ChannelID: e.ch2.ID})
	wantCode(t, err, api.CodeForbidden)
	_, err = e.cOp1.ChatCounts(ctx, api.ChatQuery{Reason: "bogus"})
	wantCode(t, err, api.CodeBadRequest)
	_, err = e.cNo.ChatCounts(ctx, api.ChatQuery{})
	wantCode(t, err, api.CodeUnauthorized)
}
