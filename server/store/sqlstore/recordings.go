package sqlstore

import (
	"time"

	"github.com/meet-dev/meet/api"
)

const recordingCols = `id, chat_id, call_id, channel_id, kind, path, duration_ms, bytes, created, expired`

func scanRecording(sc Row) (api.Recording, error) {
	var r api.Recording
	var kind string
	var created int64
	var expired *int64
	err := sc.Scan(&r.ID, &r.ChatID, &r.CallID, &r.ChannelID, &kind, &r.Path, &r.DurationMS, &r.Bytes, &created, &expired)
	r.Kind, r.Created, r.Expired = api.RecordingKind(kind), FromNS(created), FromNull(expired)
	return r, err
}

func (t *Tx) AddRecording(r *api.Recording) error {
	if r.Created.IsZero() {
		r.Created = t.Now
	}
	id, err := t.Conn.Insert(`INSERT INTO recordings(chat_id, call_id, channel_id, kind, path, duration_ms, bytes, created)
		VALUES (?,?,?,?,?,?,?,?)`, r.ChatID, r.CallID, r.ChannelID, string(r.Kind), r.Path, r.DurationMS, r.Bytes, NS(r.Created))
	if err != nil {
		return err
	}
	r.ID = id
	col := "voicemail"
	if r.Kind == api.RecordingCall {
		col = "recorded"
	}
	return t.UpdateOne("chat", r.ChatID, `UPDATE chats SET `+col+`=?, updated=? WHERE id=?`, true, NS(t.Now), r.ChatID)
}

func (t *Tx) Recording(id int64) (api.Recording, error) {
	r, err := scanRecording(t.Conn.Row(`SELECT `+recordingCols+` FROM recordings WHERE id=?`, id))
	return r, One(err, "recording", id)
}

func (t *Tx) ChatRecordings(chatID int64) ([]api.Recording, error) {
	return t.recordings(`SELECT `+recordingCols+` FROM recordings WHERE chat_id=? ORDER BY id`, chatID)
}

func (t *Tx) ExpiredRecordings(now time.Time, node string, limit int) ([]api.Recording, error) {
	return t.recordings(`SELECT r.id, r.chat_id, r.call_id, r.channel_id, r.kind, r.path, r.duration_ms, r.bytes, r.created, r.expired
		FROM recordings r JOIN channels c ON c.id = r.channel_id JOIN calls k ON k.id = r.call_id
		WHERE r.expired IS NULL AND k.node = ? AND (
			(r.kind = 'call' AND c.recording_retention_days > 0 AND r.created < ? - c.recording_retention_days * 86400000000000)
			OR (r.kind = 'voicemail' AND c.voicemail_retention_days > 0 AND r.created < ? - c.voicemail_retention_days * 86400000000000))
		ORDER BY r.created, r.id LIMIT ?`, node, NS(now), NS(now), limit) // a day is 86400e9 ns
}

func (t *Tx) recordings(query string, args ...any) ([]api.Recording, error) {
	rows, err := t.Conn.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []api.Recording{}
	for rows.Next() {
		r, err := scanRecording(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (t *Tx) ExpireRecording(id int64, at time.Time) error {
	return t.UpdateOne("recording", id, `UPDATE recordings SET expired=?, path='' WHERE id=? AND expired IS NULL`, NS(at), id)
}
