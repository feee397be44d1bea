package postgres

import "github.com/meet-dev/meet/server/store/sqlstore"

// OpenChatsByAssignee counts, per staff member, the unfinished (opened or
// snoozed) chats of a channel assigned to them, each count capped at limit
// (0: no cap), in one query.
func (t *tx) OpenChatsByAssignee(channelID int64, limit int) (map[int64]int, error) {
	rows, err := t.query(`SELECT assignee_id, count(*) FROM chats
		WHERE state IN ('opened', 'snoozed') AND channel_id = ? AND assignee_id IS NOT NULL GROUP BY assignee_id`, channelID)
	if err != nil {
		return nil, err
	}
	return sqlstore.CountMap(pgRows{rows}, limit)
}
