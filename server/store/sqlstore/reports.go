package sqlstore

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// ReportDB is what the shared reporting bodies ask of a backend's database.
type ReportDB interface {
	// UpdateTx runs fn in one write transaction (store.Store.Update).
	UpdateTx(ctx context.Context, fn func(*Tx) error) error
	// Stream runs a read-only query and calls fn per row; rows come one at
	// a time, so memory does not grow with the result.
	Stream(ctx context.Context, query string, args []any, fn func(Rows) error) error
}

// Reports implements the store.Reports methods both backends share; a
// backend's DB embeds it.
type Reports struct {
	db ReportDB
	d  *Dialect
}

// NewReports is the reporting side of db, whose SQL is d's.
func NewReports(db ReportDB, d *Dialect) Reports { return Reports{db: db, d: d} }

// callFilter builds the WHERE clause shared by statistics and exports.
func (r Reports) callFilter(f store.ExportFilter) (string, []any) {
	var b strings.Builder
	args := []any{NS(f.From), NS(f.To)}
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
			b.WriteString(" AND " + r.d.False)
		} else {
			in, ids := r.d.In(f.Channels)
			b.WriteString(" AND c.channel_id" + in)
			args = append(args, ids...)
		}
	}
	return b.String(), args
}

// StreamCalls streams the calls of f, oldest first.
func (r Reports) StreamCalls(ctx context.Context, f store.ExportFilter, fn func(store.CallStat) error) error {
	where, args := r.callFilter(f)
	return r.db.Stream(ctx, `SELECT c.id, c.chat_id, c.channel_id, c.direction, c.created, c.first_waiting_started,
		c.first_ring_started, c.answered, c.ended, c.duration_s, c.missed_reason, c.held_s, h.menu_path, c.transfers
		FROM calls c JOIN chats h ON h.id = c.chat_id WHERE `+where+` ORDER BY c.created, c.id`, args, func(rows Rows) error {
		var c store.CallStat
		var created int64
		var dir, reason string
		var wait, ring, ans, end *int64
		if err := rows.Scan(&c.ID, &c.ChatID, &c.ChannelID, &dir, &created, &wait, &ring, &ans, &end,
			&c.DurationS, &reason, &c.HeldS, &c.MenuPath, &c.Transfers); err != nil {
			return r.d.MapErr(err)
		}
		c.Direction, c.MissedReason, c.Created = api.Direction(dir), api.MissedReason(reason), FromNS(created)
		c.FirstWaitingStarted, c.FirstRingStarted, c.Answered, c.Ended = FromNull(wait), FromNull(ring), FromNull(ans), FromNull(end)
		return fn(c)
	})
}

// StreamExport streams one export row per call of f, oldest first.
func (r Reports) StreamExport(ctx context.Context, f store.ExportFilter, fn func(*api.ExportRow) error) error {
	where, args := r.callFilter(f)
	var e api.ExportRow
	return r.db.Stream(ctx, `SELECT c.chat_id, c.id, c.direction, c.from_number, c.to_number, ch.name,
		COALESCE(t.name, ''), COALESCE(NULLIF(s.name, ''), s.email, ''),
		COALESCE((SELECT `+r.d.TagList+` FROM chat_tags WHERE chat_id = c.chat_id), ''),
		c.created, c.first_waiting_started, c.first_ring_started, c.answered, c.ended, c.duration_s, c.missed_reason,
		(SELECT original_chat_id FROM chat_links WHERE callback_chat_id = c.chat_id), c.held_s, h.menu_path
		FROM calls c JOIN chats h ON h.id = c.chat_id JOIN channels ch ON ch.id = c.channel_id
		LEFT JOIN teams t ON t.id = h.team_id
		LEFT JOIN staff s ON s.id = COALESCE(c.assignee_id, h.assignee_id)
		WHERE `+where+` ORDER BY c.created, c.id`, args, func(rows Rows) error {
		var tags, dir, reason string
		var created int64
		var wait, ring, ans, end *int64
		e.CallbackOf = nil
		if err := rows.Scan(&e.ChatID, &e.CallID, &dir, &e.From, &e.To, &e.Channel, &e.Team, &e.Assignee,
			&tags, &created, &wait, &ring, &ans, &end, &e.DurationS, &reason, &e.CallbackOf, &e.HeldS, &e.MenuPath); err != nil {
			return r.d.MapErr(err)
		}
		e.Direction, e.MissedReason = api.Direction(dir), api.MissedReason(reason)
		e.Tags = e.Tags[:0]
		if tags != "" {
			e.Tags = append(e.Tags, strings.Split(tags, ";")...)
		}
		e.Created = FromNS(created)
		e.FirstWaitingStarted, e.FirstRingStarted, e.Answered, e.Ended = FromNull(wait), FromNull(ring), FromNull(ans), FromNull(end)
		return fn(&e)
	})
}

