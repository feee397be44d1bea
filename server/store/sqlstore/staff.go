package sqlstore

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/meet-dev/meet/api"
)

func (t *Tx) CreateStaff(s *api.Staff, passwordHash string) error {
	s.Created = t.Now
	err := t.Conn.Guard(func() (err error) {
		s.ID, err = t.Conn.Insert(`INSERT INTO staff(email, name, role, password_hash, created) VALUES (?,?,?,?,?)`,
			s.Email, s.Name, string(s.Role), passwordHash, NS(s.Created))
		return err
	})
	if err != nil {
		if api.CodeOf(t.D.MapErr(err)) == api.CodeConflict {
			return api.Errorf(api.CodeConflict, "email %s is taken", s.Email)
		}
		return err
	}
	for _, c := range s.Channels {
		if err := t.AddStaffChannel(s.ID, c); err != nil {
			return err
		}
	}
	for _, tm := range s.Teams {
		if err := t.AddTeamMember(tm, s.ID); err != nil {
			return err
		}
	}
	if s.Channels == nil {
		s.Channels = []int64{}
	}
	if s.Teams == nil {
		s.Teams = []int64{}
	}
	return nil
}

func (t *Tx) fillStaff(s *api.Staff) (err error) {
	if s.Channels, err = t.Int64s(`SELECT channel_id FROM staff_channels WHERE staff_id=? ORDER BY channel_id`, s.ID); err != nil {
		return err
	}
	s.Teams, err = t.Int64s(`SELECT team_id FROM team_members WHERE staff_id=? ORDER BY team_id`, s.ID)
	return err
}

func (t *Tx) Staff(id int64) (api.Staff, error) {
	var s api.Staff
	var role string
	var created int64
	err := t.Conn.Row(`SELECT id, email, name, role, created FROM staff WHERE id=?`, id).
		Scan(&s.ID, &s.Email, &s.Name, &role, &created)
	if err != nil {
		return s, One(err, "staff", id)
	}
	s.Role, s.Created = api.Role(role), FromNS(created)
	return s, t.fillStaff(&s)
}

func (t *Tx) StaffByEmail(email string) (api.Staff, string, error) {
	var s api.Staff
	var role, hash string
	var created int64
	err := t.Conn.Row(`SELECT id, email, name, role, created, password_hash FROM staff WHERE `+t.D.EmailIs, email).
		Scan(&s.ID, &s.Email, &s.Name, &role, &created, &hash)
	if err != nil {
		return s, "", One(err, "staff with email", email)
	}
	s.Role, s.Created = api.Role(role), FromNS(created)
	return s, hash, t.fillStaff(&s)
}

