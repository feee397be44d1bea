package sqlstore

import (
	"encoding/json"
	"fmt"

	"github.com/meet-dev/meet/api"
)

const channelCols = `id, name, timezone, ring_timeout_s, max_wait_s, auto_assign_team_id, service_level_s, hours, menu, voicemail, voicemail_max_s, recording, recording_retention_days, voicemail_retention_days`

func scanChannel(sc Row) (api.Channel, error) {
	var c api.Channel
	var hours, menu string
	if err := sc.Scan(&c.ID, &c.Name, &c.Timezone, &c.RingTimeoutS, &c.MaxWaitS, &c.AutoAssignTeamID, &c.ServiceLevelS, &hours, &menu,
		&c.Voicemail, &c.VoicemailMaxS, &c.Recording, &c.RecordingDays, &c.VoicemailDays); err != nil {
		return c, err
	}
	if menu != "" {
		c.Menu = &api.Menu{}
		if err := json.Unmarshal([]byte(menu), c.Menu); err != nil {
			return c, fmt.Errorf("channel %d: bad menu JSON: %w", c.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(hours), &c.Hours); err != nil {
		return c, fmt.Errorf("channel %d: bad hours JSON: %w", c.ID, err)
	}
	c.Numbers = []string{}
	return c, nil
}

func (t *Tx) CreateChannel(c *api.Channel) error {
	if c.Timezone == "" {
		c.Timezone = "UTC"
	}
	if c.Hours.Weekly == nil {
		c.Hours.Weekly = []api.Span{}
	}
	err := t.Conn.Guard(func() (err error) {
		c.ID, err = t.Conn.Insert(`INSERT INTO channels(name, timezone, ring_timeout_s, max_wait_s, auto_assign_team_id,
			service_level_s, hours, created) VALUES (?,?,?,?,?,?,?,?)`,
			c.Name, c.Timezone, c.RingTimeoutS, c.MaxWaitS, NullID(c.AutoAssignTeamID), c.ServiceLevelS,
			MustJSON(c.Hours), NS(t.Now))
		return err
	})
	if err != nil {
		return err
	}
	for _, n := range c.Numbers {
		if err := t.AddNumber(c.ID, n); err != nil {
			return err
		}
	}
	if c.Numbers == nil {
		c.Numbers = []string{}
	}
	return nil
}

func (t *Tx) UpdateChannel(c *api.Channel) error {
	return t.UpdateOne("channel", c.ID, `UPDATE channels SET name=?, timezone=?, ring_timeout_s=?, max_wait_s=?,
		auto_assign_team_id=?, service_level_s=?, voicemail=?, voicemail_max_s=?,
		recording=?, recording_retention_days=?, voicemail_retention_days=? WHERE id=?`,
		c.Name, c.Timezone, c.RingTimeoutS, c.MaxWaitS, NullID(c.AutoAssignTeamID), c.ServiceLevelS,
		c.Voicemail, c.VoicemailMaxS, c.Recording, c.RecordingDays, c.VoicemailDays, c.ID)
}

func (t *Tx) channelWhere(where string, arg any, what string) (api.Channel, error) {
	c, err := scanChannel(t.Conn.Row(`SELECT `+channelCols+` FROM channels WHERE `+where, arg))
	if err != nil {
		return c, One(err, what, arg)
	}
	c.Numbers, err = t.Strings(`SELECT number FROM channel_numbers WHERE channel_id=? ORDER BY number`, c.ID)
	return c, err
}

func (t *Tx) Channel(id int64) (api.Channel, error) { return t.channelWhere("id=?", id, "channel") }

func (t *Tx) ChannelByName(name string) (api.Channel, error) {
	return t.channelWhere("name=?", name, "channel")
}

func (t *Tx) ChannelByNumber(number string) (api.Channel, error) {
	return t.channelWhere("id=(SELECT channel_id FROM channel_numbers WHERE number=?)", number, "channel with number")
}

func (t *Tx) ListChannels() ([]api.Channel, error) {
	rows, err := t.Conn.Query(`SELECT ` + channelCols + ` FROM channels ORDER BY id`)
	if err != nil {
		return nil, err
	}
	out := []api.Channel{}
	idx := map[int64]int{}
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		idx[c.ID] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	nrows, err := t.Conn.Query(`SELECT channel_id, number FROM channel_numbers ORDER BY number`)
	if err != nil {
		return nil, err
	}
	defer nrows.Close()
	for nrows.Next() {
		var id int64
		var n string
		if err := nrows.Scan(&id, &n); err != nil {
			return nil, err
		}
		if i, ok := idx[id]; ok {
			out[i].Numbers = append(out[i].Numbers, n)
		}
	}
	return out, nrows.Err()
}

func (t *Tx) AddNumber(channelID int64, number string) error {
	var owner int64
	err := t.Conn.Row(`SELECT channel_id FROM channel_numbers WHERE number=?`, number).Scan(&owner)
	switch {
	case err == nil && owner == channelID:
		return nil
	case err == nil:
		return api.Errorf(api.CodeConflict, "number %s already belongs to channel %d", number, owner)
	case !NoRows(err):
		return err
	}
	if _, err := t.Channel(channelID); err != nil {
		return err
	}
	return t.Conn.Guard(func() error {
		_, err := t.Conn.Exec(`INSERT INTO channel_numbers(number, channel_id) VALUES (?,?)`, number, channelID)
		if api.CodeOf(t.D.MapErr(err)) == api.CodeConflict { // taken by a concurrent transaction
			return api.Errorf(api.CodeConflict, "number %s already belongs to another channel", number)
		}
		return err
	})
}

func (t *Tx) SetHours(channelID int64, h api.Hours) error {
	if h.Weekly == nil {
		h.Weekly = []api.Span{}
	}
	return t.UpdateOne("channel", channelID, `UPDATE channels SET hours=? WHERE id=?`, MustJSON(h), channelID)
}

func (t *Tx) SetMenu(channelID int64, m *api.Menu) error {
	v := ""
	if m != nil {
		v = MustJSON(m)
	}
	return t.UpdateOne("channel", channelID, `UPDATE channels SET menu=? WHERE id=?`, v, channelID)
}

func (t *Tx) Guidance(channelID int64, kind api.GuidanceKind) ([]byte, error) {
	var pcm []byte
	err := t.Conn.Row(`SELECT pcm FROM guidance WHERE channel_id=? AND kind=?`, channelID, string(kind)).Scan(&pcm)
	if NoRows(err) {
		return nil, api.Errorf(api.CodeNotFound, "channel %d has no %s guidance", channelID, kind)
	}
	return pcm, err
}
