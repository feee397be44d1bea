package inbox

import (
	"context"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// Limits on user text.
const (
	MaxTagLen  = api.MaxTagLen
	MaxTextLen = api.MaxMemoLen
)

// PatchChat changes state, snooze time, assignee or team of a chat.
// AssigneeID or TeamID 0 clears it.
func (s *Service) PatchChat(ctx context.Context, actor, chatID int64, p api.ChatPatch) (api.Chat, error) {
	var out api.Chat
	err := s.update(ctx, func(tx store.Tx) error {
		c, err := tx.Chat(chatID)
		if err != nil {
			return err
		}
		now := s.now()
		changed := map[string]any{}
		if p.SnoozedUntil != nil && (p.State == nil || *p.State != api.ChatSnoozed) && c.State != api.ChatSnoozed {
			return badRequest("snoozed_until needs state snoozed")
		}
		if p.State != nil || p.SnoozedUntil != nil {
			to := c.State
			if p.State != nil {
				to = *p.State
			}
			if !to.Valid() {
				return badRequest("unknown state %q (want opened, snoozed or closed)", to)
			}
			if !allowed(byStaff, c.State, to) {
				return api.Errorf(api.CodeInvalidTransition, "chat %d is already %s", c.ID, c.State)
			}
			if to == api.ChatSnoozed {
				if p.SnoozedUntil == nil {
					return badRequest("snoozing needs snoozed_until")
				}
				if !p.SnoozedUntil.After(now) {
					return badRequest("snoozed_until %s is not in the future", p.SnoozedUntil.UTC().Format(time.RFC3339))
				}
			}
			if to == api.ChatClosed && c.LastCallID != nil {
				call, err := tx.Call(*c.LastCallID)
				if err != nil {
					return err
				}
				if call.State != api.CallEnded {
					return api.Errorf(api.CodeInvalidTransition, "chat %d has a call in progress (call %d is %s)", c.ID, call.ID, call.State)
				}
			}
			ch := StateChange{From: c.State, To: to}
			if to == api.ChatSnoozed {
				u := p.SnoozedUntil.UTC()
				ch.SnoozedUntil = &u
			}
			if err := transition(&c, byStaff, ch, now); err != nil {
				return err
			}
			ch.fields(changed)
		}
		if p.AssigneeID != nil {
			if *p.AssigneeID == 0 {
				c.AssigneeID = nil
			} else {
				if err := staffInChannel(tx, *p.AssigneeID, c.ChannelID); err != nil {
					return err
				}
				c.AssigneeID = p.AssigneeID
			}
			changed["assignee_id"] = *p.AssigneeID
		}
		if p.TeamID != nil {
			if *p.TeamID == 0 {
				c.TeamID = nil
			} else {
				tm, err := tx.Team(*p.TeamID)
				if err != nil {
					return err
				}
				if tm.ChannelID != c.ChannelID {
					return badRequest("team %d is not in channel %d", tm.ID, c.ChannelID)
				}
				c.TeamID = p.TeamID
			}
			changed["team_id"] = *p.TeamID
		}
		if len(changed) == 0 {
			return badRequest("nothing to change: send state, snoozed_until, assignee_id or team_id")
		}
		if err := tx.UpdateChat(&c); err != nil {
			return err
		}
		if err := appendChat(tx, c, api.EvChatUpdated, actor, 0, changed); err != nil {
			return err
		}
		out, err = tx.Chat(chatID)
		return err
	})
	return out, err
}

func staffInChannel(tx store.Tx, staffID, channelID int64) error {
	st, err := tx.Staff(staffID)
	if err != nil {
		return err
	}
	for _, c := range st.Channels {
		if c == channelID {
			return nil
		}
	}
	return badRequest("staff %d is not a member of channel %d", staffID, channelID)
}

// CleanTag trims and validates a tag name.
func CleanTag(tag string) (string, error) { return api.TagRule.Clean(tag) }

// AddTag tags a chat (adding a tag it has is a no-op without event).
func (s *Service) AddTag(ctx context.Context, actor, chatID int64, tag string) (api.Chat, error) {
	tag, err := CleanTag(tag)
	if err != nil {
		return api.Chat{}, err
	}
	var out api.Chat
	err = s.update(ctx, func(tx store.Tx) error {
		c, err := tx.Chat(chatID)
		if err != nil {
			return err
		}
		for _, t := range c.Tags {
			if t == tag {
				out = c
				return nil
			}
		}
		if err := tx.AddTag(chatID, tag); err != nil {
			return err
		}
		if err := appendChat(tx, c, api.EvChatTagged, actor, 0, map[string]string{"tag": tag}); err != nil {
			return err
		}
		out, err = tx.Chat(chatID)
		return err
	})
	return out, err
}

// RemoveTag removes a tag; not_found when the chat does not carry it.
func (s *Service) RemoveTag(ctx context.Context, actor, chatID int64, tag string) (api.Chat, error) {
	var out api.Chat
	err := s.update(ctx, func(tx store.Tx) error {
		c, err := tx.Chat(chatID)
		if err != nil {
			return err
		}
		if err := tx.RemoveTag(chatID, tag); err != nil {
			return err
		}
		if err := appendChat(tx, c, api.EvChatUntagged, actor, 0, map[string]string{"tag": tag}); err != nil {
			return err
		}
		out, err = tx.Chat(chatID)
		return err
	})
	return out, err
}

// AddFollower makes a staff member of the chat's channel follow it.
func (s *Service) AddFollower(ctx context.Context, actor, chatID, staffID int64) (api.Chat, error) {
	var out api.Chat
	err := s.update(ctx, func(tx store.Tx) error {
		c, err := tx.Chat(chatID)
		if err != nil {
			return err
		}
		if err := staffInChannel(tx, staffID, c.ChannelID); err != nil {
			return err
		}
		if err := tx.AddFollower(chatID, staffID); err != nil {
			return err
		}
		if err := appendChat(tx, c, api.EvChatFollowed, actor, staffID, nil); err != nil {
			return err
		}
		out, err = tx.Chat(chatID)
		return err
	})
	return out, err
}

func cleanText(text string) (string, error) { return api.MemoRule.Clean(text) }

// AddMemo writes a note on a chat.
func (s *Service) AddMemo(ctx context.Context, actor, chatID int64, text string) (api.Memo, error) {
	text, err := cleanText(text)
	if err != nil {
		return api.Memo{}, err
	}
	m := api.Memo{ChatID: chatID, StaffID: actor, Text: text}
	err = s.update(ctx, func(tx store.Tx) error {
		c, err := tx.Chat(chatID)
		if err != nil {
			return err
		}
		if err := tx.AddMemo(&m); err != nil {
			return err
		}
		return appendChat(tx, c, api.EvMemoAdded, actor, actor, map[string]any{"memo_id": m.ID, "text": m.Text})
	})
	return m, err
}

// AddMessage writes an internal message between staff in a chat.
func (s *Service) AddMessage(ctx context.Context, actor, chatID int64, text string) (api.Message, error) {
	text, err := cleanText(text)
	if err != nil {
		return api.Message{}, err
	}
	m := api.Message{ChatID: chatID, StaffID: actor, Text: text}
	err = s.update(ctx, func(tx store.Tx) error {
		c, err := tx.Chat(chatID)
		if err != nil {
			return err
		}
		if err := tx.AddMessage(&m); err != nil {
			return err
		}
		return appendChat(tx, c, api.EvMessageAdded, actor, actor, map[string]any{"message_id": m.ID, "text": m.Text})
	})
	return m, err
}

// PatchCustomer edits name, profile (at most 3 fields) and tags.
func (s *Service) PatchCustomer(ctx context.Context, actor, id int64, p api.CustomerPatch) (api.Customer, error) {
	var out api.Customer
	err := s.update(ctx, func(tx store.Tx) error {
		c, err := tx.Customer(id)
		if err != nil {
			return err
		}
		if p.ID != nil && *p.ID != id {
			return badRequest("id %d does not match customer %d", *p.ID, id)
		}
		if p.Number != nil && *p.Number != c.Number {
			return badRequest("a customer's number cannot change")
		}
		if p.Name != nil {
			if c.Name, err = (api.TextRule{Field: "name", Max: api.MaxNameLen}).Clean(*p.Name); err != nil {
				return err // an empty name clears it
			}
		}
		if p.Profile != nil {
			if len(*p.Profile) > 3 {
				return badRequest("a profile holds at most 3 fields, got %d", len(*p.Profile))
			}
			for k, v := range *p.Profile {
				if _, err := api.FieldRule.As("profile field name").Clean(k); err != nil {
					return err
				}
				if _, err := api.FieldRule.Clean(v); err != nil {
					return err
				}
			}
			c.Profile = *p.Profile
		}
		if p.Tags != nil {
			tags := make([]string, 0, len(*p.Tags))
			for _, t := range *p.Tags {
				t, err := CleanTag(t)
				if err != nil {
					return err
				}
				tags = append(tags, t)
			}
			c.Tags = tags
		}
		if err := tx.UpdateCustomer(&c); err != nil {
			return err
		}
		if err := tx.Append(&api.Event{Type: api.EvCustomerUpdated, ActorID: actor, Data: data(map[string]any{"customer_id": c.ID})}); err != nil {
			return err
		}
		out, err = tx.Customer(id)
		return err
	})
	return out, err
}

// PutSettings replaces a staff member's settings.
func (s *Service) PutSettings(ctx context.Context, staffID int64, set api.Settings) (api.Settings, error) {
	if set.UnassignedCallNotification == nil {
		set.UnassignedCallNotification = map[int64]bool{}
	}
	var out api.Settings
	err := s.update(ctx, func(tx store.Tx) error {
		st, err := tx.Staff(staffID)
		if err != nil {
			return err
		}
		for ch := range set.UnassignedCallNotification {
			if !contains(st.Channels, ch) {
				return badRequest("unassigned_call_notification: you are not a member of channel %d", ch)
			}
		}
		if err := tx.PutSettings(staffID, set); err != nil {
			return err
		}
		if err := tx.Append(&api.Event{Type: api.EvSettingsUpdated, StaffID: staffID, ActorID: staffID, Data: data(set)}); err != nil {
			return err
		}
		out, err = tx.Settings(staffID)
		return err
	})
	return out, err
}

func contains(xs []int64, x int64) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// WakeDueSnoozes reopens every chat whose snooze has ended.
func (s *Service) WakeDueSnoozes(ctx context.Context) (int, error) {
	n := 0
	err := s.update(ctx, func(tx store.Tx) error {
		ids, err := tx.DueSnoozes(s.now())
		if err != nil {
			return err
		}
		for _, id := range ids {
			c, err := tx.Chat(id)
			if err != nil {
				return err
			}
			if c.State != api.ChatSnoozed {
				continue
			}
			if err := wake(tx, &c, s.now()); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// RunSnoozeLoop wakes due snoozes every interval until ctx ends.
func (s *Service) RunSnoozeLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.WakeDueSnoozes(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("waking snoozed chats", "err", err)
			} else if n > 0 {
				s.log.Info("woke snoozed chats", "count", n)
			}
		}
	}
}
