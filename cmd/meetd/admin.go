package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/dbopen"
)

func newAdminCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Set up channels, numbers, teams, staff and operating hours in the database (--db PATH|URL)",
		Long: `Set up meetd directly in its database. Every subcommand takes --db: a SQLite file
path (or sqlite:PATH) or a Postgres URL postgres://user:password@host:5432/dbname
(MEETD_DB, default a SQLite file under the data directory). A running meetd on the same
database sees the changes at once and announces their events within a few seconds.`,
	}
	cmd.AddCommand(newAdminChannelCmd(), newAdminNumberCmd(), newAdminTeamCmd(), newAdminStaffCmd(), newAdminHoursCmd(),
		newAdminMenuCmd(), newAdminGuidanceCmd())
	cmd.AddCommand(newAdminRecordingsCmd())
	return cmd
}

// adminEnv is an open database for one admin command.
type adminEnv struct {
	db  store.DB
	in  *inbox.Service
	out io.Writer
}

func openAdmin(cmd *cobra.Command) (*adminEnv, error) {
	v, err := config(cmd)
	if err != nil {
		return nil, err
	}
	dsn := v.GetString("db")
	if dsn == "" {
		return nil, fmt.Errorf("--db is required")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := dbopen.Open(runCtx(cmd), dsn, dbopen.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	return &adminEnv{db: db, in: inbox.New(db, inbox.WithLogger(log)), out: cmd.OutOrStdout()}, nil
}

func (e *adminEnv) channel(cmd *cobra.Command, name string) (api.Channel, error) {
	var c api.Channel
	err := e.db.View(runCtx(cmd), func(tx store.Tx) (err error) { c, err = tx.ChannelByName(name); return })
	if api.CodeOf(err) == api.CodeNotFound {
		return c, fmt.Errorf("no channel named %q (meetd admin channel list)", name)
	}
	return c, err
}

// adminCmd builds a subcommand that opens the database around run.
func adminCmd(use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, e *adminEnv, args []string) error) *cobra.Command {
	cmd := &cobra.Command{
		Use: use, Short: short, Args: args,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := openAdmin(cmd)
			if err != nil {
				return err
			}
			defer e.db.Close()
			return run(cmd, e, args)
		},
	}
	addDBFlag(cmd)
	return cmd
}

// seconds converts a duration flag to whole seconds.
func seconds(name string, d time.Duration) (int, error) {
	if d < 0 || d%time.Second != 0 {
		return 0, fmt.Errorf("--%s %s: want whole seconds, e.g. 30s or 2m", name, d)
	}
	return int(d / time.Second), nil
}

func newAdminChannelCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "channel", Short: "Add, change and list channels"}
	add := adminCmd("add NAME", "Add a channel", cobra.ExactArgs(1), func(cmd *cobra.Command, e *adminEnv, args []string) error {
		tz, _ := cmd.Flags().GetString("timezone")
		c, err := e.in.CreateChannel(runCtx(cmd), 0, api.Channel{Name: args[0], Timezone: tz})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "channel %d %q added (timezone %s, ring timeout %ds, max wait %ds)\n", c.ID, c.Name, c.Timezone, c.RingTimeoutS, c.MaxWaitS)
		fmt.Fprintf(e.out, "open 24/7 until hours are set: meetd admin hours set --channel %s --weekly \"mon-fri 09:00-18:00\"\n", c.Name)
		return nil
	})
	add.Flags().String("timezone", "UTC", "IANA time zone of the channel's hours, e.g. Europe/Berlin")

	set := adminCmd("set NAME", "Change a channel's call settings", cobra.ExactArgs(1), func(cmd *cobra.Command, e *adminEnv, args []string) error {
		c, err := e.channel(cmd, args[0])
		if err != nil {
			return err
		}
		var p api.ChannelPatch
		f := cmd.Flags()
		for _, d := range []struct {
			flag string
			dst  **int
		}{{"ring-timeout", &p.RingTimeoutS}, {"max-wait", &p.MaxWaitS}, {"service-level", &p.ServiceLevelS}} {
			if !f.Changed(d.flag) {
				continue
			}
			dur, _ := f.GetDuration(d.flag)
			s, err := seconds(d.flag, dur)
			if err != nil {
				return err
			}
			*d.dst = &s
		}
		if f.Changed("timezone") {
			tz, _ := f.GetString("timezone")
			p.Timezone = &tz
		}
		if f.Changed("voicemail") {
			v, _ := f.GetString("voicemail")
			on, err := onOff("voicemail", v)
			if err != nil {
				return err
			}
			p.Voicemail = &on
		}
		if f.Changed("recording") {
			v, _ := f.GetString("recording")
			on, err := onOff("recording", v)
			if err != nil {
				return err
			}
			p.Recording = &on
		}
		if f.Changed("recording-retention") {
			days, _ := f.GetInt("recording-retention")
			p.RecordingDays = &days
		}
		if f.Changed("voicemail-retention") {
			days, _ := f.GetInt("voicemail-retention")
			p.VoicemailDays = &days
		}
		if f.Changed("voicemail-max") {
			d, _ := f.GetDuration("voicemail-max")
			s, err := seconds("voicemail-max", d)
			if err != nil {
				return err
			}
			p.VoicemailMaxS = &s
		}
		if f.Changed("auto-assign") {
			team, _ := f.GetString("auto-assign")
			id := int64(0)
			if team != "off" {
				err := e.db.View(runCtx(cmd), func(tx store.Tx) error {
					t, err := tx.TeamByName(c.ID, team)
					id = t.ID
					return err
				})
				if api.CodeOf(err) == api.CodeNotFound {
					return fmt.Errorf("channel %s has no team %q (meetd admin team add)", c.Name, team)
				}
				if err != nil {
					return err
				}
			}
			p.AutoAssignTeamID = &id
		}
		if p == (api.ChannelPatch{}) {
			return fmt.Errorf("nothing to change: give --ring-timeout, --max-wait, --auto-assign, --timezone, --service-level, --voicemail, --voicemail-retention, --recording or --recording-retention")
		}
		c, err = e.in.UpdateChannel(runCtx(cmd), 0, c.ID, p)
		if err != nil {
			return err
		}
		printChannels(e.out, []api.Channel{c})
		if p.Voicemail != nil || p.VoicemailMaxS != nil || p.VoicemailDays != nil {
			printVoicemail(e.out, c)
		}
		if p.Recording != nil || p.RecordingDays != nil {
			printRecording(e.out, c)
		}
		if p.Recording != nil && c.Recording {
			warnNoGuidance(cmd, e, c, api.GuidanceRecording, "calls are recorded without an announcement")
		}
		if p.Voicemail != nil && c.Voicemail {
			warnNoGuidance(cmd, e, c, api.GuidanceVoicemail, "callers hear only the beep before their message")
		}
		return nil
	})
	sf := set.Flags()
	sf.Duration("ring-timeout", 0, "overall ring time of a call, e.g. 30s")
	sf.Duration("max-wait", 0, "how long a caller waits while nobody is eligible, e.g. 2m")
	sf.Duration("service-level", 0, "answered-within threshold for statistics, e.g. 20s")
	sf.String("auto-assign", "", "team NAME that rings one member at a time, or off")
	sf.String("timezone", "", "IANA time zone, e.g. Asia/Tokyo")
	sf.String("voicemail", "", "on: callers who would be missed (no operator, out of hours) may leave a message; off")
	sf.Duration("voicemail-max", 0, "longest voicemail message, e.g. 2m (default 2m)")
	sf.String("recording", "", "on: answered calls are recorded (both parties) after the recording guidance; off")
	sf.Int("recording-retention", 0, "delete call recordings after this many days (0 keeps them)")
	sf.Int("voicemail-retention", 0, "delete voicemails after this many days (0 keeps them)")

	list := adminCmd("list", "List channels", cobra.NoArgs, func(cmd *cobra.Command, e *adminEnv, _ []string) error {
		var cs []api.Channel
		if err := e.db.View(runCtx(cmd), func(tx store.Tx) (err error) { cs, err = tx.ListChannels(); return }); err != nil {
			return err
		}
		if j, _ := cmd.Flags().GetBool("json"); j {
			enc := json.NewEncoder(e.out)
			enc.SetIndent("", "  ")
			return enc.Encode(cs)
		}
		printChannels(e.out, cs)
		return nil
	})
	list.Flags().Bool("json", false, "print JSON")
	cmd.AddCommand(add, set, list)
	return cmd
}

func printChannels(w io.Writer, cs []api.Channel) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTIMEZONE\tRING\tMAX WAIT\tAUTO-ASSIGN\tNUMBERS\tHOURS")
	for _, c := range cs {
		auto := "off"
		if c.AutoAssignTeamID != nil {
			auto = fmt.Sprintf("team %d", *c.AutoAssignTeamID)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%ds\t%ds\t%s\t%s\t%s\n", c.ID, c.Name, c.Timezone, c.RingTimeoutS, c.MaxWaitS, auto,
			strings.Join(c.Numbers, ","), hoursText(c.Hours))
	}
	tw.Flush()
}

