package sqlstore

import "time"

func (t *Tx) Beat(node string, at time.Time) error {
	_, err := t.Conn.Exec(`INSERT INTO heartbeats(node, at) VALUES(?, ?) ON CONFLICT(node) DO UPDATE SET at=excluded.at`, node, NS(at))
	return err
}

func (t *Tx) LastBeat(node string) (time.Time, error) {
	var v int64
	err := t.Conn.Row(`SELECT at FROM heartbeats WHERE node=?`, node).Scan(&v)
	if NoRows(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return FromNS(v), nil
}
