package sqlite

import (
	"github.com/meet-dev/meet/api"
)

const recordingCols = `id, chat_id, call_id, channel_id, kind, path, duration_ms, bytes, created`

func scanRecording(sc interface{ Scan(...any) error }) (api.Recording, error) {
	var r api.Recording
	var kind string
	var created int64
	err := sc.Scan(&r.ID, &r.ChatID, &r.CallID, &r.ChannelID, &kind, &r.Path, &r.DurationMS, &r.Bytes, &created)
	r.Kind, r.Created = api.RecordingKind(kind), fromNS(created)
	return r, err
}

func (t *tx) AddRecording(r *api.Recording) error {
	if r.Created.IsZero() {
		r.Created = t.now
	}
	res, err := t.exec(`INSERT INTO recordings(chat_id, call_id, channel_id, kind, path, duration_ms, bytes, created)
		VALUES (?,?,?,?,?,?,?,?)`, r.ChatID, r.CallID, r.ChannelID, string(r.Kind), r.Path, r.DurationMS, r.Bytes, ns(r.Created))
	if err != nil {
		return err
	}
	if r.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	if r.Kind == api.RecordingVoicemail {
		return t.update("chat", r.ChatID, `UPDATE chats SET voicemail=1, updated=? WHERE id=?`, ns(t.now), r.ChatID)
	}
	return nil
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