func (t *Tx) ListStaff(channelID int64) ([]api.Staff, error) {
	// Three queries whatever the number of members: the rows, then their
	// channels and teams.
	from := `staff s`
	var args []any
	if channelID != 0 {
		from, args = `staff_channels sc JOIN staff s ON s.id = sc.staff_id WHERE sc.channel_id = ?`, []any{channelID}
	}
	rows, err := t.Conn.Query(`SELECT s.id, s.email, s.name, s.role, s.created FROM `+from+` ORDER BY s.id`, args...)
	if err != nil {
		return nil, err
	}
	out := []api.Staff{}
	at := map[int64]int{}
	for rows.Next() {
		var s api.Staff
		var role string
		var created int64
		if err := rows.Scan(&s.ID, &s.Email, &s.Name, &role, &created); err != nil {
			rows.Close()
			return nil, err
		}
		s.Role, s.Created = api.Role(role), FromNS(created)
		s.Channels, s.Teams = []int64{}, []int64{}
		at[s.ID] = len(out)
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sub := `SELECT id FROM staff`
	if channelID != 0 {
		sub = `SELECT staff_id FROM staff_channels WHERE channel_id = ?`
	}
	for _, q := range []struct {
		sql string
		dst func(*api.Staff) *[]int64
	}{
		{`SELECT staff_id, channel_id FROM staff_channels WHERE staff_id IN (` + sub + `) ORDER BY staff_id, channel_id`,
			func(s *api.Staff) *[]int64 { return &s.Channels }},
		{`SELECT staff_id, team_id FROM team_members WHERE staff_id IN (` + sub + `) ORDER BY staff_id, team_id`,
			func(s *api.Staff) *[]int64 { return &s.Teams }},
	} {
		rows, err := t.Conn.Query(q.sql, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, v int64
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, err
			}
			if i, ok := at[id]; ok {
				dst := q.dst(&out[i])
				*dst = append(*dst, v)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *Tx) AddStaffChannel(staffID, channelID int64) error {
	if _, err := t.Channel(channelID); err != nil {
		return err
	}
	if _, err := t.Staff(staffID); err != nil {
		return err
	}
	_, err := t.Conn.Exec(t.D.InsertIgnore(`staff_channels(staff_id, channel_id) VALUES (?,?)`), staffID, channelID)
	return err
}

func (t *Tx) Settings(staffID int64) (api.Settings, error) {
	s := api.Settings{UnassignedCallNotification: map[int64]bool{}}
	var notif string
	err := t.Conn.Row(`SELECT dnd, mute_on_join, notifications FROM staff_settings WHERE staff_id=?`, staffID).Scan(&s.DND, &s.MuteOnJoin, &notif)
	if NoRows(err) {
		if _, err := t.Staff(staffID); err != nil {
			return s, err
		}
		return s, nil
	}
	if err != nil {
		return s, err
	}
	return s, ParseNotifications(notif, s.UnassignedCallNotification)
}

// ParseNotifications reads the notifications column (channel id → bool)
// into dst.
func ParseNotifications(notif string, dst map[int64]bool) error {
	var m map[string]bool
	if err := json.Unmarshal([]byte(notif), &m); err != nil {
		return err
	}
	for k, v := range m {
		id, err := strconv.ParseInt(k, 10, 64)
		if err == nil {
			dst[id] = v
		}
	}
	return nil
}

func (t *Tx) PutSettings(staffID int64, s api.Settings) error {
	if _, err := t.Staff(staffID); err != nil {
		return err
	}
	m := map[string]bool{}
	for k, v := range s.UnassignedCallNotification {
		m[strconv.FormatInt(k, 10)] = v
	}
	_, err := t.Conn.Exec(`INSERT INTO staff_settings(staff_id, dnd, mute_on_join, notifications) VALUES (?,?,?,?)
		ON CONFLICT(staff_id) DO UPDATE SET dnd=excluded.dnd, mute_on_join=excluded.mute_on_join,
		notifications=excluded.notifications`, staffID, s.DND, s.MuteOnJoin, MustJSON(m))
	return err
}

func (t *Tx) CreateToken(staffID int64, tokenHash []byte, expires time.Time) error {
	_, err := t.Conn.Exec(`INSERT INTO tokens(hash, staff_id, created, expires) VALUES (?,?,?,?)`,
		tokenHash, staffID, NS(t.Now), NS(expires))
	return err
}

func (t *Tx) TokenStaff(tokenHash []byte, now time.Time) (int64, error) {
	var id int64
	err := t.Conn.Row(`SELECT staff_id FROM tokens WHERE hash=? AND revoked IS NULL AND expires > ?`, tokenHash, NS(now)).Scan(&id)
	if NoRows(err) {
		return 0, api.Errorf(api.CodeUnauthorized, "invalid, expired or revoked token")
	}
	return id, err
}

func (t *Tx) RevokeToken(tokenHash []byte) error {
	return t.UpdateOne("token", "", `UPDATE tokens SET revoked=? WHERE hash=? AND revoked IS NULL`, NS(t.Now), tokenHash)
}

// ChannelSettings returns the settings of every staff member of a channel
// in one query (defaults for members who never saved any): the call
// lifecycle reads them on every routing pass.
func (t *Tx) ChannelSettings(channelID int64) (map[int64]api.Settings, error) {
	// The defaults are parameters: false is 0 in SQLite, false in Postgres.
	rows, err := t.Conn.Query(`SELECT sc.staff_id, coalesce(ss.dnd, ?), coalesce(ss.mute_on_join, ?), coalesce(ss.notifications, '{}')
		FROM staff_channels sc LEFT JOIN staff_settings ss ON ss.staff_id = sc.staff_id WHERE sc.channel_id = ?`, false, false, channelID)
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
			if err := ParseNotifications(notif, s.UnassignedCallNotification); err != nil {
				return nil, err
			}
		}
		out[id] = s
	}
	return out, rows.Err()
}
