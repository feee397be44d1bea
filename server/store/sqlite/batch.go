package sqlite

import "github.com/meet-dev/meet/server/store/sqlstore"

// OpenChatsByAssignee counts, per staff member, the unfinished (opened or
// snoozed) chats of a channel assigned to them, each count capped at limit
// (0: no cap), in one query: the fewest-open-chats strategy's input.
func (t *tx) OpenChatsByAssignee(channelID int64, limit int) (map[int64]int, error) {
	// Two arms so the opened one walks the partial chats_opened index.
	rows, err := t.query(`SELECT assignee_id, count(*) FROM (
		SELECT assignee_id FROM chats WHERE state = 'opened' AND channel_id = ? AND assignee_id IS NOT NULL
		UNION ALL
		SELECT assignee_id FROM chats WHERE state = 'snoozed' AND channel_id = ? AND assignee_id IS NOT NULL
	) GROUP BY assignee_id`, channelID, channelID)
	if err != nil {
		return nil, err
	}
	return sqlstore.CountMap(rows, limit)
}
