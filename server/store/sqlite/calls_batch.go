package sqlite

import (
	"time"

	"github.com/meet-dev/meet/api"
)

// CloseMissedChat closes chat chatID as missed with reason at at in one
// statement: what the call lifecycle does when a missed call ends, without
// loading the whole chat first. It is UpdateChat of the stored chat with
// state closed, no snooze, missed, reason and closed set (not_found when
// there is no such chat).
func (t *tx) CloseMissedChat(chatID int64, reason api.MissedReason, at time.Time) error {
	return t.update("chat", chatID, `UPDATE chats SET state=?, snoozed_until=NULL, missed=1, missed_reason=?, closed=?,
		updated=? WHERE id=?`, string(api.ChatClosed), string(reason), ns(at), ns(t.Now), chatID)
}
