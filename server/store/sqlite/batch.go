package sqlite

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
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		if limit > 0 {
			n = min(n, limit)
		}
		out[id] = n
	}
	return out, rows.Err()
}
