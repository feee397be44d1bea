package postgres

import (
	"github.com/meet-dev/meet/api"
)

// ChannelSettings returns the settings of every staff member of a channel
// in one query (defaults for members who never saved any).
func (t *tx) ChannelSettings(channelID int64) (map[int64]api.Settings, error) {
	rows, err := t.query(`SELECT sc.staff_id, coalesce(ss.dnd, false), coalesce(ss.mute_on_join, false), coalesce(ss.notifications, '{}')
		FROM staff_channels sc LEFT JOIN staff_settings ss ON ss.staff_id = sc.staff_id WHERE sc.channel_id = ?`, channelID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]api.Settings{}
	for rows.Next() {
		var id int64
		var notif string
		s := api.Settings{UnassignedCallNotification: map[int64]bool{}}
		if err := rows.Scan(&id, &s.DND, &s.MuteOnJoin, &notif); err != nil {
			return nil, err
		}
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
// (0: no cap), in one query.
func (t *tx) OpenChatsByAssignee(channelID int64, limit int) (map[int64]int, error) {
	rows, err := t.query(`SELECT assignee_id, count(*) FROM chats
		WHERE state IN ('opened', 'snoozed') AND channel_id = ? AND assignee_id IS NOT NULL GROUP BY assignee_id`, channelID)
	if err != nil {
		return nil, err
	}
	return countMap(rows, limit)
}
