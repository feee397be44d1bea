package automation

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/automation/smstest"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
)

// endCalls creates n ended, missed inbound calls and their call.ended events.
func endCalls(t *testing.T, db *sqlite.DB, ch int64, n int, tags []string) []int64 {
	prefix := "+81900000"
	if len(tags) > 0 {
		prefix = "+81700000"
	}
	var calls []int64
	err := db.Update(context.Background(), func(tx store.Tx) error {
		for i := range n {
			chat := api.Chat{ChannelID: ch, Customer: api.Customer{Number: prefix + string(rune('0'+i)), Name: "Caller", Tags: tags}}
			if err := tx.CreateChat(&chat); err != nil {
				return err
			}
			now := time.Now().UTC()
			c := api.Call{ChatID: chat.ID, ChannelID: ch, Direction: api.Inbound, From: chat.Customer.Number, To: "+8150",
				State: api.CallEnded, Created: now, Ended: &now, MissedReason: api.ReasonNotInOperation}
			if err := tx.CreateCall(&c); err != nil {
				return err
			}
			calls = append(calls, c.ID)
			if err := tx.Append(&api.Event{Type: api.EvCallEnded, ChannelID: ch, ChatID: chat.ID, CallID: c.ID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return calls
}

func TestRedirectToChatRecipeSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "meet.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var ch api.Channel
	if err := db.Update(ctx, func(tx store.Tx) error { ch = api.Channel{Name: "demo", Timezone: "UTC"}; return tx.CreateChannel(&ch) }); err != nil {
		t.Fatal(err)
	}
	rules := []api.Automation{{Name: "redirect to chat", Enabled: true,
		When:    api.AutomationCond{Outcome: "missed", TagsExclude: []string{"blacklist"}},
		Actions: []api.AutomationStep{{Type: "sms", Template: "Please write to us: {{chat_url}}"}, {Type: "tag", Tag: "sms-redirect"}, {Type: "close"}}}}
	if _, err := db.PutAutomations(ctx, ch.ID, rules); err != nil {
		t.Fatal(err)
	}
	calls := endCalls(t, db, ch.ID, 4, nil)
	black := endCalls(t, db, ch.ID, 1, []string{"blacklist"})

	prov := smstest.New()
	defer prov.Close()
	prov.Hang = 300 * time.Millisecond
	// Every message meets trouble first: 500, a lost response, a reset.
	prov.Script(smstest.Fail500, smstest.Timeout, smstest.Reset, smstest.Fail500, smstest.Timeout)
	snd, _ := NewSender(ProviderConfig{BaseURL: prov.URL, From: "+8150", Timeout: 100 * time.Millisecond}, nil)
	newRunner := func(db *sqlite.DB) *Runner {
		return NewRunner(db, RunnerConfig{Rules: db.Automations, SMSFrom: "+8150", ChatURL: func(id int64) string { return "https://chat.example/" + string(rune('0'+id)) }})
	}
	r := newRunner(db)
	if err := r.Catchup(ctx); err != nil {
		t.Fatal(err)
	}
	// Handling the same events again changes nothing.
	if err := r.Catchup(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	clock := func() time.Time { return now }
	w := NewWorker(db, snd.Send, WithClock(clock))
	w.Step(ctx) // first attempts: several fail and are scheduled for retry
	// meetd stops mid-retry and comes back.
	db.Close()
	db, err = sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := newRunner(db).Catchup(ctx); err != nil {
		t.Fatal(err)
	}
	w = NewWorker(db, snd.Send, WithClock(clock))
	for range 10 {
		now = now.Add(11 * time.Minute)
		w.Step(ctx)
	}
	got := prov.Delivered()
	if len(got) != len(calls) {
		t.Fatalf("delivered %d messages, want %d: %+v", len(got), len(calls), got)
	}
	for _, id := range calls {
		var chat api.Chat
		var evs []api.Event
		_ = db.View(ctx, func(tx store.Tx) error {
			c, _ := tx.Call(id)
			chat, _ = tx.Chat(c.ChatID)
			evs, _ = tx.ChatEvents(c.ChatID)
			return nil
		})
		if chat.State != api.ChatClosed || !slices.Contains(chat.Tags, "sms-redirect") {
			t.Fatalf("chat %d: %s %v", chat.ID, chat.State, chat.Tags)
		}
		runs := 0
		for _, e := range evs {
			if e.Type == api.EvAutomationRun {
				runs++
			}
		}
		if runs != 1 {
			t.Fatalf("chat %d automated %d times", chat.ID, runs)
		}
		sms, _ := db.ListSMS(ctx, chat.ID)
		if len(sms) != 1 || sms[0].Status != "sent" || sms[0].Attempts < 1 {
			t.Fatalf("chat %d sms %+v", chat.ID, sms)
		}
	}
	var bchat api.Chat
	_ = db.View(ctx, func(tx store.Tx) error { c, _ := tx.Call(black[0]); bchat, _ = tx.Chat(c.ChatID); return nil })
	if sms, _ := db.ListSMS(ctx, bchat.ID); len(sms) != 0 || bchat.State == api.ChatClosed {
		t.Fatalf("blacklisted customer automated: %+v %s", sms, bchat.State)
	}
}

func TestPermanentFailureIsVisibleOnTheChat(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "meet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ch api.Channel
	_ = db.Update(ctx, func(tx store.Tx) error { ch = api.Channel{Name: "demo"}; return tx.CreateChannel(&ch) })
	_, _ = db.PutAutomations(ctx, ch.ID, []api.Automation{{Name: "sms", Enabled: true, Actions: []api.AutomationStep{{Type: "sms", Template: "hi"}}}})
	calls := endCalls(t, db, ch.ID, 1, nil)
	prov := smstest.New()
	defer prov.Close()
	prov.Script(smstest.Reject400)
	snd, _ := NewSender(ProviderConfig{BaseURL: prov.URL, From: "+8150"}, nil)
	if err := NewRunner(db, RunnerConfig{Rules: db.Automations, SMSFrom: "+8150"}).Catchup(ctx); err != nil {
		t.Fatal(err)
	}
	NewWorker(db, snd.Send).Step(ctx)
	var evs []api.Event
	var chatID int64
	_ = db.View(ctx, func(tx store.Tx) error {
		c, _ := tx.Call(calls[0])
		chatID = c.ChatID
		evs, _ = tx.ChatEvents(c.ChatID)
		return nil
	})
	sms, _ := db.ListSMS(ctx, chatID)
	if len(sms) != 1 || sms[0].Status != "failed" || sms[0].LastErr == "" {
		t.Fatalf("sms %+v", sms)
	}
	if evs[len(evs)-1].Type != api.EvSMSStatus {
		t.Fatalf("no sms.status event on the chat: %+v", evs[len(evs)-1])
	}
}
