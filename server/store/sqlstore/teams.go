package sqlstore

import (
	"github.com/meet-dev/meet/api"
)

func (t *Tx) CreateTeam(tm *api.Team) error {
	if tm.Strategy == "" {
		tm.Strategy = api.StrategyLongestIdle
	}
	err := t.Conn.Guard(func() (err error) {
		tm.ID, err = t.Conn.Insert(`INSERT INTO teams(channel_id, name, auto_assign, strategy) VALUES (?,?,?,?)`,
			tm.ChannelID, tm.Name, tm.AutoAssign, string(tm.Strategy))
		return err
	})
	if err != nil {
		return err
	}
	for _, s := range tm.Members {
		if err := t.AddTeamMember(tm.ID, s); err != nil {
			return err
		}
	}
	if tm.Members == nil {
		tm.Members = []int64{}
	}
	return nil
}

func (t *Tx) UpdateTeam(tm *api.Team) error {
	return t.UpdateOne("team", tm.ID, `UPDATE teams SET name=?, auto_assign=?, strategy=? WHERE id=?`,
		tm.Name, tm.AutoAssign, string(tm.Strategy), tm.ID)
}

func (t *Tx) teamWhere(where string, args ...any) (api.Team, error) {
	var tm api.Team
	var strategy string
	err := t.Conn.Row(`SELECT id, channel_id, name, auto_assign, strategy FROM teams WHERE `+where, args...).
		Scan(&tm.ID, &tm.ChannelID, &tm.Name, &tm.AutoAssign, &strategy)
	if err != nil {
		return tm, One(err, "team", args[len(args)-1])
	}
	tm.Strategy = api.Strategy(strategy)
	tm.Members, err = t.Int64s(`SELECT staff_id FROM team_members WHERE team_id=? ORDER BY staff_id`, tm.ID)
	return tm, err
}

func (t *Tx) Team(id int64) (api.Team, error) { return t.teamWhere("id=?", id) }

func (t *Tx) TeamByName(channelID int64, name string) (api.Team, error) {
	return t.teamWhere("channel_id=? AND name=?", channelID, name)
}

func (t *Tx) ListTeams(channelID int64) ([]api.Team, error) {
	query, args := `SELECT id FROM teams ORDER BY id`, []any(nil)
	if channelID != 0 {
		query, args = `SELECT id FROM teams WHERE channel_id=? ORDER BY id`, []any{channelID}
	}
	ids, err := t.Int64s(query, args...)
	if err != nil {
		return nil, err
	}
	out := make([]api.Team, 0, len(ids))
	for _, id := range ids {
		tm, err := t.Team(id)
		if err != nil {
			return nil, err
		}
		out = append(out, tm)
	}
	return out, nil
}

func (t *Tx) AddTeamMember(teamID, staffID int64) error {
	if _, err := t.Team(teamID); err != nil {
		return err
	}
	if _, err := t.Staff(staffID); err != nil {
		return err
	}
	_, err := t.Conn.Exec(t.D.InsertIgnore(`team_members(team_id, staff_id) VALUES (?,?)`), teamID, staffID)
	return err
}
