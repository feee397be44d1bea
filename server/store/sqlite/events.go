package sqlite

import (
	"database/sql"
	"encoding/json"

	"github.com/meet-dev/meet/api"
)

// Append writes one event; it reaches OnCommit once the transaction commits.
func (t *tx) Append(e *api.Event) error {
	if !t.write {
		return api.Errorf(api.CodeInternal, "append in a read-only transaction")
	}
	if e.At.IsZero() {
		e.At = t.Now
	}
	e.At = e.At.UTC()
	var data any
	if len(e.Data) > 0 {
		if !json.Valid(e.Data) {
			return api.Errorf(api.CodeInternal, "event %s: data is not JSON", e.Type)
		}
		data = string(e.Data)
	}
	res, err := t.exec(`INSERT INTO events(type, at, channel_id, chat_id, call_id, staff_id, actor_id, data)
		VALUES (?,?,?,?,?,?,?,?)`, string(e.Type), ns(e.At), e.ChannelID, e.ChatID, e.CallID, e.StaffID, e.ActorID, data)
	if err != nil {
		return err
	}
	if e.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	t.events = append(t.events, *e)
	return nil
}

const eventCols = `id, type, at, channel_id, chat_id, call_id, staff_id, actor_id, data`

func (t *tx) loadEvents(query string, args ...any) ([]api.Event, error) {
	rows, err := t.query(`SELECT `+eventCols+` FROM events `+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []api.Event{}
	for rows.Next() {
		var e api.Event
		var typ string
		var at int64
		var data sql.NullString
		if err := rows.Scan(&e.ID, &typ, &at, &e.ChannelID, &e.ChatID, &e.CallID, &e.StaffID, &e.ActorID, &data); err != nil {
			return nil, err
		}
		e.Type, e.At = api.EventType(typ), fromNS(at)
		if data.Valid {
			e.Data = json.RawMessage(data.String)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EventsSince returns up to limit events after afterID in id order (limit ≤ 0: 1000).
func (t *tx) EventsSince(afterID int64, limit int) ([]api.Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	return t.loadEvents(`WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
}

func (t *tx) ChatEvents(chatID int64) ([]api.Event, error) {
	return t.loadEvents(`WHERE chat_id = ? AND chat_id <> 0 ORDER BY id`, chatID)
}

func (t *tx) CallEvents(callID int64) ([]api.Event, error) {
	return t.loadEvents(`WHERE call_id = ? AND call_id <> 0 ORDER BY id`, callID)
}

func (t *tx) LastEventID() (int64, error) {
	var id int64
	err := t.row(`SELECT coalesce(max(id), 0) FROM events`).Scan(&id)
	return id, err
}
