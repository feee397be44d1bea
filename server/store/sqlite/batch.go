package sqlite

import (
	"github.com/meet-dev/meet/api"
)

// ChannelSettings returns the settings of every staff member of a channel
// in one query (defaults for members who never saved any): the call
// lifecycle reads them on every routing pass.
func (t *tx) ChannelSettings(channelID int64) (map[int64]api.Settings, error) {
	rows, err := t.query(`SELECT sc.staff_id, coalesce(ss.dnd, 0), coalesce(ss.mute_on_join, 0), coalesce(ss.notifications, '{}')
		FROM staff_channels sc LEFT JOIN staff_settings ss ON ss.staff_id = sc.staff_id WHERE sc.channel_id = ?`, channelID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]api.Settings{}
	for rows.Next() {
		var id int64
		var dnd, mute int
		var notif string
		if err := rows.Scan(&id, &dnd, &mute, &notif); err != nil {
			return nil, err
		}
		s := api.Settings{DND: dnd != 0, MuteOnJoin: mute != 0, UnassignedCallNotification: map[int64]bool{}}
		if notif != "{}" {
			if err := parseNotifications(notif, s.UnassignedCallNotification); err != nil {
				return nil, err
			}
		}
		out[id] = s
	}
	return out, rows.Err()
}

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
