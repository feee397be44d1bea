package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/store"
)

// Runner applies the channel's automations to every ended call, exactly once:
// the actions, their events and the cursor over the call.ended event commit
// together, and on start it catches up on calls that ended while it was down.
type Runner struct {
	st        store.Store
	rules     func(ctx context.Context, channelID int64) ([]api.Automation, error)
	from      string // SMS sender number
	chatURL   func(chatID int64) string
	surveyURL func(chatID, callID int64) string
	wake      func()
	log       *slog.Logger
}

// RunnerConfig configures a Runner.
type RunnerConfig struct {
	// Rules lists a channel's automations (store.Reports.Automations).
	Rules func(ctx context.Context, channelID int64) ([]api.Automation, error)
	// SMSFrom is the sender number of queued messages.
	SMSFrom string
	// ChatURL and SurveyURL fill the template variables; nil leaves them empty.
	ChatURL   func(chatID int64) string
	SurveyURL func(chatID, callID int64) string
	// Wake is called after messages were queued (Worker.Wake).
	Wake   func()
	Logger *slog.Logger
}

// NewRunner builds a runner.
func NewRunner(st store.Store, cfg RunnerConfig) *Runner {
	r := &Runner{st: st, rules: cfg.Rules, from: cfg.SMSFrom, chatURL: cfg.ChatURL, surveyURL: cfg.SurveyURL,
		wake: cfg.Wake, log: cfg.Logger}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.wake == nil {
		r.wake = func() {}
	}
	return r
}

// Catchup handles every call.ended event after the cursor, in order.
func (r *Runner) Catchup(ctx context.Context) error {
	for {
		var evs []api.Event
		err := r.st.View(ctx, func(tx store.Tx) error {
			cur, err := tx.AutomationCursor()
			if err != nil {
				return err
			}
			evs, err = tx.EventsSince(cur, 500)
			return err
		})
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		if err := r.HandleBatch(ctx, evs); err != nil {
			return err
		}
		// Move past events that were not call.ended too.
		last := evs[len(evs)-1].ID
		if err := r.st.Update(ctx, func(tx store.Tx) error { return tx.SetAutomationCursor(last) }); err != nil {
			return err
		}
	}
}

// Run follows the live event stream until ctx ends.
func (r *Runner) Run(ctx context.Context, events <-chan api.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if ev.Type != api.EvCallEnded {
				continue
			}
			if err := r.Handle(ctx, ev); err != nil && ctx.Err() == nil {
				r.log.Warn("automation", "call_id", ev.CallID, "err", err)
			}
		}
	}
}

// Handle runs the automations for one call.ended event, once.
func (r *Runner) Handle(ctx context.Context, ev api.Event) error {
	return r.HandleBatch(ctx, []api.Event{ev})
}

// HandleBatch runs the automations for the call.ended events of evs (in id
// order), each once, in one transaction: under load, one commit for many
// ended calls instead of one each. When that transaction fails, each event
// is handled in its own, so one bad event fails alone.
func (r *Runner) HandleBatch(ctx context.Context, evs []api.Event) error {
	var ended []api.Event
	for _, ev := range evs {
		if ev.Type == api.EvCallEnded && ev.CallID != 0 {
			ended = append(ended, ev)
		}
	}
	if len(ended) == 0 {
		return nil
	}
	err := r.handle(ctx, ended)
	if err == nil || len(ended) == 1 {
		return err
	}
	var errs []error
	for _, ev := range ended {
		if err := r.handle(ctx, []api.Event{ev}); err != nil {
			errs = append(errs, fmt.Errorf("call %d: %w", ev.CallID, err))
		}
	}
	return errors.Join(errs...)
}

// handle runs the automations of evs, call.ended events in id order, in one
// transaction with the cursor.
func (r *Runner) handle(ctx context.Context, evs []api.Event) error {
	// In a cluster every node's runner follows every event, and the first
	// to take the cursor handles it: skip what another node handled before
	// loading its calls (a plain read; the cursor only moves forward).
	var done int64
	if err := r.st.View(ctx, func(tx store.Tx) (err error) { done, err = tx.AutomationCursor(); return }); err == nil {
		for len(evs) > 0 && evs[0].ID <= done {
			evs = evs[1:]
		}
		if len(evs) == 0 {
			return nil
		}
	}
	rules, err := r.prefetchRules(ctx, evs)
	if err != nil {
		return err
	}
	queued := false
	err = r.st.Update(ctx, func(tx store.Tx) error {
		queued = false
		cur, err := tx.AutomationCursor()
		if err != nil {
			return err
		}
		last := cur
		for _, ev := range evs {
			if ev.ID <= last {
				continue // handled before
			}
			last = ev.ID
			q, err := r.run(ctx, tx, ev, rules)
			if err != nil {
				return err
			}
			queued = queued || q
		}
		if last == cur {
			return nil
		}
		return tx.SetAutomationCursor(last)
	})
	if err == nil && queued {
		r.wake()
	}
	return err
}

