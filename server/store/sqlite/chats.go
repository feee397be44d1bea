package sqlite

import (
	"database/sql"
	"time"

	"github.com/meet-dev/meet/api"
)

const chatCols = `c.id, c.channel_id, c.medium, c.state, c.snoozed_until, c.assignee_id, c.team_id, c.missed,
	c.missed_reason, c.last_call_id, c.created, c.updated, c.closed, l.original_chat_id,
	u.id, u.number, u.name, u.profile, u.tags, c.menu_path, c.voicemail, c.recorded`

const chatFrom = ` FROM chats c JOIN customers u ON u.id = c.customer_id
	LEFT JOIN chat_links l ON l.callback_chat_id = c.id`

func scanChat(sc interface{ Scan(...any) error }) (api.Chat, error) {
	var c api.Chat
	var medium, state, reason string
	var snoozed, assignee, team, lastCall, closed, callbackOf sql.NullInt64
	var missed, vm, recd int
	var created, updated int64
	var profile, tags string
	err := sc.Scan(&c.ID, &c.ChannelID, &medium, &state, &snoozed, &assignee, &team, &missed, &reason,
		&lastCall, &created, &updated, &closed, &callbackOf,
		&c.Customer.ID, &c.Customer.Number, &c.Customer.Name, &profile, &tags, &c.MenuPath, &vm, &recd)
	if err != nil {
		return c, err
	}
	c.Medium, c.State, c.MissedReason, c.Missed = api.Medium(medium), api.ChatState(state), api.MissedReason(reason), missed != 0
	c.Voicemail, c.Recorded = vm != 0, recd != 0
	c.SnoozedUntil, c.AssigneeID, c.TeamID, c.LastCallID = fromNull(snoozed), idPtr(assignee), idPtr(team), idPtr(lastCall)
	c.Created, c.Updated, c.Closed, c.CallbackOf = fromNS(created), fromNS(updated), fromNull(closed), idPtr(callbackOf)
	c.Customer.Profile, c.Customer.Tags = nil, nil
	if err := unmarshalCustomer(profile, tags, &c.Customer); err != nil {
		return c, err
	}
	c.Tags, c.Followers, c.Callbacks = []string{}, []int64{}, []int64{}
	return c, nil
}

// loadChats returns the chats with the given ids in that order, with tags,
// followers and callbacks; ids that do not exist are skipped.
func (t *tx) loadChats(ids []int64) ([]api.Chat, error) {
	if len(ids) == 0 {
		return []api.Chat{}, nil
	}
	ph, args := placeholders(ids)
	rows, err := t.query(`SELECT `+chatCols+chatFrom+` WHERE c.id IN (`+ph+`)`, args...)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*api.Chat, len(ids))
	for rows.Next() {
		c, err := scanChat(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		byID[c.ID] = &c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := t.eachPair(`SELECT chat_id, tag FROM chat_tags WHERE chat_id IN (`+ph+`) ORDER BY tag`, args, func(id int64, v any) {
		if c := byID[id]; c != nil {
			c.Tags = append(c.Tags, v.(string))
		}
	}, ""); err != nil {
		return nil, err
	}
	if err := t.eachPair(`SELECT chat_id, staff_id FROM chat_followers WHERE chat_id IN (`+ph+`) ORDER BY staff_id`, args, func(id int64, v any) {
		if c := byID[id]; c != nil {
			c.Followers = append(c.Followers, v.(int64))
		}
	}, int64(0)); err != nil {
		return nil, err
	}
	if err := t.eachPair(`SELECT original_chat_id, callback_chat_id FROM chat_links WHERE original_chat_id IN (`+ph+`) ORDER BY callback_chat_id`, args, func(id int64, v any) {
		if c := byID[id]; c != nil {
			c.Callbacks = append(c.Callbacks, v.(int64))
		}
	}, int64(0)); err != nil {
		return nil, err
	}
	out := make([]api.Chat, 0, len(ids))
	for _, id := range ids {
		if c := byID[id]; c != nil {
			out = append(out, *c)
		}
	}
	return out, nil
}

// eachPair scans (id, value) rows; kind is "" for string values, int64(0) for ids.
func (t *tx) eachPair(query string, args []any, f func(int64, any), kind any) error {
	rows, err := t.query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		switch kind.(type) {
		case string:
			var s string
			if err := rows.Scan(&id, &s); err != nil {
				return err
			}
			f(id, s)
		default:
			var v int64
			if err := rows.Scan(&id, &v); err != nil {
				return err
			}
			f(id, v)
		}
	}
	return rows.Err()
}

