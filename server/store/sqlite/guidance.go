package sqlite

import (
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store/sqlstore"
)

// SetGuidance is SQLite's: a nil pcm48k is NULL, refused by the NOT NULL column.
func (t *tx) SetGuidance(channelID int64, kind api.GuidanceKind, pcm48k []byte) error {
	if _, err := t.Channel(channelID); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO guidance(channel_id, kind, pcm, updated) VALUES (?,?,?,?)
		ON CONFLICT(channel_id, kind) DO UPDATE SET pcm=excluded.pcm, updated=excluded.updated`,
		channelID, string(kind), pcm48k, sqlstore.NS(t.Now))
	return err
}
