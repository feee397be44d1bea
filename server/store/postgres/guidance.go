package postgres

import (
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store/sqlstore"
)

// SetGuidance is Postgres's: a nil pcm48k is stored empty.
func (t *tx) SetGuidance(channelID int64, kind api.GuidanceKind, pcm48k []byte) error {
	if _, err := t.Channel(channelID); err != nil {
		return err
	}
	if pcm48k == nil {
		pcm48k = []byte{}
	}
	_, err := t.exec(`INSERT INTO guidance(channel_id, kind, pcm, updated) VALUES (?,?,?,?)
		ON CONFLICT(channel_id, kind) DO UPDATE SET pcm=excluded.pcm, updated=excluded.updated`,
		channelID, string(kind), pcm48k, sqlstore.NS(t.Now))
	return err
}
