package sqlstore

import (
	"time"

	"github.com/meet-dev/meet/api"
)

const chatCols = `c.id, c.channel_id, c.medium, c.state, c.snoozed_until, c.assignee_id, c.team_id, c.missed,
	c.missed_reason, c.last_call_id, c.created, c.updated, c.closed, l.original_chat_id,
	u.id, u.number, u.name, u.profile, u.tags, c.menu_path, c.voicemail, c.recorded`

const chatFrom = ` FROM chats c JOIN customers u ON u.id = c.customer_id
	LEFT JOIN chat_links l ON l.callback_chat_id = c.id`

func scanChat(sc Row) (api.Chat, error) {
	var c api.Chat
	var medium, state, reason string
	var snoozed, closed *int64
	var created, updated int64
	var profile, tags string
	err := sc.Scan(&c.ID, &c.ChannelID, &medium, &state, &snoozed, &c.AssigneeID, &c.TeamID, &c.Missed, &reason,
		&c.LastCallID, &created, &updated, &closed, &c.CallbackOf,
		&c.Customer.ID, &c.Customer.Number, &c.Customer.Name, &profile, &tags, &c.MenuPath, &c.Voicemail, &c.Recorded)
	if err != nil {
		return c, err
	}
	c.Medium, c.State, c.MissedReason = api.Medium(medium), api.ChatState(state), api.MissedReason(reason)
	c.SnoozedUntil, c.Closed = FromNull(snoozed), FromNull(closed)
	c.Created, c.Updated = FromNS(created), FromNS(updated)
	c.Customer.Profile, c.Customer.Tags = nil, nil
	if err := unmarshalCustomer(profile, tags, &c.Customer); err != nil {
		return c, err
	}
	c.Tags, c.Followers, c.Callbacks = []string{}, []int64{}, []int64{}
	return c, nil
}

