package postgres

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meet-dev/meet/api"
)

func (t *tx) CreateStaff(s *api.Staff, passwordHash string) error {
	s.Created = t.Now
	err := t.guarded(func() (err error) {
		s.ID, err = t.insertID(`INSERT INTO staff(email, name, role, password_hash, created) VALUES (?,?,?,?,?)`,
			s.Email, s.Name, string(s.Role), passwordHash, ns(s.Created))
		return err
	})
	if err != nil {
		if api.CodeOf(mapErr(err)) == api.CodeConflict {
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

func (t *tx) fillStaff(s *api.Staff) (err error) {
	if s.Channels, err = t.int64s(`SELECT channel_id FROM staff_channels WHERE staff_id=? ORDER BY channel_id`, s.ID); err != nil {
		return err
	}
	s.Teams, err = t.int64s(`SELECT team_id FROM team_members WHERE staff_id=? ORDER BY team_id`, s.ID)
	return err
}

func (t *tx) Staff(id int64) (api.Staff, error) {
	var s api.Staff
	var role string
	var created int64
	err := t.row(`SELECT id, email, name, role, created FROM staff WHERE id=?`, id).
		Scan(&s.ID, &s.Email, &s.Name, &role, &created)
	if err != nil {
		return s, one(err, "staff", id)
	}
	s.Role, s.Created = api.Role(role), fromNS(created)
	return s, t.fillStaff(&s)
}

func (t *tx) StaffByEmail(email string) (api.Staff, string, error) {
	var s api.Staff
	var role, hash string
	var created int64
	err := t.row(`SELECT id, email, name, role, created, password_hash FROM staff WHERE lower(email)=lower(?)`, email).
		Scan(&s.ID, &s.Email, &s.Name, &role, &created, &hash)
	if err != nil {
		return s, "", one(err, "staff with email", email)
	}
	s.Role, s.Created = api.Role(role), fromNS(created)
	return s, hash, t.fillStaff(&s)
}

func (t *tx) ListStaff(channelID int64) ([]api.Staff, error) {
	// Three queries whatever the number of members: the rows, then their
	// channels and teams.
	from := `staff s`
	var args []any
	if channelID != 0 {
		from, args = `staff_channels sc JOIN staff s ON s.id = sc.staff_id WHERE sc.channel_id = ?`, []any{channelID}
	}
	rows, err := t.query(`SELECT s.id, s.email, s.name, s.role, s.created FROM `+from+` ORDER BY s.id`, args...)
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
		s.Role, s.Created = api.Role(role), fromNS(created)
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
		rows, err := t.query(q.sql, args...)
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

func (t *tx) AddStaffChannel(staffID, channelID int64) error {
	if _, err := t.Channel(channelID); err != nil {
		return err
	}
	if _, err := t.Staff(staffID); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO staff_channels(staff_id, channel_id) VALUES (?,?) ON CONFLICT DO NOTHING`, staffID, channelID)
	return err
}

func (t *tx) Settings(staffID int64) (api.Settings, error) {
	s := api.Settings{UnassignedCallNotification: map[int64]bool{}}
	var notif string
	err := t.row(`SELECT dnd, mute_on_join, notifications FROM staff_settings WHERE staff_id=?`, staffID).Scan(&s.DND, &s.MuteOnJoin, &notif)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := t.Staff(staffID); err != nil {
			return s, err
		}
		return s, nil
	}
	if err != nil {
		return s, err
	}
	return s, parseNotifications(notif, s.UnassignedCallNotification)
}

// parseNotifications reads the notifications column (channel id → bool).
func parseNotifications(notif string, dst map[int64]bool) error {
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

func (t *tx) PutSettings(staffID int64, s api.Settings) error {
	if _, err := t.Staff(staffID); err != nil {
		return err
	}
	m := map[string]bool{}
	for k, v := range s.UnassignedCallNotification {
		m[strconv.FormatInt(k, 10)] = v
	}
	_, err := t.exec(`INSERT INTO staff_settings(staff_id, dnd, mute_on_join, notifications) VALUES (?,?,?,?)
		ON CONFLICT(staff_id) DO UPDATE SET dnd=excluded.dnd, mute_on_join=excluded.mute_on_join,
		notifications=excluded.notifications`, staffID, s.DND, s.MuteOnJoin, mustJSON(m))
	return err
}

func (t *tx) CreateToken(staffID int64, tokenHash []byte, expires time.Time) error {
	_, err := t.exec(`INSERT INTO tokens(hash, staff_id, created, expires) VALUES (?,?,?,?)`,
		tokenHash, staffID, ns(t.Now), ns(expires))
	return err
}

func (t *tx) TokenStaff(tokenHash []byte, now time.Time) (int64, error) {
	var id int64
	err := t.row(`SELECT staff_id FROM tokens WHERE hash=? AND revoked IS NULL AND expires > ?`, tokenHash, ns(now)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, api.Errorf(api.CodeUnauthorized, "invalid, expired or revoked token")
	}
	return id, err
}

func (t *tx) RevokeToken(tokenHash []byte) error {
	return t.update("token", "", `UPDATE tokens SET revoked=? WHERE hash=? AND revoked IS NULL`, ns(t.Now), tokenHash)
}
