package automation

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/automation/smstest"
)

func tp(t time.Time) *time.Time { return &t }

func TestMatches(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	missed := Facts{Call: api.Call{Direction: api.Inbound, MissedReason: api.ReasonNoOperator, Created: now, Ended: tp(now)},
		Customer: api.Customer{Name: "Sato", Number: "+8190", Tags: []string{"vip"}}, TeamID: 3}
	answered := missed
	answered.Call.MissedReason = ""
	answered.Call.Answered = tp(now)
	black := missed
	black.Customer.Tags = []string{"blacklist"}
	out := missed
	out.Call.Direction = api.Outbound
	menu := missed
	menu.Chat.MenuPath = "1/2"
	cases := []struct {
		name string
		c    api.AutomationCond
		f    Facts
		want bool
	}{
		{"empty matches", api.AutomationCond{}, missed, true},
		{"missed", api.AutomationCond{Outcome: "missed"}, missed, true},
		{"missed not answered", api.AutomationCond{Outcome: "missed"}, answered, false},
		{"answered", api.AutomationCond{Outcome: "answered"}, answered, true},
		{"reason in", api.AutomationCond{Reasons: []api.MissedReason{api.ReasonNoOperator, api.ReasonUserLeft}}, missed, true},
		{"reason out", api.AutomationCond{Reasons: []api.MissedReason{api.ReasonUserLeft}}, missed, false},
		{"direction", api.AutomationCond{Direction: api.Inbound}, out, false},
		{"include", api.AutomationCond{TagsInclude: []string{"vip"}}, missed, true},
		{"include missing", api.AutomationCond{TagsInclude: []string{"vip"}}, black, false},
		{"exclude blacklist", api.AutomationCond{TagsExclude: []string{"blacklist"}}, black, false},
		{"exclude other", api.AutomationCond{TagsExclude: []string{"blacklist"}}, missed, true},
		{"team", api.AutomationCond{TeamID: 3}, missed, true},
		{"other team", api.AutomationCond{TeamID: 4}, missed, false},
		{"menu path", api.AutomationCond{MenuPath: "1/2"}, menu, true},
		{"menu path prefix", api.AutomationCond{MenuPath: "1"}, menu, true},
		{"menu path other", api.AutomationCond{MenuPath: "2"}, menu, false},
		{"menu path not a digit prefix", api.AutomationCond{MenuPath: "1/"}, menu, false},
		{"menu path without menu", api.AutomationCond{MenuPath: "1"}, missed, false},
	}
	for _, c := range cases {
		if got := Matches(c.c, c.f); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}

func TestPlanAndRender(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	f := Facts{Call: api.Call{Direction: api.Inbound, MissedReason: api.ReasonNotInOperation, Created: now},
		Customer: api.Customer{Name: "佐藤"}, ChatURL: "https://chat.example/c/1"}
	rules := []api.Automation{
		{ID: 1, Name: "off", Enabled: false, Actions: []api.AutomationStep{{Type: "close"}}},
		{ID: 2, Name: "redirect", Enabled: true, When: api.AutomationCond{Outcome: "missed", TagsExclude: []string{"blacklist"}},
			Actions: []api.AutomationStep{{Type: "sms", Template: "{{customer_name}}様、チャットはこちら: {{chat_url}} ({{ call_started }})"}, {Type: "tag", Tag: "sms-sent"}}},
	}
	steps := Plan(rules, f)
	if len(steps) != 2 || steps[0].Type != "sms" || steps[1].Tag != "sms-sent" {
		t.Fatalf("steps %+v", steps)
	}
	if want := "佐藤様、チャットはこちら: https://chat.example/c/1 (2026-05-01 10:00)"; steps[0].SMSBody != want {
		t.Fatalf("body %q", steps[0].SMSBody)
	}
}

func TestValidate(t *testing.T) {
	good := api.Automation{Name: "x", Actions: []api.AutomationStep{{Type: "sms", Template: "hi {{chat_url}}"}}}
	if err := Validate(good); err != nil {
		t.Fatal(err)
	}
	bad := []api.Automation{
		{Actions: good.Actions},
		{Name: "x"},
		{Name: "x", Actions: []api.AutomationStep{{Type: "fax"}}},
		{Name: "x", Actions: []api.AutomationStep{{Type: "sms", Template: "hi {{nope}}"}}},
		{Name: "x", Actions: []api.AutomationStep{{Type: "sms", Template: "hi {{chat_url"}}},
		{Name: "x", Actions: []api.AutomationStep{{Type: "tag"}}},
		{Name: "x", When: api.AutomationCond{Reasons: []api.MissedReason{"bored"}}, Actions: good.Actions},
		{Name: "x", When: api.AutomationCond{Outcome: "maybe"}, Actions: good.Actions},
		{Name: "x", When: api.AutomationCond{MenuPath: "12"}, Actions: good.Actions},
		{Name: "x", When: api.AutomationCond{MenuPath: "1/"}, Actions: good.Actions},
	}
	good.When.MenuPath = "1/#"
	if err := Validate(good); err != nil {
		t.Fatal(err)
	}
	for i, a := range bad {
		if err := Validate(a); api.CodeOf(err) != api.CodeBadRequest {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

// memOutbox is an in-memory Outbox for the worker's logic.
type memOutbox struct {
	mu   sync.Mutex
	msgs map[int64]*api.SMS
}

func (m *memOutbox) DueSMS(_ context.Context, now time.Time, limit int) ([]api.SMS, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []api.SMS
	for _, s := range m.msgs {
		if s.Status == "queued" && (s.NextAt == nil || !s.NextAt.After(now)) {
			out = append(out, *s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
func (m *memOutbox) MarkSMSSent(_ context.Context, id int64, at time.Time, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs[id].Status, m.msgs[id].SentAt = "sent", &at
	return nil
}
func (m *memOutbox) MarkSMSRetry(_ context.Context, id int64, n int, next time.Time, e string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.msgs[id]
	s.Attempts, s.NextAt, s.LastErr = n, &next, e
	return nil
}
func (m *memOutbox) MarkSMSFailed(_ context.Context, id int64, n int, e string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.msgs[id]
	s.Status, s.Attempts, s.LastErr = "failed", n, e
	return nil
}

func TestWorkerDeliversExactlyOnceThroughFaults(t *testing.T) {
	prov := smstest.New()
	defer prov.Close()
	prov.Token = "secret"
	prov.Hang = 500 * time.Millisecond
	prov.Script(smstest.Fail500, smstest.Timeout, smstest.Reset, smstest.Fail500, smstest.Reject400)
	snd, err := NewSender(ProviderConfig{BaseURL: prov.URL, Token: "secret", From: "+8150", Timeout: 200 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := &memOutbox{msgs: map[int64]*api.SMS{}}
	for i := int64(1); i <= 6; i++ {
		out.msgs[i] = &api.SMS{ID: i, ChatID: i, To: "+8190" + string(rune('0'+i)), From: "+8150", Body: "hello", Status: "queued"}
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := NewWorker(out, snd.Send, WithClock(func() time.Time { return now }))
	for range 20 {
		w.Step(context.Background())
		now = now.Add(11 * time.Minute)
	}
	got := prov.Delivered()
	// One message met the permanent 400 and is failed; the 5 others arrive once each.
	if len(got) != 5 {
		t.Fatalf("delivered %d: %+v", len(got), got)
	}
	keys := map[string]bool{}
	for _, m := range got {
		if keys[m.Key] {
			t.Fatalf("sent twice: %s", m.Key)
		}
		keys[m.Key] = true
	}
	failed := 0
	for _, s := range out.msgs {
		switch s.Status {
		case "failed":
			failed++
			if !strings.Contains(s.LastErr, "400") {
				t.Fatalf("failure not visible: %q", s.LastErr)
			}
		case "sent":
		default:
			t.Fatalf("sms %d left %s", s.ID, s.Status)
		}
	}
	if failed != 1 {
		t.Fatalf("failed %d", failed)
	}
}

func TestSenderErrors(t *testing.T) {
	if _, err := NewSender(ProviderConfig{From: "+1"}, nil); err == nil {
		t.Fatal("empty base URL accepted")
	}
	prov := smstest.New()
	defer prov.Close()
	prov.Token = "right"
	snd, _ := NewSender(ProviderConfig{BaseURL: prov.URL, Token: "wrong", From: "+1"}, &http.Client{})
	_, err := snd.Send(context.Background(), api.SMS{ID: 1, To: "+2", Body: "x"})
	var se *SendError
	if !errors.As(err, &se) || !se.Permanent || se.Status != 401 {
		t.Fatalf("bad credentials: %v", err)
	}
	if DefaultBackoff(1) != 5*time.Second || DefaultBackoff(100) != 10*time.Minute {
		t.Fatal("backoff")
	}
}