// run applies the rules of the channel of ev's call to it.
func (r *Runner) run(ctx context.Context, tx store.Tx, ev api.Event, rules map[int64][]api.Automation) (queued bool, err error) {
	// A channel without rules plans nothing: skip reading the call (the
	// event carries its channel, which a call never changes).
	if rs, ok := rules[ev.ChannelID]; ok && ev.ChannelID != 0 && len(rs) == 0 {
		return false, nil
	}
	call, err := tx.Call(ev.CallID)
	if err != nil {
		return false, err
	}
	rs, ok := rules[call.ChannelID]
	if !ok {
		// The call's channel was not known before the transaction (it
		// cannot change: a call never moves channel). Not read here: the
		// rules come from another connection, and a write transaction that
		// waits for a second pooled connection can starve the pool.
		return false, fmt.Errorf("automation: rules of channel %d were not loaded", call.ChannelID)
	}
	if len(rs) == 0 {
		return false, nil // Plan of no rules is empty
	}
	chat, err := tx.Chat(call.ChatID)
	if err != nil {
		return false, err
	}
	f := Facts{Call: call, Chat: chat, Customer: chat.Customer}
	if chat.TeamID != nil {
		f.TeamID = *chat.TeamID
	}
	if r.chatURL != nil {
		f.ChatURL = r.chatURL(chat.ID)
	}
	if r.surveyURL != nil {
		f.SurveyURL = r.surveyURL(chat.ID, call.ID)
	}
	steps := Plan(rs, f)
	if len(steps) == 0 {
		return false, nil
	}
	return r.apply(tx, call, &chat, steps)
}

func (r *Runner) apply(tx store.Tx, call api.Call, chat *api.Chat, steps []Step) (queued bool, err error) {
	type done struct {
		Rule   int64  `json:"rule_id"`
		Name   string `json:"rule"`
		Action string `json:"action"`
		Detail string `json:"detail,omitempty"`
	}
	var log []done
	for _, s := range steps {
		d := done{Rule: s.Rule, Name: s.Name, Action: s.Type}
		switch s.Type {
		case "sms":
			to := chat.Customer.Number
			if call.Direction == api.Outbound {
				to = call.To
			}
			if to == "" || r.from == "" {
				d.Detail = "skipped: no customer number or no SMS sender configured"
				break
			}
			m := api.SMS{ChatID: chat.ID, CallID: call.ID, To: to, From: r.from, Body: s.SMSBody}
			if err := tx.EnqueueSMS(&m); err != nil {
				return false, err
			}
			d.Detail = fmt.Sprintf("sms %d queued to %s", m.ID, to)
			queued = true
		case "tag":
			if err := tx.AddTag(chat.ID, s.Tag); err != nil && api.CodeOf(err) != api.CodeConflict {
				return false, err
			}
			d.Detail = s.Tag
			if err := tx.Append(&api.Event{Type: api.EvChatTagged, ChannelID: chat.ChannelID, ChatID: chat.ID,
				Data: mustRaw(map[string]string{"tag": s.Tag, "by": "automation"})}); err != nil {
				return false, err
			}
		case "close":
			closed, err := inbox.CloseByAutomation(tx, chat, time.Now())
			if err != nil {
				return false, err
			}
			if !closed {
				d.Detail = "already closed"
			}
		}
		log = append(log, d)
	}
	return queued, tx.Append(&api.Event{Type: api.EvAutomationRun, ChannelID: chat.ChannelID, ChatID: chat.ID, CallID: call.ID,
		Data: mustRaw(map[string]any{"steps": log})})
}

func mustRaw(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// prefetchRules reads, before the write transaction, the rules of every
// channel the calls of evs belong to (per channel, once).
func (r *Runner) prefetchRules(ctx context.Context, evs []api.Event) (map[int64][]api.Automation, error) {
	// A call.ended event carries its call's channel (a call never moves
	// channel); the call is read only for an event without one.
	var channels []int64
	var unknown []int64
	for _, ev := range evs {
		switch {
		case ev.CallID == 0:
		case ev.ChannelID == 0:
			unknown = append(unknown, ev.CallID)
		case !slices.Contains(channels, ev.ChannelID):
			channels = append(channels, ev.ChannelID)
		}
	}
	if len(unknown) > 0 {
		err := r.st.View(ctx, func(tx store.Tx) error {
			for _, id := range unknown {
				c, err := tx.Call(id)
				if err != nil {
					return err
				}
				if !slices.Contains(channels, c.ChannelID) {
					channels = append(channels, c.ChannelID)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	rules := make(map[int64][]api.Automation, len(channels))
	for _, ch := range channels {
		rs, err := r.rules(ctx, ch)
		if err != nil {
			return nil, err
		}
		rules[ch] = rs
	}
	return rules, nil
}
