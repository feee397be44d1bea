package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

func (t *tx) Beat(node string, at time.Time) error {
	_, err := t.exec(`INSERT INTO heartbeats(node, at) VALUES(?, ?) ON CONFLICT(node) DO UPDATE SET at=excluded.at`, node, ns(at))
	return err
}

func (t *tx) LastBeat(node string) (time.Time, error) {
	var v int64
	err := t.row(`SELECT at FROM heartbeats WHERE node=?`, node).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return fromNS(v), nil
}