// AddAudit appends an audit entry.
func (r Reports) AddAudit(ctx context.Context, e *api.AuditEntry) error {
	return r.db.UpdateTx(ctx, func(t *Tx) (err error) {
		if e.At.IsZero() {
			e.At = t.Now
		}
		e.ID, err = t.Conn.Insert(`INSERT INTO audit(staff_id, at, action, purpose, filters, rows) VALUES (?,?,?,?,?,?)`,
			e.StaffID, NS(e.At), e.Action, e.Purpose, e.Filters, e.Rows)
		return err
	})
}

// ListAudit returns the newest audit entries first.
func (r Reports) ListAudit(ctx context.Context, limit int) ([]api.AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	out := []api.AuditEntry{}
	err := r.db.Stream(ctx, `SELECT id, staff_id, at, action, purpose, filters, rows FROM audit ORDER BY id DESC LIMIT ?`,
		[]any{limit}, func(rows Rows) error {
			var e api.AuditEntry
			var at int64
			if err := rows.Scan(&e.ID, &e.StaffID, &at, &e.Action, &e.Purpose, &e.Filters, &e.Rows); err != nil {
				return r.d.MapErr(err)
			}
			e.At = FromNS(at)
			out = append(out, e)
			return nil
		})
	return out, err
}

// Automations lists a channel's rules in evaluation order.
func (r Reports) Automations(ctx context.Context, channelID int64) ([]api.Automation, error) {
	out := []api.Automation{}
	err := r.db.Stream(ctx, `SELECT id, name, enabled, cond, actions FROM automations WHERE channel_id = ? ORDER BY position`,
		[]any{channelID}, func(rows Rows) error {
			a := api.Automation{ChannelID: channelID}
			var cond, actions string
			if err := rows.Scan(&a.ID, &a.Name, &a.Enabled, &cond, &actions); err != nil {
				return r.d.MapErr(err)
			}
			if err := json.Unmarshal([]byte(cond), &a.When); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(actions), &a.Actions); err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	return out, err
}

// PutAutomations replaces a channel's rules with list, in that order.
func (r Reports) PutAutomations(ctx context.Context, channelID int64, list []api.Automation) ([]api.Automation, error) {
	err := r.db.UpdateTx(ctx, func(t *Tx) error {
		if _, err := t.Channel(channelID); err != nil {
			return err
		}
		if _, err := t.Conn.Exec(`DELETE FROM automations WHERE channel_id = ?`, channelID); err != nil {
			return err
		}
		for i := range list {
			a := &list[i]
			a.ChannelID = channelID
			var err error
			a.ID, err = t.Conn.Insert(`INSERT INTO automations(channel_id, position, name, enabled, cond, actions) VALUES (?,?,?,?,?,?)`,
				channelID, i, a.Name, a.Enabled, MustJSON(a.When), MustJSON(a.Actions))
			if err != nil {
				return err
			}
		}
		return t.Append(&api.Event{Type: api.EvChannelUpdated, ChannelID: channelID,
			Data: json.RawMessage(`{"automations":` + MustJSON(len(list)) + `}`)})
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// EnqueueSMS queues a message in the current transaction, due now.
func (t *Tx) EnqueueSMS(m *api.SMS) (err error) {
	m.Status = "queued"
	m.ID, err = t.Conn.Insert(`INSERT INTO sms_outbox(chat_id, call_id, to_number, from_number, body, next_at, created) VALUES (?,?,?,?,?,?,?)`,
		m.ChatID, m.CallID, m.To, m.From, m.Body, NS(t.Now), NS(t.Now))
	return err
}

// SetAutomationCursor moves the cursor forward.
func (t *Tx) SetAutomationCursor(eventID int64) error {
	_, err := t.Conn.Exec(`INSERT INTO automation_cursor(id, last_event_id) VALUES (1, ?)
		ON CONFLICT(id) DO UPDATE SET last_event_id = `+t.D.Greatest+`(automation_cursor.last_event_id, excluded.last_event_id)`, eventID)
	return err
}

// SMSCols are the columns ScanSMS reads.
const SMSCols = `id, chat_id, call_id, to_number, from_number, body, status, attempts, last_error, next_at, sent_at`

// ScanSMS reads one sms_outbox row of SMSCols.
func ScanSMS(row Row) (api.SMS, error) {
	var m api.SMS
	var next int64
	var sent *int64
	if err := row.Scan(&m.ID, &m.ChatID, &m.CallID, &m.To, &m.From, &m.Body, &m.Status, &m.Attempts, &m.LastErr, &next, &sent); err != nil {
		return m, err
	}
	if m.Status == "queued" {
		n := FromNS(next)
		m.NextAt = &n
	}
	m.SentAt = FromNull(sent)
	return m, nil
}

// QuerySMS lists the sms_outbox rows of a query of SMSCols.
func (r Reports) QuerySMS(ctx context.Context, query string, args ...any) ([]api.SMS, error) {
	out := []api.SMS{}
	err := r.db.Stream(ctx, query, args, func(rows Rows) error {
		m, err := ScanSMS(rows)
		if err != nil {
			return r.d.MapErr(err)
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// ListSMS lists a chat's messages oldest first; chat 0 lists the newest
// 1000 messages of the whole outbox, newest first.
func (r Reports) ListSMS(ctx context.Context, chatID int64) ([]api.SMS, error) {
	if chatID == 0 {
		return r.QuerySMS(ctx, `SELECT `+SMSCols+` FROM sms_outbox ORDER BY id DESC LIMIT 1000`)
	}
	return r.QuerySMS(ctx, `SELECT `+SMSCols+` FROM sms_outbox WHERE chat_id = ? ORDER BY id`, chatID)
}

func (r Reports) markSMS(ctx context.Context, id int64, status string, data map[string]any, query string, args ...any) error {
	return r.db.UpdateTx(ctx, func(t *Tx) error {
		var chatID int64
		if err := t.Conn.Row(`SELECT chat_id FROM sms_outbox WHERE id = ?`+t.D.LockRow, id).Scan(&chatID); err != nil {
			return One(err, "sms", id)
		}
		if _, err := t.Conn.Exec(query, args...); err != nil {
			return err
		}
		ev := api.Event{Type: api.EvSMSStatus, ChatID: chatID}
		if c, err := t.Chat(chatID); err == nil {
			ev.ChannelID = c.ChannelID
		}
		data["sms_id"], data["status"] = id, status
		ev.Data = json.RawMessage(MustJSON(data))
		return t.Append(&ev)
	})
}

// MarkSMSSent records a delivered message.
func (r Reports) MarkSMSSent(ctx context.Context, id int64, at time.Time, providerID string) error {
	return r.markSMS(ctx, id, "sent", map[string]any{"provider_id": providerID},
		`UPDATE sms_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, provider_id = ?, last_error = '' WHERE id = ?`,
		NS(at), providerID, id)
}

// MarkSMSRetry schedules another attempt.
func (r Reports) MarkSMSRetry(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error {
	return r.markSMS(ctx, id, "retrying", map[string]any{"attempts": attempts, "error": lastErr, "next_at": next},
		`UPDATE sms_outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ? AND status = 'queued'`,
		attempts, NS(next), lastErr, id)
}

// MarkSMSFailed gives up on a message; the failure shows on its chat.
func (r Reports) MarkSMSFailed(ctx context.Context, id int64, attempts int, lastErr string) error {
	return r.markSMS(ctx, id, "failed", map[string]any{"attempts": attempts, "error": lastErr},
		`UPDATE sms_outbox SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?`, attempts, lastErr, id)
}
