package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

var (
	_ store.Reports      = (*DB)(nil)
	_ store.AutomationTx = (*tx)(nil)
)

// callFilter builds the WHERE clause shared by statistics and exports.
func callFilter(f store.ExportFilter) (string, []any) {
	var b strings.Builder
	args := []any{ns(f.From), ns(f.To)}
	b.WriteString("c.created >= ? AND c.created < ?")
	if f.ChannelID != 0 {
		b.WriteString(" AND c.channel_id = ?")
		args = append(args, f.ChannelID)
	}
	if f.TeamID != 0 {
		b.WriteString(" AND h.team_id = ?")
		args = append(args, f.TeamID)
	}
	if f.Reason != "" {
		b.WriteString(" AND c.missed_reason = ?")
		args = append(args, string(f.Reason))
	}
	if f.MenuPath != "" {
		b.WriteString(" AND (h.menu_path = ? OR substr(h.menu_path, 1, ?) = ?)")
		args = append(args, f.MenuPath, len(f.MenuPath)+1, f.MenuPath+"/")
	}
	if f.Channels != nil {
		if len(f.Channels) == 0 {
			b.WriteString(" AND 0")
		} else {
			ph, ids := placeholders(f.Channels)
			b.WriteString(" AND c.channel_id IN (" + ph + ")")
			args = append(args, ids...)
		}
	}
	return b.String(), args
}