func hoursText(h api.Hours) string {
	if h.AlwaysOpen {
		return "always open"
	}
	if h.Closed {
		return "closed (out-of-hours guidance only)"
	}
	if len(h.Weekly) == 0 {
		if len(h.Holidays) > 0 {
			return fmt.Sprintf("open 24/7 (no hours set); %d holidays", len(h.Holidays))
		}
		return "open 24/7 (no hours set)"
	}
	var parts []string
	for _, s := range h.Weekly {
		parts = append(parts, fmt.Sprintf("%s %s-%s", strings.ToLower(s.Day.String()[:3]), s.Start, s.End))
	}
	if len(h.Holidays) > 0 {
		parts = append(parts, fmt.Sprintf("%d holidays", len(h.Holidays)))
	}
	return strings.Join(parts, "; ")
}

func newAdminNumberCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "number", Short: "Route phone numbers to channels"}
	add := adminCmd("add NUMBER", "Route a number (DID) to a channel", cobra.ExactArgs(1), func(cmd *cobra.Command, e *adminEnv, args []string) error {
		name, _ := cmd.Flags().GetString("channel")
		c, err := e.channel(cmd, name)
		if err != nil {
			return err
		}
		if c, err = e.in.AddNumber(runCtx(cmd), 0, c.ID, args[0]); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "channel %s numbers: %s\n", c.Name, strings.Join(c.Numbers, ", "))
		return nil
	})
	add.Flags().String("channel", "", "channel NAME (required)")
	add.MarkFlagRequired("channel")
	cmd.AddCommand(add)
	return cmd
}

func newAdminTeamCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "team", Short: "Add teams"}
	add := adminCmd("add NAME", "Add a team to a channel", cobra.ExactArgs(1), func(cmd *cobra.Command, e *adminEnv, args []string) error {
		f := cmd.Flags()
		name, _ := f.GetString("channel")
		c, err := e.channel(cmd, name)
		if err != nil {
			return err
		}
		auto, _ := f.GetBool("auto-assign")
		strategy, _ := f.GetString("strategy")
		t, err := e.in.CreateTeam(runCtx(cmd), 0, api.Team{ChannelID: c.ID, Name: args[0], AutoAssign: auto, Strategy: api.Strategy(strategy)})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "team %d %q added to channel %s (strategy %s)\n", t.ID, t.Name, c.Name, t.Strategy)
		if auto {
			id := t.ID
			if _, err := e.in.UpdateChannel(runCtx(cmd), 0, c.ID, api.ChannelPatch{AutoAssignTeamID: &id}); err != nil {
				return err
			}
			fmt.Fprintf(e.out, "channel %s now auto-assigns calls to team %s\n", c.Name, t.Name)
		}
		return nil
	})
	add.Flags().String("channel", "", "channel NAME (required)")
	add.Flags().Bool("auto-assign", false, "ring one member at a time and make this the channel's auto-assign team")
	add.Flags().String("strategy", string(api.StrategyLongestIdle), "longest-idle, round-robin or fewest-open-chats")
	add.MarkFlagRequired("channel")
	cmd.AddCommand(add)
	return cmd
}

func newAdminStaffCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "staff", Short: "Add and list staff accounts"}
	add := adminCmd("add", "Add a staff account", cobra.NoArgs, func(cmd *cobra.Command, e *adminEnv, _ []string) error {
		f := cmd.Flags()
		email, _ := f.GetString("email")
		pw, _ := f.GetString("password")
		if pw == "" {
			pw = os.Getenv("MEETD_STAFF_PASSWORD")
		}
		role, _ := f.GetString("role")
		name, _ := f.GetString("name")
		chanNames, _ := f.GetStringSlice("channel")
		teamNames, _ := f.GetStringSlice("team")
		req := api.AdminStaffRequest{Email: email, Password: pw, Role: api.Role(role), Name: name}
		var chans []api.Channel
		for _, n := range chanNames {
			c, err := e.channel(cmd, n)
			if err != nil {
				return err
			}
			chans = append(chans, c)
			req.Channels = append(req.Channels, c.ID)
		}
		for _, tn := range teamNames {
			id, err := e.teamIn(cmd, chans, tn)
			if err != nil {
				return err
			}
			req.Teams = append(req.Teams, id)
		}
		s, err := e.in.CreateStaff(runCtx(cmd), 0, req)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "staff %d %s (%s) added; channels %v, teams %v\n", s.ID, s.Email, s.Role, chanNames, teamNames)
		return nil
	})
	f := add.Flags()
	f.String("email", "", "login email (required)")
	f.String("password", "", "password, at least 8 characters (or MEETD_STAFF_PASSWORD)")
	f.String("role", "operator", "operator, supervisor or admin")
	f.String("name", "", "display name")
	f.StringSlice("channel", nil, "channel NAME (repeatable)")
	f.StringSlice("team", nil, "team NAME in one of the given channels (repeatable)")
	add.MarkFlagRequired("email")

	list := adminCmd("list", "List staff accounts", cobra.NoArgs, func(cmd *cobra.Command, e *adminEnv, _ []string) error {
		var ss []api.Staff
		if err := e.db.View(runCtx(cmd), func(tx store.Tx) (err error) { ss, err = tx.ListStaff(0); return }); err != nil {
			return err
		}
		if j, _ := cmd.Flags().GetBool("json"); j {
			if ss == nil {
				ss = []api.Staff{} // [] rather than null for scripts
			}
			enc := json.NewEncoder(e.out)
			enc.SetIndent("", "  ")
			return enc.Encode(ss)
		}
		tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tCHANNELS\tTEAMS")
		for _, s := range ss {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%v\t%v\n", s.ID, s.Email, s.Name, s.Role, s.Channels, s.Teams)
		}
		return tw.Flush()
	})
	list.Flags().Bool("json", false, "print JSON (one array of staff: id, email, name, role, channels, teams)")
	cmd.AddCommand(add, list)
	return cmd
}

// teamIn finds a team by name among the given channels.
func (e *adminEnv) teamIn(cmd *cobra.Command, chans []api.Channel, name string) (int64, error) {
	var found []int64
	err := e.db.View(runCtx(cmd), func(tx store.Tx) error {
		for _, c := range chans {
			t, err := tx.TeamByName(c.ID, name)
			if err == nil {
				found = append(found, t.ID)
			} else if api.CodeOf(err) != api.CodeNotFound {
				return err
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return 0, err
	case len(found) == 0:
		return 0, fmt.Errorf("no team %q in the given channels (give --channel first)", name)
	case len(found) > 1:
		return 0, fmt.Errorf("team %q exists in several of the given channels", name)
	}
	return found[0], nil
}

func newAdminHoursCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "hours", Short: "Set operating hours"}
	set := adminCmd("set", "Set a channel's operating hours (in its time zone)", cobra.NoArgs, func(cmd *cobra.Command, e *adminEnv, _ []string) error {
		f := cmd.Flags()
		name, _ := f.GetString("channel")
		c, err := e.channel(cmd, name)
		if err != nil {
			return err
		}
		weekly, _ := f.GetString("weekly")
		always, _ := f.GetBool("always-open")
		closed, _ := f.GetBool("closed")
		holidays, _ := f.GetStringSlice("holiday")
		h := api.Hours{AlwaysOpen: always, Closed: closed, Holidays: holidays, Weekly: []api.Span{}}
		switch {
		case closed && (always || weekly != ""):
			return fmt.Errorf("--closed goes alone (not with --weekly or --always-open)")
		case closed:
		case weekly != "":
			if h.Weekly, err = inbox.ParseWeekly(weekly); err != nil {
				return err
			}
		case !always:
			return fmt.Errorf("give --weekly \"mon-fri 09:00-18:00\", --always-open or --closed")
		}
		if c, err = e.in.SetHours(runCtx(cmd), 0, c.ID, h); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "channel %s hours (%s): %s\n", c.Name, c.Timezone, hoursText(c.Hours))
		return nil
	})
	f := set.Flags()
	f.String("channel", "", "channel NAME (required)")
	f.String("weekly", "", `weekly schedule: "DAYS HH:MM-HH:MM[ HH:MM-HH:MM]; …", DAYS like mon, mon-fri, sat+sun; an end before the start runs past midnight`)
	f.StringSlice("holiday", nil, "closed all day on YYYY-MM-DD (repeatable)")
	f.Bool("always-open", false, "open 24/7 (holidays still close)")
	f.Bool("closed", false, "never open: every call gets the out-of-hours guidance (a channel with no hours set is open 24/7)")
	set.MarkFlagRequired("channel")
	cmd.AddCommand(set)
	return cmd
}
