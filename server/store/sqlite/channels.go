package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/meet-dev/meet/api"
)

const channelCols = `id, name, timezone, ring_timeout_s, max_wait_s, auto_assign_team_id, service_level_s, hours, menu, voicemail, voicemail_max_s, recording, recording_retention_days, voicemail_retention_days`

func scanChannel(sc interface{ Scan(...any) error }) (api.Channel, error) {
	var c api.Channel
	var team sql.NullInt64
	var hours, menu string
	var vm, rec int
	if err := sc.Scan(&c.ID, &c.Name, &c.Timezone, &c.RingTimeoutS, &c.MaxWaitS, &team, &c.ServiceLevelS, &hours, &menu,
		&vm, &c.VoicemailMaxS, &rec, &c.RecordingDays, &c.VoicemailDays); err != nil {
		return c, err
	}
	c.Voicemail, c.Recording = vm != 0, rec != 0
	if menu != "" {
		c.Menu = &api.Menu{}
		if err := json.Unmarshal([]byte(menu), c.Menu); err != nil {
			return c, fmt.Errorf("channel %d: bad menu JSON: %w", c.ID, err)
		}
	}
	c.AutoAssignTeamID = idPtr(team)
	if err := json.Unmarshal([]byte(hours), &c.Hours); err != nil {
		return c, fmt.Errorf("channel %d: bad hours JSON: %w", c.ID, err)
	}
	c.Numbers = []string{}
	return c, nil
}

func (t *tx) CreateChannel(c *api.Channel) error {
	if c.Timezone == "" {
		c.Timezone = "UTC"
	}
	if c.Hours.Weekly == nil {
		c.Hours.Weekly = []api.Span{}
	}
	res, err := t.exec(`INSERT INTO channels(name, timezone, ring_timeout_s, max_wait_s, auto_assign_team_id,
		service_level_s, hours, created) VALUES (?,?,?,?,?,?,?,?)`,
		c.Name, c.Timezone, c.RingTimeoutS, c.MaxWaitS, nullID(c.AutoAssignTeamID), c.ServiceLevelS,
		mustJSON(c.Hours), ns(t.Now))
	if err != nil {
		return err
	}
	if c.ID, err = res.LastInsertId(); err != nil {
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

func (t *tx) UpdateChannel(c *api.Channel) error {
	return t.update("channel", c.ID, `UPDATE channels SET name=?, timezone=?, ring_timeout_s=?, max_wait_s=?,
		auto_assign_team_id=?, service_level_s=?, voicemail=?, voicemail_max_s=?,
		recording=?, recording_retention_days=?, voicemail_retention_days=? WHERE id=?`,
		c.Name, c.Timezone, c.RingTimeoutS, c.MaxWaitS, nullID(c.AutoAssignTeamID), c.ServiceLevelS,
		boolInt(c.Voicemail), c.VoicemailMaxS, boolInt(c.Recording), c.RecordingDays, c.VoicemailDays, c.ID)
}

func (t *tx) channelWhere(where string, arg any, what string) (api.Channel, error) {
	c, err := scanChannel(t.row(`SELECT `+channelCols+` FROM channels WHERE `+where, arg))
	if err != nil {
		return c, one(err, what, arg)
	}
	c.Numbers, err = t.strings(`SELECT number FROM channel_numbers WHERE channel_id=? ORDER BY number`, c.ID)
	return c, err
}

func (t *tx) Channel(id int64) (api.Channel, error) { return t.channelWhere("id=?", id, "channel") }

func (t *tx) ChannelByName(name string) (api.Channel, error) {
	return t.channelWhere("name=?", name, "channel")
}

func (t *tx) ChannelByNumber(number string) (api.Channel, error) {
	return t.channelWhere("id=(SELECT channel_id FROM channel_numbers WHERE number=?)", number, "channel with number")
}

func (t *tx) ListChannels() ([]api.Channel, error) {
	rows, err := t.query(`SELECT ` + channelCols + ` FROM channels ORDER BY id`)
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
	nrows, err := t.query(`SELECT channel_id, number FROM channel_numbers ORDER BY number`)
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

func (t *tx) AddNumber(channelID int64, number string) error {
	var owner int64
	err := t.row(`SELECT channel_id FROM channel_numbers WHERE number=?`, number).Scan(&owner)
	switch {
	case err == nil && owner == channelID:
		return nil
	case err == nil:
		return api.Errorf(api.CodeConflict, "number %s already belongs to channel %d", number, owner)
	case err != sql.ErrNoRows:
		return err
	}
	if _, err := t.Channel(channelID); err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO channel_numbers(number, channel_id) VALUES (?,?)`, number, channelID)
	return err
}

func (t *tx) SetHours(channelID int64, h api.Hours) error {
	if h.Weekly == nil {
		h.Weekly = []api.Span{}
	}
	return t.update("channel", channelID, `UPDATE channels SET hours=? WHERE id=?`, mustJSON(h), channelID)
}

func (t *tx) SetMenu(channelID int64, m *api.Menu) error {
	v := ""
	if m != nil {
		v = mustJSON(m)
	}
	return t.update("channel", channelID, `UPDATE channels SET menu=? WHERE id=?`, v, channelID)
}

func (t *tx) SetGuidance(channelID int64, kind api.GuidanceKind, pcm48k []byte) error {
	if _, err := t.Channel(channelID); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO guidance(channel_id, kind, pcm, updated) VALUES (?,?,?,?)
		ON CONFLICT(channel_id, kind) DO UPDATE SET pcm=excluded.pcm, updated=excluded.updated`,
		channelID, string(kind), pcm48k, ns(t.Now))
	return err
}

func (t *tx) Guidance(channelID int64, kind api.GuidanceKind) ([]byte, error) {
	var pcm []byte
	err := t.row(`SELECT pcm FROM guidance WHERE channel_id=? AND kind=?`, channelID, string(kind)).Scan(&pcm)
	if err == sql.ErrNoRows {
		return nil, api.Errorf(api.CodeNotFound, "channel %d has no %s guidance", channelID, kind)
	}
	return pcm, err
}