// LoadChats returns the chats with the given ids in that order, with tags,
// followers and callbacks; ids that do not exist are skipped.
func (t *Tx) LoadChats(ids []int64) ([]api.Chat, error) {
	if len(ids) == 0 {
		return []api.Chat{}, nil
	}
	in, args := t.D.In(ids)
	rows, err := t.Conn.Query(`SELECT `+chatCols+chatFrom+` WHERE c.id`+in, args...)
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
	err = eachPair(t.Conn, `SELECT chat_id, tag FROM chat_tags WHERE chat_id`+in+` ORDER BY tag`, args, func(id int64, v string) {
		if c := byID[id]; c != nil {
			c.Tags = append(c.Tags, v)
		}
	})
	if err != nil {
		return nil, err
	}
	err = eachPair(t.Conn, `SELECT chat_id, staff_id FROM chat_followers WHERE chat_id`+in+` ORDER BY staff_id`, args, func(id, v int64) {
		if c := byID[id]; c != nil {
			c.Followers = append(c.Followers, v)
		}
	})
	if err != nil {
		return nil, err
	}
	err = eachPair(t.Conn, `SELECT original_chat_id, callback_chat_id FROM chat_links WHERE original_chat_id`+in+` ORDER BY callback_chat_id`, args, func(id, v int64) {
		if c := byID[id]; c != nil {
			c.Callbacks = append(c.Callbacks, v)
		}
	})
	if err != nil {
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

// eachPair scans (id, value) rows.
func eachPair[V any](c Conn, query string, args []any, f func(id int64, v V)) error {
	rows, err := c.Query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v V
		if err := rows.Scan(&id, &v); err != nil {
			return err
		}
		f(id, v)
	}
	return rows.Err()
}

func (t *Tx) CreateChat(c *api.Chat) error {
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
		case api.CodeOf(t.D.MapErr(err)) == api.CodeNotFound && c.Customer.Number != "":
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
	var err error
	c.ID, err = t.Conn.Insert(`INSERT INTO chats(channel_id, medium, state, snoozed_until, assignee_id, team_id, customer_id,
		missed, missed_reason, last_call_id, created, updated, closed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		c.ChannelID, string(c.Medium), string(c.State), NSPtr(c.SnoozedUntil), NullID(c.AssigneeID), NullID(c.TeamID),
		c.Customer.ID, c.Missed, string(c.MissedReason), NullID(c.LastCallID), NS(c.Created), NS(c.Updated), NSPtr(c.Closed))
	if err != nil {
		return err
	}
	for _, tag := range c.Tags {
		if _, err := t.Conn.Exec(t.D.InsertIgnore(`chat_tags(tag, chat_id) VALUES (?,?)`), tag, c.ID); err != nil {
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

func (t *Tx) Chat(id int64) (api.Chat, error) {
	cs, err := t.LoadChats([]int64{id})
	if err != nil {
		return api.Chat{}, err
	}
	if len(cs) == 0 {
		return api.Chat{}, NotFound("chat", id)
	}
	return cs[0], nil
}

func (t *Tx) UpdateChat(c *api.Chat) error {
	c.Updated = t.Now
	return t.UpdateOne("chat", c.ID, `UPDATE chats SET state=?, snoozed_until=?, assignee_id=?, team_id=?, missed=?,
		missed_reason=?, last_call_id=?, closed=?, updated=?, menu_path=? WHERE id=?`,
		string(c.State), NSPtr(c.SnoozedUntil), NullID(c.AssigneeID), NullID(c.TeamID), c.Missed,
		string(c.MissedReason), NullID(c.LastCallID), NSPtr(c.Closed), NS(c.Updated), c.MenuPath, c.ID)
}

// TouchChat sets the chat's updated time (not_found when there is no such chat).
func (t *Tx) TouchChat(id int64) error {
	return t.UpdateOne("chat", id, `UPDATE chats SET updated=? WHERE id=?`, NS(t.Now), id)
}

func (t *Tx) AddTag(chatID int64, tag string) error {
	if err := t.TouchChat(chatID); err != nil {
		return err
	}
	_, err := t.Conn.Exec(t.D.InsertIgnore(`chat_tags(tag, chat_id) VALUES (?,?)`), tag, chatID)
	return err
}

func (t *Tx) RemoveTag(chatID int64, tag string) error {
	if err := t.TouchChat(chatID); err != nil {
		return err
	}
	return t.UpdateOne("tag", tag, `DELETE FROM chat_tags WHERE tag=? AND chat_id=?`, tag, chatID)
}

func (t *Tx) AddFollower(chatID, staffID int64) error {
	if err := t.TouchChat(chatID); err != nil {
		return err
	}
	if _, err := t.Staff(staffID); err != nil {
		return err
	}
	_, err := t.Conn.Exec(t.D.InsertIgnore(`chat_followers(chat_id, staff_id) VALUES (?,?)`), chatID, staffID)
	return err
}

func (t *Tx) texts(table string, chatID int64, f func(id, staff int64, text string, created time.Time)) error {
	rows, err := t.Conn.Query(`SELECT id, staff_id, text, created FROM `+table+` WHERE chat_id=? ORDER BY id`, chatID)
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
		f(id, staff, text, FromNS(created))
	}
	return rows.Err()
}

func (t *Tx) Memos(chatID int64) ([]api.Memo, error) {
	out := []api.Memo{}
	err := t.texts("memos", chatID, func(id, staff int64, text string, created time.Time) {
		out = append(out, api.Memo{ID: id, ChatID: chatID, StaffID: staff, Text: text, Created: created})
	})
	return out, err
}

func (t *Tx) AddMemo(m *api.Memo) error {
	if err := t.TouchChat(m.ChatID); err != nil {
		return err
	}
	m.Created = t.Now
	var err error
	m.ID, err = t.Search.InsertMemo(m)
	return err
}

func (t *Tx) AddMessage(m *api.Message) error {
	if err := t.TouchChat(m.ChatID); err != nil {
		return err
	}
	m.Created = t.Now
	var err error
	m.ID, err = t.Conn.Insert(`INSERT INTO messages(chat_id, staff_id, text, created) VALUES (?,?,?,?)`,
		m.ChatID, m.StaffID, m.Text, NS(t.Now))
	return err
}

func (t *Tx) Messages(chatID int64) ([]api.Message, error) {
	out := []api.Message{}
	err := t.texts("messages", chatID, func(id, staff int64, text string, created time.Time) {
		out = append(out, api.Message{ID: id, ChatID: chatID, StaffID: staff, Text: text, Created: created})
	})
	return out, err
}

func (t *Tx) LinkCallback(originalChatID, callbackChatID int64) error {
	if originalChatID == callbackChatID {
		return api.Errorf(api.CodeBadRequest, "a chat cannot be its own callback")
	}
	if err := t.TouchChat(originalChatID); err != nil {
		return err
	}
	return t.Conn.Guard(func() error {
		_, err := t.Conn.Exec(`INSERT INTO chat_links(callback_chat_id, original_chat_id, created) VALUES (?,?,?)`,
			callbackChatID, originalChatID, NS(t.Now))
		if api.CodeOf(t.D.MapErr(err)) == api.CodeConflict {
			return api.Errorf(api.CodeConflict, "chat %d is already a callback", callbackChatID)
		}
		return err
	})
}

func (t *Tx) OpenedPhoneChats(channelID int64) (map[int64]int, error) {
	rows, err := t.Conn.Query(`SELECT assignee_id, count(*) FROM chats`+t.D.IndexedBy("chats_opened")+`
		WHERE state='opened' AND channel_id=? AND medium='phone' AND assignee_id IS NOT NULL
		AND last_call_id IS NOT NULL GROUP BY assignee_id`, channelID)
	if err != nil {
		return nil, err
	}
	return CountMap(rows, 0)
}

// CountMap reads (id, count) rows, each count capped at limit (0: no cap).
func CountMap(rows Rows, limit int) (map[int64]int, error) {
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

func (t *Tx) DueSnoozes(now time.Time) ([]int64, error) {
	return t.Int64s(`SELECT id FROM chats WHERE state='snoozed' AND snoozed_until <= ? ORDER BY snoozed_until`, NS(now))
}