// StreamCalls streams the calls of f, oldest first.
func (d *DB) StreamCalls(ctx context.Context, f store.ExportFilter, fn func(store.CallStat) error) error {
	where, args := callFilter(f)
	rows, err := d.Query(ctx, `SELECT c.id, c.chat_id, c.channel_id, c.direction, c.created, c.first_waiting_started,
		c.first_ring_started, c.answered, c.ended, c.duration_s, c.missed_reason, c.held_s, h.menu_path, c.transfers
		FROM calls c JOIN chats h ON h.id = c.chat_id WHERE `+where+` ORDER BY c.created, c.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c store.CallStat
		var created int64
		var wait, ring, ans, end sql.NullInt64
		if err := rows.Scan(&c.ID, &c.ChatID, &c.ChannelID, &c.Direction, &created, &wait, &ring, &ans, &end,
			&c.DurationS, &c.MissedReason, &c.HeldS, &c.MenuPath, &c.Transfers); err != nil {
			return mapErr(err)
		}
		c.Created = fromNS(created)
		c.FirstWaitingStarted, c.FirstRingStarted, c.Answered, c.Ended = fromNull(wait), fromNull(ring), fromNull(ans), fromNull(end)
		if err := fn(c); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

// StreamExport streams one export row per call of f, oldest first.
func (d *DB) StreamExport(ctx context.Context, f store.ExportFilter, fn func(*api.ExportRow) error) error {
	where, args := callFilter(f)
	rows, err := d.Query(ctx, `SELECT c.chat_id, c.id, c.direction, c.from_number, c.to_number, ch.name,
		COALESCE(t.name, ''), COALESCE(NULLIF(s.name, ''), s.email, ''),
		COALESCE((SELECT group_concat(tag, ';') FROM chat_tags WHERE chat_id = c.chat_id), ''),
		c.created, c.first_waiting_started, c.first_ring_started, c.answered, c.ended, c.duration_s, c.missed_reason,
		(SELECT original_chat_id FROM chat_links WHERE callback_chat_id = c.chat_id), c.held_s, h.menu_path
		FROM calls c JOIN chats h ON h.id = c.chat_id JOIN channels ch ON ch.id = c.channel_id
		LEFT JOIN teams t ON t.id = h.team_id
		LEFT JOIN staff s ON s.id = COALESCE(c.assignee_id, h.assignee_id)
		WHERE `+where+` ORDER BY c.created, c.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r api.ExportRow
	for rows.Next() {
		var tags string
		var created int64
		var wait, ring, ans, end, cb sql.NullInt64
		if err := rows.Scan(&r.ChatID, &r.CallID, &r.Direction, &r.From, &r.To, &r.Channel, &r.Team, &r.Assignee,
			&tags, &created, &wait, &ring, &ans, &end, &r.DurationS, &r.MissedReason, &cb, &r.HeldS, &r.MenuPath); err != nil {
			return mapErr(err)
		}
		r.Tags = r.Tags[:0]
		if tags != "" {
			r.Tags = append(r.Tags, strings.Split(tags, ";")...)
		}
		r.Created = fromNS(created)
		r.FirstWaitingStarted, r.FirstRingStarted, r.Answered, r.Ended = fromNull(wait), fromNull(ring), fromNull(ans), fromNull(end)
		r.CallbackOf = idPtr(cb)
		if err := fn(&r); err != nil {
			return err
		}
	}
	return mapErr(rows.Err())
}

// AddAudit appends an audit entry.
func (d *DB) AddAudit(ctx context.Context, e *api.AuditEntry) error {
	return d.Update(ctx, func(st store.Tx) error {
		t := st.(*tx)
		if e.At.IsZero() {
			e.At = t.Now
		}
		res, err := t.exec(`INSERT INTO audit(staff_id, at, action, purpose, filters, rows) VALUES (?,?,?,?,?,?)`,
			e.StaffID, ns(e.At), e.Action, e.Purpose, e.Filters, e.Rows)
		if err != nil {
			return err
		}
		e.ID, err = res.LastInsertId()
		return err
	})
}

// ListAudit returns the newest audit entries first.
func (d *DB) ListAudit(ctx context.Context, limit int) ([]api.AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := d.Query(ctx, `SELECT id, staff_id, at, action, purpose, filters, rows FROM audit ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []api.AuditEntry{}
	for rows.Next() {
		var e api.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.StaffID, &at, &e.Action, &e.Purpose, &e.Filters, &e.Rows); err != nil {
			return nil, mapErr(err)
		}
		e.At = fromNS(at)
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// Automations lists a channel's rules in evaluation order.
func (d *DB) Automations(ctx context.Context, channelID int64) ([]api.Automation, error) {
	rows, err := d.Query(ctx, `SELECT id, name, enabled, cond, actions FROM automations WHERE channel_id = ? ORDER BY position`, channelID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []api.Automation{}
	for rows.Next() {
		a := api.Automation{ChannelID: channelID}
		var cond, actions string
		if err := rows.Scan(&a.ID, &a.Name, &a.Enabled, &cond, &actions); err != nil {
			return nil, mapErr(err)
		}
		if err := json.Unmarshal([]byte(cond), &a.When); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(actions), &a.Actions); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, mapErr(rows.Err())
}

// PutAutomations replaces a channel's rules with list, in that order.
func (d *DB) PutAutomations(ctx context.Context, channelID int64, list []api.Automation) ([]api.Automation, error) {
	err := d.Update(ctx, func(st store.Tx) error {
		t := st.(*tx)
		if _, err := t.Channel(channelID); err != nil {
			return err
		}
		if _, err := t.exec(`DELETE FROM automations WHERE channel_id = ?`, channelID); err != nil {
			return err
		}
		for i := range list {
			a := &list[i]
			a.ChannelID = channelID
			res, err := t.exec(`INSERT INTO automations(channel_id, position, name, enabled, cond, actions) VALUES (?,?,?,?,?,?)`,
				channelID, i, a.Name, boolInt(a.Enabled), mustJSON(a.When), mustJSON(a.Actions))
			if err != nil {
				return err
			}
			if a.ID, err = res.LastInsertId(); err != nil {
				return err
			}
		}
		return t.Append(&api.Event{Type: api.EvChannelUpdated, ChannelID: channelID,
			Data: json.RawMessage(`{"automations":` + mustJSON(len(list)) + `}`)})
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// EnqueueSMS queues a message in the current transaction, due now.
func (t *tx) EnqueueSMS(m *api.SMS) error {
	m.Status = "queued"
	res, err := t.exec(`INSERT INTO sms_outbox(chat_id, call_id, to_number, from_number, body, next_at, created) VALUES (?,?,?,?,?,?,?)`,
		m.ChatID, m.CallID, m.To, m.From, m.Body, ns(t.Now), ns(t.Now))
	if err != nil {
		return err
	}
	m.ID, err = res.LastInsertId()
	return err
}

// AutomationCursor is the last call.ended event id the automations handled.
func (t *tx) AutomationCursor() (int64, error) {
	var id int64
	err := t.row(`SELECT last_event_id FROM automation_cursor WHERE id = 1`).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, err
}

// SetAutomationCursor moves the cursor forward.
func (t *tx) SetAutomationCursor(eventID int64) error {
	_, err := t.exec(`INSERT INTO automation_cursor(id, last_event_id) VALUES (1, ?)
		ON CONFLICT(id) DO UPDATE SET last_event_id = max(last_event_id, excluded.last_event_id)`, eventID)
	return err
}

const smsCols = `id, chat_id, call_id, to_number, from_number, body, status, attempts, last_error, next_at, sent_at`

func scanSMS(rows *sql.Rows) ([]api.SMS, error) {
	defer rows.Close()
	out := []api.SMS{}
	for rows.Next() {
		var m api.SMS
		var next int64
		var sent sql.NullInt64
		if err := rows.Scan(&m.ID, &m.ChatID, &m.CallID, &m.To, &m.From, &m.Body, &m.Status, &m.Attempts, &m.LastErr, &next, &sent); err != nil {
			return nil, mapErr(err)
		}
		if m.Status == "queued" {
			n := fromNS(next)
			m.NextAt = &n
		}
		m.SentAt = fromNull(sent)
		out = append(out, m)
	}
	return out, mapErr(rows.Err())
}

// ListSMS lists a chat's messages oldest first; chat 0 lists the newest
// 1000 messages of the whole outbox, newest first.
func (d *DB) ListSMS(ctx context.Context, chatID int64) ([]api.SMS, error) {
	if chatID == 0 {
		rows, err := d.Query(ctx, `SELECT `+smsCols+` FROM sms_outbox ORDER BY id DESC LIMIT 1000`)
		if err != nil {
			return nil, err
		}
		return scanSMS(rows)
	}
	rows, err := d.Query(ctx, `SELECT `+smsCols+` FROM sms_outbox WHERE chat_id = ? ORDER BY id`, chatID)
	if err != nil {
		return nil, err
	}
	return scanSMS(rows)
}

// DueSMS lists queued messages due at now, oldest first.
func (d *DB) DueSMS(ctx context.Context, now time.Time, limit int) ([]api.SMS, error) {
	rows, err := d.Query(ctx, `SELECT `+smsCols+` FROM sms_outbox WHERE status = 'queued' AND next_at <= ? ORDER BY id LIMIT ?`, ns(now), limit)
	if err != nil {
		return nil, err
	}
	return scanSMS(rows)
}

func (d *DB) markSMS(ctx context.Context, id int64, status string, data map[string]any, query string, args ...any) error {
	return d.Update(ctx, func(st store.Tx) error {
		t := st.(*tx)
		var chatID int64
		if err := t.row(`SELECT chat_id FROM sms_outbox WHERE id = ?`, id).Scan(&chatID); err != nil {
			return one(err, "sms", id)
		}
		if _, err := t.exec(query, args...); err != nil {
			return err
		}
		ev := api.Event{Type: api.EvSMSStatus, ChatID: chatID}
		if c, err := t.Chat(chatID); err == nil {
			ev.ChannelID = c.ChannelID
		}
		data["sms_id"], data["status"] = id, status
		ev.Data = json.RawMessage(mustJSON(data))
		return t.Append(&ev)
	})
}

// MarkSMSSent records a delivered message.
func (d *DB) MarkSMSSent(ctx context.Context, id int64, at time.Time, providerID string) error {
	return d.markSMS(ctx, id, "sent", map[string]any{"provider_id": providerID},
		`UPDATE sms_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, provider_id = ?, last_error = '' WHERE id = ?`,
		ns(at), providerID, id)
}

// MarkSMSRetry schedules another attempt.
func (d *DB) MarkSMSRetry(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error {
	return d.markSMS(ctx, id, "retrying", map[string]any{"attempts": attempts, "error": lastErr, "next_at": next},
		`UPDATE sms_outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ? AND status = 'queued'`,
		attempts, ns(next), lastErr, id)
}

// MarkSMSFailed gives up on a message; the failure shows on its chat.
func (d *DB) MarkSMSFailed(ctx context.Context, id int64, attempts int, lastErr string) error {
	return d.markSMS(ctx, id, "failed", map[string]any{"attempts": attempts, "error": lastErr},
		`UPDATE sms_outbox SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?`, attempts, lastErr, id)
}