func (t *tx) CreateChat(c *api.Chat) error {
	if c.Medium == "" {
		c.Medium = api.MediumPhone
	}
	if c.State == "" {
		c.State = api.ChatOpened
	}
	if c.Customer.ID == 0 {
		cu, err := t.CustomerByNumber(c.Customer.Number)
		switch {
		case err == nil:
			c.Customer = cu
		case api.CodeOf(err) == api.CodeNotFound && c.Customer.Number != "":
			if err := t.CreateCustomer(&c.Customer); err != nil {
				return err
			}
		case err != nil:
			return api.Errorf(api.CodeBadRequest, "a chat needs a customer id or number")
		}
	} else {
		cu, err := t.Customer(c.Customer.ID)
		if err != nil {
			return err
		}
		c.Customer = cu
	}
	c.Created, c.Updated = t.Now, t.Now
	res, err := t.exec(`INSERT INTO chats(channel_id, medium, state, snoozed_until, assignee_id, team_id, customer_id,
		missed, missed_reason, last_call_id, created, updated, closed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		c.ChannelID, string(c.Medium), string(c.State), nsPtr(c.SnoozedUntil), nullID(c.AssigneeID), nullID(c.TeamID),
		c.Customer.ID, boolInt(c.Missed), string(c.MissedReason), nullID(c.LastCallID), ns(c.Created), ns(c.Updated), nsPtr(c.Closed))
	if err != nil {
		return err
	}
	if c.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	for _, tag := range c.Tags {
		if _, err := t.exec(`INSERT OR IGNORE INTO chat_tags(tag, chat_id) VALUES (?,?)`, tag, c.ID); err != nil {
			return err
		}
	}
	for _, s := range c.Followers {
		if err := t.AddFollower(c.ID, s); err != nil {
			return err
		}
	}
	if c.CallbackOf != nil {
		if err := t.LinkCallback(*c.CallbackOf, c.ID); err != nil {
			return err
		}
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	if c.Followers == nil {
		c.Followers = []int64{}
	}
	c.Callbacks = []int64{}
	return nil
}

func (t *tx) Chat(id int64) (api.Chat, error) {
	cs, err := t.loadChats([]int64{id})
	if err != nil {
		return api.Chat{}, err
	}
	if len(cs) == 0 {
		return api.Chat{}, notFound("chat", id)
	}
	return cs[0], nil
}

func (t *tx) UpdateChat(c *api.Chat) error {
	c.Updated = t.Now
	return t.update("chat", c.ID, `UPDATE chats SET state=?, snoozed_until=?, assignee_id=?, team_id=?, missed=?,
		missed_reason=?, last_call_id=?, closed=?, updated=?, menu_path=? WHERE id=?`,
		string(c.State), nsPtr(c.SnoozedUntil), nullID(c.AssigneeID), nullID(c.TeamID), boolInt(c.Missed),
		string(c.MissedReason), nullID(c.LastCallID), nsPtr(c.Closed), ns(c.Updated), c.MenuPath, c.ID)
}

func (t *tx) touchChat(id int64) error {
	return t.update("chat", id, `UPDATE chats SET updated=? WHERE id=?`, ns(t.Now), id)
}

func (t *tx) AddTag(chatID int64, tag string) error {
	if err := t.touchChat(chatID); err != nil {
		return err
	}
	_, err := t.exec(`INSERT OR IGNORE INTO chat_tags(tag, chat_id) VALUES (?,?)`, tag, chatID)
	return err
}

func (t *tx) RemoveTag(chatID int64, tag string) error {
	if err := t.touchChat(chatID); err != nil {
		return err
	}
	return t.update("tag", tag, `DELETE FROM chat_tags WHERE tag=? AND chat_id=?`, tag, chatID)
}

func (t *tx) AddFollower(chatID, staffID int64) error {
	if err := t.touchChat(chatID); err != nil {
		return err
	}
	if _, err := t.Staff(staffID); err != nil {
		return err
	}
	_, err := t.exec(`INSERT OR IGNORE INTO chat_followers(chat_id, staff_id) VALUES (?,?)`, chatID, staffID)
	return err
}

func (t *tx) addText(table string, id *int64, chatID, staffID int64, text string, created *time.Time) error {
	if err := t.touchChat(chatID); err != nil {
		return err
	}
	*created = t.Now
	res, err := t.exec(`INSERT INTO `+table+`(chat_id, staff_id, text, created) VALUES (?,?,?,?)`, chatID, staffID, text, ns(t.Now))
	if err != nil {
		return err
	}
	*id, err = res.LastInsertId()
	return err
}

func (t *tx) texts(table string, chatID int64, f func(id, staff int64, text string, created time.Time)) error {
	rows, err := t.query(`SELECT id, staff_id, text, created FROM `+table+` WHERE chat_id=? ORDER BY id`, chatID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, staff, created int64
		var text string
		if err := rows.Scan(&id, &staff, &text, &created); err != nil {
			return err
		}
		f(id, staff, text, fromNS(created))
	}
	return rows.Err()
}

func (t *tx) AddMemo(m *api.Memo) error {
	return t.addText("memos", &m.ID, m.ChatID, m.StaffID, m.Text, &m.Created)
}

func (t *tx) Memos(chatID int64) ([]api.Memo, error) {
	out := []api.Memo{}
	err := t.texts("memos", chatID, func(id, staff int64, text string, created time.Time) {
		out = append(out, api.Memo{ID: id, ChatID: chatID, StaffID: staff, Text: text, Created: created})
	})
	return out, err
}

func (t *tx) AddMessage(m *api.Message) error {
	return t.addText("messages", &m.ID, m.ChatID, m.StaffID, m.Text, &m.Created)
}

func (t *tx) Messages(chatID int64) ([]api.Message, error) {
	out := []api.Message{}
	err := t.texts("messages", chatID, func(id, staff int64, text string, created time.Time) {
		out = append(out, api.Message{ID: id, ChatID: chatID, StaffID: staff, Text: text, Created: created})
	})
	return out, err
}

func (t *tx) LinkCallback(originalChatID, callbackChatID int64) error {
	if originalChatID == callbackChatID {
		return api.Errorf(api.CodeBadRequest, "a chat cannot be its own callback")
	}
	if err := t.touchChat(originalChatID); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO chat_links(callback_chat_id, original_chat_id, created) VALUES (?,?,?)`,
		callbackChatID, originalChatID, ns(t.Now))
	if api.CodeOf(mapErr(err)) == api.CodeConflict {
		return api.Errorf(api.CodeConflict, "chat %d is already a callback", callbackChatID)
	}
	return err
}

func (t *tx) OpenedPhoneChats(channelID int64) (map[int64]int, error) {
	rows, err := t.query(`SELECT assignee_id, count(*) FROM chats INDEXED BY chats_opened
		WHERE state='opened' AND channel_id=? AND medium='phone' AND assignee_id IS NOT NULL
		AND last_call_id IS NOT NULL GROUP BY assignee_id`, channelID)
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
		out[id] = n
	}
	return out, rows.Err()
}

func (t *tx) DueSnoozes(now time.Time) ([]int64, error) {
	return t.int64s(`SELECT id FROM chats WHERE state='snoozed' AND snoozed_until <= ? ORDER BY snoozed_until`, ns(now))
}
