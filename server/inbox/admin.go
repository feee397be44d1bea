package inbox

import (
	"context"
	"net/mail"
	"regexp"
	"strings"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// Channel defaults.
const (
	DefaultRingTimeoutS  = 30
	DefaultMaxWaitS      = 120
	DefaultServiceLevelS = 20
	maxDurationS         = 24 * 3600
)

var numberRE = regexp.MustCompile(`^\+?[0-9*#]{2,32}$`)

// CleanNumber normalises a phone number (spaces, dashes, dots and
// parentheses dropped) and checks it.
func CleanNumber(n string) (string, error) {
	n = strings.Map(func(r rune) rune {
		if strings.ContainsRune(" -.()", r) {
			return -1
		}
		return r
	}, n)
	if !numberRE.MatchString(n) {
		return "", badRequest("%q is not a phone number (digits, optional leading +)", n)
	}
	return n, nil
}

func checkSeconds(name string, v int) error {
	if v < 0 || v > maxDurationS {
		return badRequest("%s must be between 0 and %d seconds", name, maxDurationS)
	}
	return nil
}

func validateChannel(c api.Channel) error {
	if _, err := api.NameRule.As("channel name").Clean(c.Name); err != nil {
		return err
	}
	if err := ValidateTimezone(c.Timezone); err != nil {
		return err
	}
	if c.RingTimeoutS < 1 || c.RingTimeoutS > 3600 {
		return badRequest("ring_timeout_s must be between 1 and 3600")
	}
	if err := checkSeconds("max_wait_s", c.MaxWaitS); err != nil {
		return err
	}
	if err := checkSeconds("service_level_s", c.ServiceLevelS); err != nil {
		return err
	}
	return ValidateHours(c.Hours)
}

func channelEvent(tx store.Tx, c api.Channel, actor int64, what string) error {
	return tx.Append(&api.Event{Type: api.EvChannelUpdated, ChannelID: c.ID, ActorID: actor, Data: data(map[string]any{"what": what})})
}

// changeChannel runs change on channel id in one transaction, records what
// changed (a channel.updated event) and returns the channel as stored.
func (s *Service) changeChannel(ctx context.Context, actor, id int64, what string, change func(tx store.Tx, c *api.Channel) error) (api.Channel, error) {
	var out api.Channel
	err := s.update(ctx, func(tx store.Tx) error {
		c, err := tx.Channel(id)
		if err != nil {
			return err
		}
		if err := change(tx, &c); err != nil {
			return err
		}
		if err := channelEvent(tx, c, actor, what); err != nil {
			return err
		}
		out, err = tx.Channel(id)
		return err
	})
	return out, err
}

// CreateChannel validates and creates a channel (defaults: UTC, 30 s ring
// timeout, 120 s max wait, 20 s service level).
func (s *Service) CreateChannel(ctx context.Context, actor int64, c api.Channel) (api.Channel, error) {
	c.Name = strings.TrimSpace(c.Name)
	if c.Timezone == "" {
		c.Timezone = "UTC"
	}
	if c.RingTimeoutS == 0 {
		c.RingTimeoutS = DefaultRingTimeoutS
	}
	if c.MaxWaitS == 0 {
		c.MaxWaitS = DefaultMaxWaitS
	}
	if c.ServiceLevelS == 0 {
		c.ServiceLevelS = DefaultServiceLevelS
	}
	if c.AutoAssignTeamID != nil {
		return api.Channel{}, badRequest("create the channel first, then its team, then set auto_assign_team_id")
	}
	for i, n := range c.Numbers {
		var err error
		if c.Numbers[i], err = CleanNumber(n); err != nil {
			return api.Channel{}, err
		}
	}
	if err := validateChannel(c); err != nil {
		return api.Channel{}, err
	}
	c.ID = 0
	err := s.update(ctx, func(tx store.Tx) error {
		if err := tx.CreateChannel(&c); err != nil {
			if api.CodeOf(err) == api.CodeConflict {
				if _, e := tx.ChannelByName(c.Name); e == nil {
					return api.Errorf(api.CodeConflict, "channel %q exists", c.Name)
				}
			}
			return err
		}
		return channelEvent(tx, c, actor, "created")
	})
	return c, err
}

// UpdateChannel applies a patch.
func (s *Service) UpdateChannel(ctx context.Context, actor, id int64, p api.ChannelPatch) (api.Channel, error) {
	return s.changeChannel(ctx, actor, id, "settings", func(tx store.Tx, c *api.Channel) error {
		if p.Name != nil {
			c.Name = strings.TrimSpace(*p.Name)
		}
		if p.Timezone != nil {
			c.Timezone = *p.Timezone
		}
		if p.RingTimeoutS != nil {
			c.RingTimeoutS = *p.RingTimeoutS
		}
		if p.MaxWaitS != nil {
			c.MaxWaitS = *p.MaxWaitS
		}
		if p.ServiceLevelS != nil {
			c.ServiceLevelS = *p.ServiceLevelS
		}
		if p.Voicemail != nil {
			c.Voicemail = *p.Voicemail
		}
		if p.Recording != nil {
			c.Recording = *p.Recording
		}
		if p.RecordingDays != nil {
			if *p.RecordingDays < 0 || *p.RecordingDays > 3650 {
				return badRequest("recording_retention_days must be between 0 and 3650")
			}
			c.RecordingDays = *p.RecordingDays
		}
		if p.VoicemailDays != nil {
			if *p.VoicemailDays < 0 || *p.VoicemailDays > 3650 {
				return badRequest("voicemail_retention_days must be between 0 and 3650")
			}
			c.VoicemailDays = *p.VoicemailDays
		}
		if p.VoicemailMaxS != nil {
			if *p.VoicemailMaxS < 0 || *p.VoicemailMaxS > 3600 {
				return badRequest("voicemail_max_s must be between 0 and 3600")
			}
			c.VoicemailMaxS = *p.VoicemailMaxS
		}
		if p.AutoAssignTeamID != nil {
			if *p.AutoAssignTeamID == 0 {
				c.AutoAssignTeamID = nil
			} else {
				tm, err := tx.Team(*p.AutoAssignTeamID)
				if err != nil {
					return err
				}
				if tm.ChannelID != id {
					return badRequest("team %d belongs to channel %d, not %d", tm.ID, tm.ChannelID, id)
				}
				c.AutoAssignTeamID = &tm.ID
			}
		}
		if err := validateChannel(*c); err != nil {
			return err
		}
		return tx.UpdateChannel(c)
	})
}

// AddNumber routes a number to a channel.
func (s *Service) AddNumber(ctx context.Context, actor, channelID int64, number string) (api.Channel, error) {
	number, err := CleanNumber(number)
	if err != nil {
		return api.Channel{}, err
	}
	return s.changeChannel(ctx, actor, channelID, "numbers", func(tx store.Tx, _ *api.Channel) error {
		return tx.AddNumber(channelID, number)
	})
}

// SetHours replaces a channel's operating hours.
func (s *Service) SetHours(ctx context.Context, actor, channelID int64, h api.Hours) (api.Channel, error) {
	if err := ValidateHours(h); err != nil {
		return api.Channel{}, err
	}
	return s.changeChannel(ctx, actor, channelID, "hours", func(tx store.Tx, _ *api.Channel) error {
		return tx.SetHours(channelID, h)
	})
}

// CreateTeam creates a team in a channel.
func (s *Service) CreateTeam(ctx context.Context, actor int64, t api.Team) (api.Team, error) {
	t.Name = strings.TrimSpace(t.Name)
	if _, err := api.NameRule.As("team name").Clean(t.Name); err != nil {
		return api.Team{}, err
	}
	if t.Strategy == "" {
		t.Strategy = api.StrategyLongestIdle
	}
	if !t.Strategy.Valid() {
		return api.Team{}, badRequest("unknown strategy %q (want longest-idle, round-robin or fewest-open-chats)", t.Strategy)
	}
	t.ID = 0
	err := s.update(ctx, func(tx store.Tx) error {
		c, err := tx.Channel(t.ChannelID)
		if err != nil {
			return err
		}
		for _, m := range t.Members {
			if err := staffInChannel(tx, m, c.ID); err != nil {
				return err
			}
		}
		if err := tx.CreateTeam(&t); err != nil {
			if api.CodeOf(err) == api.CodeConflict {
				return api.Errorf(api.CodeConflict, "channel %s already has a team %q", c.Name, t.Name)
			}
			return err
		}
		return tx.Append(&api.Event{Type: api.EvTeamUpdated, ChannelID: c.ID, ActorID: actor,
			Data: data(map[string]any{"team_id": t.ID, "what": "created"})})
	})
	return t, err
}

// AddTeamMember adds a staff member of the team's channel to the team.
func (s *Service) AddTeamMember(ctx context.Context, actor, teamID, staffID int64) (api.Team, error) {
	var out api.Team
	err := s.update(ctx, func(tx store.Tx) error {
		t, err := tx.Team(teamID)
		if err != nil {
			return err
		}
		if err := staffInChannel(tx, staffID, t.ChannelID); err != nil {
			return err
		}
		if err := tx.AddTeamMember(teamID, staffID); err != nil {
			return err
		}
		if err := tx.Append(&api.Event{Type: api.EvTeamUpdated, ChannelID: t.ChannelID, ActorID: actor, StaffID: staffID,
			Data: data(map[string]any{"team_id": t.ID, "what": "member"})}); err != nil {
			return err
		}
		out, err = tx.Team(teamID)
		return err
	})
	return out, err
}

// CreateStaff creates an account; its teams must belong to its channels.
func (s *Service) CreateStaff(ctx context.Context, actor int64, r api.AdminStaffRequest) (api.Staff, error) {
	addr, err := mail.ParseAddress(r.Email)
	if err != nil || addr.Address != strings.TrimSpace(r.Email) {
		return api.Staff{}, badRequest("%q is not an email address", r.Email)
	}
	role, err := api.ParseRole(string(r.Role))
	if err != nil {
		return api.Staff{}, err
	}
	hash, err := HashPassword(r.Password)
	if err != nil {
		return api.Staff{}, err
	}
	if _, err := (api.TextRule{Field: "name", Max: api.MaxNameLen}).Clean(r.Name); err != nil {
		return api.Staff{}, err
	}
	st := api.Staff{Email: addr.Address, Name: strings.TrimSpace(r.Name), Role: role, Channels: r.Channels, Teams: r.Teams}
	err = s.update(ctx, func(tx store.Tx) error {
		for _, tid := range r.Teams {
			t, err := tx.Team(tid)
			if err != nil {
				return err
			}
			if !contains(r.Channels, t.ChannelID) {
				return badRequest("team %d belongs to channel %d, which is not among the staff's channels", tid, t.ChannelID)
			}
		}
		if err := tx.CreateStaff(&st, hash); err != nil {
			return err
		}
		for _, ch := range st.Channels {
			if err := tx.Append(&api.Event{Type: api.EvStaffCreated, ChannelID: ch, StaffID: st.ID, ActorID: actor,
				Data: data(map[string]any{"email": st.Email, "role": st.Role})}); err != nil {
				return err
			}
		}
		if len(st.Channels) == 0 {
			return tx.Append(&api.Event{Type: api.EvStaffCreated, StaffID: st.ID, ActorID: actor,
				Data: data(map[string]any{"email": st.Email, "role": st.Role})})
		}
		return nil
	})
	return st, err
}
