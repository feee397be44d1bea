package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meet-dev/meet/api"
)

const recordingCols = `id, chat_id, call_id, channel_id, kind, path, duration_ms, bytes, created, expired`

func scanRecording(sc pgx.Row) (api.Recording, error) {
	var r api.Recording
	var kind string
	var created int64
	var expired *int64
	err := sc.Scan(&r.ID, &r.ChatID, &r.CallID, &r.ChannelID, &kind, &r.Path, &r.DurationMS, &r.Bytes, &created, &expired)
	r.Kind, r.Created, r.Expired = api.RecordingKind(kind), fromNS(created), fromNull(expired)
	return r, err
}

func (t *tx) AddRecording(r *api.Recording) error {
	if r.Created.IsZero() {
		r.Created = t.now
	}
	id, err := t.insertID(`INSERT INTO recordings(chat_id, call_id, channel_id, kind, path, duration_ms, bytes, created)
		VALUES (?,?,?,?,?,?,?,?)`, r.ChatID, r.CallID, r.ChannelID, string(r.Kind), r.Path, r.DurationMS, r.Bytes, ns(r.Created))
	if err != nil {
		return err
	}
	r.ID = id
	col := "voicemail"
	if r.Kind == api.RecordingCall {
		col = "recorded"
	}
	return t.update("chat", r.ChatID, `UPDATE chats SET `+col+`=true, updated=? WHERE id=?`, ns(t.now), r.ChatID)
}

func (t *tx) Recording(id int64) (api.Recording, error) {
	r, err := scanRecording(t.row(`SELECT `+recordingCols+` FROM recordings WHERE id=?`, id))
	return r, one(err, "recording", id)
}

func (t *tx) ChatRecordings(chatID int64) ([]api.Recording, error) {
	rows, err := t.query(`SELECT `+recordingCols+` FROM recordings WHERE chat_id=? ORDER BY id`, chatID)
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

func (t *tx) ExpiredRecordings(now time.Time, node string, limit int) ([]api.Recording, error) {
	rows, err := t.query(`SELECT r.id, r.chat_id, r.call_id, r.channel_id, r.kind, r.path, r.duration_ms, r.bytes, r.created, r.expired
		FROM recordings r JOIN channels c ON c.id = r.channel_id JOIN calls k ON k.id = r.call_id
		WHERE r.expired IS NULL AND k.node = ? AND (
			(r.kind = 'call' AND c.recording_retention_days > 0 AND r.created < ? - c.recording_retention_days * 86400000000000)
			OR (r.kind = 'voicemail' AND c.voicemail_retention_days > 0 AND r.created < ? - c.voicemail_retention_days * 86400000000000))
		ORDER BY r.created, r.id LIMIT ?`, node, ns(now), ns(now), limit) // a day is 86400e9 ns
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

func (t *tx) ExpireRecording(id int64, at time.Time) error {
	return t.update("recording", id, `UPDATE recordings SET expired=?, path='' WHERE id=? AND expired IS NULL`, ns(at), id)
}
