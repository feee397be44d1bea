package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
		b.WriteString(" AND c.channel_id = ANY(?)")
		args = append(args, f.Channels)
	}
	return b.String(), args
}

// stream runs a read-only query and calls fn per row; rows come one at a
// time from the server, so memory does not grow with the result.
func (d *DB) stream(ctx context.Context, query string, args []any, fn func(pgx.Rows) error) error {
	return d.View(ctx, func(st store.Tx) error {
		rows, err := st.(*tx).query(query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// StreamCalls streams the calls of f, oldest first.
func (d *DB) StreamCalls(ctx context.Context, f store.ExportFilter, fn func(store.CallStat) error) error {
	where, args := callFilter(f)
	return d.stream(ctx, `SELECT c.id, c.chat_id, c.channel_id, c.direction, c.created, c.first_waiting_started,
		c.first_ring_started, c.answered, c.ended, c.duration_s, c.missed_reason, c.held_s, h.menu_path, c.transfers
		FROM calls c JOIN chats h ON h.id = c.chat_id WHERE `+where+` ORDER BY c.created, c.id`, args, func(rows pgx.Rows) error {
		var c store.CallStat
		var created int64
		var dir, reason string
		var wait, ring, ans, end *int64
		if err := rows.Scan(&c.ID, &c.ChatID, &c.ChannelID, &dir, &created, &wait, &ring, &ans, &end,
			&c.DurationS, &reason, &c.HeldS, &c.MenuPath, &c.Transfers); err != nil {
			return mapErr(err)
		}
		c.Direction, c.MissedReason, c.Created = api.Direction(dir), api.MissedReason(reason), fromNS(created)
		c.FirstWaitingStarted, c.FirstRingStarted, c.Answered, c.Ended = fromNull(wait), fromNull(ring), fromNull(ans), fromNull(end)
		return fn(c)
	})
}

// StreamExport streams one export row per call of f, oldest first.
func (d *DB) StreamExport(ctx context.Context, f store.ExportFilter, fn func(*api.ExportRow) error) error {
	where, args := callFilter(f)
	var r api.ExportRow
	return d.stream(ctx, `SELECT c.chat_id, c.id, c.direction, c.from_number, c.to_number, ch.name,
		COALESCE(t.name, ''), COALESCE(NULLIF(s.name, ''), s.email, ''),
		COALESCE((SELECT string_agg(tag, ';' ORDER BY tag) FROM chat_tags WHERE chat_id = c.chat_id), ''),
		c.created, c.first_waiting_started, c.first_ring_started, c.answered, c.ended, c.duration_s, c.missed_reason,
		(SELECT original_chat_id FROM chat_links WHERE callback_chat_id = c.chat_id), c.held_s, h.menu_path
		FROM calls c JOIN chats h ON h.id = c.chat_id JOIN channels ch ON ch.id = c.channel_id
		LEFT JOIN teams t ON t.id = h.team_id
		LEFT JOIN staff s ON s.id = COALESCE(c.assignee_id, h.assignee_id)
		WHERE `+where+` ORDER BY c.created, c.id`, args, func(rows pgx.Rows) error {
		var tags, dir, reason string
		var created int64
		var wait, ring, ans, end *int64
		r.CallbackOf = nil
		if err := rows.Scan(&r.ChatID, &r.CallID, &dir, &r.From, &r.To, &r.Channel, &r.Team, &r.Assignee,
			&tags, &created, &wait, &ring, &ans, &end, &r.DurationS, &reason, &r.CallbackOf, &r.HeldS, &r.MenuPath); err != nil {
			return mapErr(err)
		}
		r.Direction, r.MissedReason = api.Direction(dir), api.MissedReason(reason)
		r.Tags = r.Tags[:0]
		if tags != "" {
			r.Tags = append(r.Tags, strings.Split(tags, ";")...)
		}
		r.Created = fromNS(created)
		r.FirstWaitingStarted, r.FirstRingStarted, r.Answered, r.Ended = fromNull(wait), fromNull(ring), fromNull(ans), fromNull(end)
		return fn(&r)
	})
}

// AddAudit appends an audit entry.
func (d *DB) AddAudit(ctx context.Context, e *api.AuditEntry) error {
	return d.Update(ctx, func(st store.Tx) (err error) {
		t := st.(*tx)
		if e.At.IsZero() {
			e.At = t.Now
		}
		e.ID, err = t.insertID(`INSERT INTO audit(staff_id, at, action, purpose, filters, rows) VALUES (?,?,?,?,?,?)`,
			e.StaffID, ns(e.At), e.Action, e.Purpose, e.Filters, e.Rows)
		return err
	})
}

// ListAudit returns the newest audit entries first.
func (d *DB) ListAudit(ctx context.Context, limit int) ([]api.AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	out := []api.AuditEntry{}
	err := d.stream(ctx, `SELECT id, staff_id, at, action, purpose, filters, rows FROM audit ORDER BY id DESC LIMIT ?`,
		[]any{limit}, func(rows pgx.Rows) error {
			var e api.AuditEntry
			var at int64
			if err := rows.Scan(&e.ID, &e.StaffID, &at, &e.Action, &e.Purpose, &e.Filters, &e.Rows); err != nil {
				return err
			}
			e.At = fromNS(at)
			out = append(out, e)
			return nil
		})
	return out, err
}

// Automations lists a channel's rules in evaluation order.
func (d *DB) Automations(ctx context.Context, channelID int64) ([]api.Automation, error) {
	out := []api.Automation{}
	err := d.stream(ctx, `SELECT id, name, enabled, cond, actions FROM automations WHERE channel_id = ? ORDER BY position`,
		[]any{channelID}, func(rows pgx.Rows) error {
			a := api.Automation{ChannelID: channelID}
			var cond, actions string
			if err := rows.Scan(&a.ID, &a.Name, &a.Enabled, &cond, &actions); err != nil {
				return err
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
			var err error
			a.ID, err = t.insertID(`INSERT INTO automations(channel_id, position, name, enabled, cond, actions) VALUES (?,?,?,?,?,?)`,
				channelID, i, a.Name, a.Enabled, mustJSON(a.When), mustJSON(a.Actions))
			if err != nil {
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
func (t *tx) EnqueueSMS(m *api.SMS) (err error) {
	m.Status = "queued"
	m.ID, err = t.insertID(`INSERT INTO sms_outbox(chat_id, call_id, to_number, from_number, body, next_at, created) VALUES (?,?,?,?,?,?,?)`,
		m.ChatID, m.CallID, m.To, m.From, m.Body, ns(t.Now), ns(t.Now))
	return err
}

// AutomationCursor is the last call.ended event id the automations handled.
// In a write transaction it locks the cursor row until commit, so runners on
// several nodes handle each event once.
func (t *tx) AutomationCursor() (int64, error) {
	q := `SELECT last_event_id FROM automation_cursor WHERE id = 1`
	if t.Write {
		if _, err := t.exec(`INSERT INTO automation_cursor(id, last_event_id) VALUES (1, 0) ON CONFLICT DO NOTHING`); err != nil {
			return 0, err
		}
		q += ` FOR UPDATE`
	}
	var id int64
	err := t.row(q).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// SetAutomationCursor moves the cursor forward.
func (t *tx) SetAutomationCursor(eventID int64) error {
	_, err := t.exec(`INSERT INTO automation_cursor(id, last_event_id) VALUES (1, ?)
		ON CONFLICT(id) DO UPDATE SET last_event_id = greatest(automation_cursor.last_event_id, excluded.last_event_id)`, eventID)
	return err
}

const smsCols = `id, chat_id, call_id, to_number, from_number, body, status, attempts, last_error, next_at, sent_at`

func (d *DB) listSMS(ctx context.Context, query string, args ...any) ([]api.SMS, error) {
	out := []api.SMS{}
	err := d.stream(ctx, query, args, func(rows pgx.Rows) error {
		var m api.SMS
		var next int64
		var sent *int64
		if err := rows.Scan(&m.ID, &m.ChatID, &m.CallID, &m.To, &m.From, &m.Body, &m.Status, &m.Attempts, &m.LastErr, &next, &sent); err != nil {
			return err
		}
		if m.Status == "queued" {
			n := fromNS(next)
			m.NextAt = &n
		}
		m.SentAt = fromNull(sent)
		out = append(out, m)
		return nil
	})
	return out, err
}

// ListSMS lists a chat's messages oldest first; chat 0 lists the newest
// 1000 messages of the whole outbox, newest first.
func (d *DB) ListSMS(ctx context.Context, chatID int64) ([]api.SMS, error) {
	if chatID == 0 {
		return d.listSMS(ctx, `SELECT `+smsCols+` FROM sms_outbox ORDER BY id DESC LIMIT 1000`)
	}
	return d.listSMS(ctx, `SELECT `+smsCols+` FROM sms_outbox WHERE chat_id = ? ORDER BY id`, chatID)
}

// SMSClaim is how long DueSMS hands a message to one caller: the SMS workers
// of every node poll the same outbox, and a message one of them is sending
// is not due for the others. A worker that dies mid-send leaves it due again
// after the claim (the provider's idempotency key covers a repeated send).
const SMSClaim = 2 * time.Minute

// DueSMS lists queued messages due at now, oldest first, and claims them
// (next_at moves SMSClaim on; rows another caller is claiming are skipped),
// so concurrent workers never get the same message. The messages come back
// as they were before the claim.
func (d *DB) DueSMS(ctx context.Context, now time.Time, limit int) ([]api.SMS, error) {
	var out []api.SMS
	old := "o." + strings.ReplaceAll(smsCols, ", ", ", o.")
	err := d.Update(ctx, func(st store.Tx) error {
		rows, err := st.(*tx).query(`WITH due AS (
				SELECT id FROM sms_outbox WHERE status = 'queued' AND next_at <= ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED),
			o AS (SELECT `+smsCols+` FROM sms_outbox WHERE id IN (SELECT id FROM due))
			UPDATE sms_outbox s SET next_at = ? FROM o WHERE s.id = o.id RETURNING `+old,
			ns(now), limit, ns(now.Add(SMSClaim)))
		if err != nil {
			return err
		}
		defer rows.Close()
		out, err = scanSMS(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b api.SMS) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func scanSMS(rows pgx.Rows) ([]api.SMS, error) {
	out := []api.SMS{}
	for rows.Next() {
		var m api.SMS
		var next int64
		var sent *int64
		if err := rows.Scan(&m.ID, &m.ChatID, &m.CallID, &m.To, &m.From, &m.Body, &m.Status, &m.Attempts, &m.LastErr, &next, &sent); err != nil {
			return nil, err
		}
		if m.Status == "queued" {
			n := fromNS(next)
			m.NextAt = &n
		}
		m.SentAt = fromNull(sent)
		out = append(out, m)
	}
	return out, rows.Err()
}

func (d *DB) markSMS(ctx context.Context, id int64, status string, data map[string]any, query string, args ...any) error {
	return d.Update(ctx, func(st store.Tx) error {
		t := st.(*tx)
		var chatID int64
		if err := t.row(`SELECT chat_id FROM sms_outbox WHERE id = ? FOR UPDATE`, id).Scan(&chatID); err != nil {
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
