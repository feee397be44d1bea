package postgres

import (
	"encoding/json"

	"github.com/meet-dev/meet/api"
)

// Append records one event; it reaches OnCommit once the transaction
// commits. Its id is set at the end of the transaction, when the events are
// written under the event counter's row lock (flushEvents): see the package
// doc on commit order.
func (t *tx) Append(e *api.Event) error {
	if !t.write {
		return errReadOnlyTx
	}
	if e.At.IsZero() {
		e.At = t.Now
	}
	e.At = e.At.UTC()
	if len(e.Data) > 0 && !json.Valid(e.Data) {
		return api.Errorf(api.CodeInternal, "event %s: data is not JSON", e.Type)
	}
	t.pending = append(t.pending, e)
	return nil
}

// flushEvents gives the pending events their ids and writes them. The ids
// come from the event counter row, whose lock is held from here to the end
// of the transaction: write transactions run side by side and only their
// last step — this and the commit — goes one at a time, so ids are gapless
// and in commit order. Nothing is locked after the counter (events have no
// foreign keys), so taking it last cannot deadlock.
func (t *tx) flushEvents() error {
	n := len(t.pending)
	if n == 0 {
		return nil
	}
	var last int64
	if err := t.row(`UPDATE event_counter SET last_id = last_id + ? WHERE id = 1 RETURNING last_id`, n).Scan(&last); err != nil {
		return err
	}
	ids := make([]int64, n)
	types := make([]string, n)
	ats := make([]int64, n)
	chans, chats, calls, staff, actors := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	datas := make([]*string, n)
	for i, e := range t.pending {
		e.ID = last - int64(n) + 1 + int64(i)
		ids[i], types[i], ats[i] = e.ID, string(e.Type), ns(e.At)
		chans[i], chats[i], calls[i], staff[i], actors[i] = e.ChannelID, e.ChatID, e.CallID, e.StaffID, e.ActorID
		if len(e.Data) > 0 {
			d := string(e.Data)
			datas[i] = &d
		}
	}
	for i, s := range types {
		types[i] = cleanArgs([]any{s})[0].(string)
	}
	for i, d := range datas {
		if d != nil {
			c := cleanArgs([]any{*d})[0].(string)
			datas[i] = &c
		}
	}
	if _, err := t.q.Exec(t.ctx, `INSERT INTO events(id, type, at, channel_id, chat_id, call_id, staff_id, actor_id, data)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[])`,
		ids, types, ats, chans, chats, calls, staff, actors, datas); err != nil {
		return err
	}
	for _, e := range t.pending {
		t.events = append(t.events, *e)
	}
	t.pending = t.pending[:0]
	return nil
}

const eventCols = `id, type, at, channel_id, chat_id, call_id, staff_id, actor_id, data`

func (t *tx) loadEvents(query string, args ...any) ([]api.Event, error) {
	if err := t.flushEvents(); err != nil { // a transaction reading its own events sees them
		return nil, err
	}
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
		var data *string
		if err := rows.Scan(&e.ID, &typ, &at, &e.ChannelID, &e.ChatID, &e.CallID, &e.StaffID, &e.ActorID, &data); err != nil {
			return nil, err
		}
		e.Type, e.At = api.EventType(typ), fromNS(at)
		if data != nil {
			e.Data = json.RawMessage(*data)
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

// LastEventID is the id of the newest committed event.
func (t *tx) LastEventID() (int64, error) {
	if err := t.flushEvents(); err != nil {
		return 0, err
	}
	var id int64
	err := t.row(`SELECT coalesce(max(id), 0) FROM events`).Scan(&id)
	return id, err
}
