package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server"
	"github.com/meet-dev/meet/server/calls"
	"github.com/meet-dev/meet/server/hours"
	"github.com/meet-dev/meet/server/ivr"
	"github.com/meet-dev/meet/server/routing"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/dbopen"
)

func init() { extraCommands = append(extraCommands, newRouteCmd) }

type routeSimOpts struct {
	db, channel, at string
	offline         []string
	json            bool
	now             func() time.Time
	menuKeys        *string // --menu-keys: the keys the caller presses in the channel's IVR menu; nil: not given
}

func newRouteCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "route",
		Short: "Inspect call routing",
	}
	o := routeSimOpts{now: time.Now}
	sim := &cobra.Command{
		Use:   "simulate --channel NAME [--at TIME] [--db PATH]",
		Short: "Print who would ring for a call at a time, in what order, and why the others would not",
		Long: `simulate applies the routing rules to a hypothetical inbound call to a channel,
using the database: operating hours, the auto-assign team and its strategy, every
member's settings (notification, dnd), opened phone chats and the calls in progress.
A database cannot tell whether softphones are connected: they count as connected
unless named with --offline.

On a channel with an IVR menu, --menu-keys 1/2 walks the menu with those keys
(time-outs after the last one, until the menu decides) and routes as the menu
says: only the chosen team rings, or the caller goes to voicemail.

--at takes RFC 3339 ("2026-03-04T09:30:00+01:00"), or "YYYY-MM-DD HH:MM",
"YYYY-MM-DDTHH:MM" or "HH:MM" (today) in the channel's time zone; default now.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := config(cmd) // --db, MEETD_DB or the config file
			if err != nil {
				return err
			}
			o.db = v.GetString("db")
			if cmd.Flags().Changed("menu-keys") {
				k, _ := cmd.Flags().GetString("menu-keys")
				o.menuKeys = &k
			}
			return runRouteSimulate(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := sim.Flags()
	f.String("db", server.DefaultDBPath(), "database: a SQLite file path or a postgres:// URL (MEETD_DB)")
	f.StringVar(&o.channel, "channel", "", "channel name (required)")
	f.StringVar(&o.at, "at", "now", "when the call comes in")
	f.StringSliceVar(&o.offline, "offline", nil, "emails (or ids) of staff whose softphone counts as not connected")
	f.BoolVar(&o.json, "json", false, "print the eligibility as JSON")
	f.String("menu-keys", "", "keys the caller presses in the channel's IVR menu, e.g. 1/2 (\"\": none, the defaults decide)")
	_ = sim.MarkFlagRequired("channel")
	cmd.AddCommand(sim)
	return cmd
}

func runRouteSimulate(ctx context.Context, w io.Writer, o routeSimOpts) error {
	if o.db == "" {
		return errors.New("no database: pass --db PATH")
	}
	db, err := dbopen.Open(ctx, o.db, dbopen.Options{MustExist: true})
	if err != nil {
		return err
	}
	defer db.Close()
	var ch api.Channel
	var team *api.Team
	err = db.View(ctx, func(tx store.Tx) error {
		var err error
		if ch, err = tx.ChannelByName(o.channel); err != nil {
			if api.CodeOf(err) == api.CodeNotFound {
				return fmt.Errorf("no channel named %q", o.channel)
			}
			return err
		}
		if ch.AutoAssignTeamID != nil {
			t, err := tx.Team(*ch.AutoAssignTeamID)
			if err != nil {
				return err
			}
			team = &t
		}
		return nil
	})
	if err != nil {
		return err
	}
	loc, err := hours.LoadLocation(ch.Timezone)
	if err != nil {
		return fmt.Errorf("channel %s: %w", ch.Name, err)
	}
	now := time.Now
	if o.now != nil {
		now = o.now
	}
	at, err := parseAt(o.at, loc, now())
	if err != nil {
		return err
	}
	var staffList []api.Staff
	if err := db.View(ctx, func(tx store.Tx) error {
		staffList, err = tx.ListStaff(ch.ID)
		return err
	}); err != nil {
		return err
	}
	offline := map[int64]bool{}
	for _, who := range o.offline {
		id, ok := findStaff(staffList, who)
		if !ok {
			return fmt.Errorf("--offline %q: no such staff member in channel %s", who, ch.Name)
		}
		offline[id] = true
	}
	sim := calls.Offline{Online: func(id int64) bool { return !offline[id] }}
	var menuLine string
	if o.menuKeys != nil {
		choice, waited, err := walkMenu(ch, *o.menuKeys)
		if err != nil {
			return err
		}
		what := choice.Action.String()
		switch choice.Action.Kind {
		case api.MenuTeam:
			sim.MenuTeamID = choice.Action.TeamID
			err := db.View(ctx, func(tx store.Tx) error {
				t, err := tx.Team(choice.Action.TeamID)
				if err == nil {
					what, team = "team "+t.Name+" (only its members ring)", nil
					if t.AutoAssign {
						team = &t
					}
				}
				return err
			})
			if err != nil {
				return err
			}
		case api.MenuVoicemail:
			what = "voicemail (nobody rings; the caller leaves a message)"
		}
		keys := choice.Path
		if keys == "" {
			keys = "none"
		}
		menuLine = fmt.Sprintf("menu: keys %s → %s, decided by %s in node %s", keys, what, choice.Reason, choice.Node)
		if waited > 0 {
			menuLine += fmt.Sprintf(" after %s of time-outs", waited)
		}
		if choice.Action.Kind == api.MenuVoicemail {
			if o.json {
				return json.NewEncoder(w).Encode(map[string]any{"menu_choice": choice})
			}
			fmt.Fprintln(w, menuLine)
			return nil
		}
	}
	d, staff, err := calls.SimulateStore(ctx, db, ch.ID, at, sim)
	if err != nil {
		return err
	}
	if menuLine != "" && !o.json {
		fmt.Fprintln(w, menuLine)
	}
	if o.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(d.Eligibility(0, ch.ID))
	}
	printDecision(w, ch, team, loc, d, staff, len(o.offline) > 0)
	return nil
}

// parseAt reads --at in the channel's zone.
func parseAt(s string, loc *time.Location, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "now" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation("15:04", s, loc); err == nil {
		n := now.In(loc)
		return time.Date(n.Year(), n.Month(), n.Day(), t.Hour(), t.Minute(), 0, 0, loc), nil
	}
	return time.Time{}, fmt.Errorf("--at %q: want RFC 3339, \"YYYY-MM-DD HH:MM\" or \"HH:MM\" (channel time zone %s)", s, loc)
}

func findStaff(list []api.Staff, who string) (int64, bool) {
	for _, s := range list {
		if strings.EqualFold(s.Email, who) || fmt.Sprint(s.ID) == who {
			return s.ID, true
		}
	}
	return 0, false
}

var reasonText = map[api.IneligibleReason]string{
	api.IneligibleNotificationOff:  "unassigned call notification is off for this channel",
	api.IneligibleDND:              "do-not-disturb is on",
	api.IneligibleInCall:           "already in a call",
	api.IneligibleAlreadyRinging:   "another call is ringing for them",
	api.IneligibleOpenedPhoneChat:  "has an opened phone chat (auto-assignment waits for it to be closed or snoozed)",
	api.IneligibleSoftphoneOffline: "softphone not connected",
	api.IneligibleNotInTeam:        "not in the team that rings (the auto-assign team, or the one the IVR menu chose)",
	api.IneligibleNotInChannel:     "not a member of the channel",
	api.IneligibleDeclined:         "declined this call",
}

func printDecision(w io.Writer, ch api.Channel, team *api.Team, loc *time.Location, d routing.Decision, staff []api.Staff, offlineGiven bool) {
	name := map[int64]string{}
	for _, s := range staff {
		label := s.Email
		if s.Name != "" {
			label = s.Name + " <" + s.Email + ">"
		}
		name[s.ID] = fmt.Sprintf("%s (id %d)", label, s.ID)
	}
	yes := map[bool]string{true: "yes", false: "no"}
	fmt.Fprintf(w, "channel %s, %s\n", ch.Name, d.At.In(loc).Format("Monday 2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "in operation: %s\n", yes[d.InOperation])
	switch {
	case team != nil:
		fmt.Fprintf(w, "ring plan: one at a time, team %s, strategy %s, within the ring timeout of %ds\n", team.Name, d.Strategy, ch.RingTimeoutS)
	default:
		fmt.Fprintf(w, "ring plan: ring all eligible at once, ring timeout %ds\n", ch.RingTimeoutS)
	}
	switch {
	case !d.InOperation:
		fmt.Fprintln(w, "nobody would ring: out of operation, the caller hears the out-of-hours guidance (missed: notInOperation)")
	case len(d.Eligible) == 0:
		fmt.Fprintf(w, "nobody would ring now: the caller would wait up to %ds for someone to become eligible (then missed: noOperator)\n", ch.MaxWaitS)
	}
	if len(d.Eligible) > 0 {
		if d.InOperation {
			fmt.Fprintln(w, "would ring, in order:")
		} else {
			fmt.Fprintln(w, "eligible (if it were in operation), in order:")
		}
		for i, id := range d.Eligible {
			fmt.Fprintf(w, "  %d. %s\n", i+1, name[id])
		}
	}
	if len(d.NotEligible) > 0 {
		fmt.Fprintln(w, "not rung:")
		for _, n := range d.NotEligible {
			fmt.Fprintf(w, "  %s: %s (%s)\n", name[n.StaffID], n.Reason, reasonText[n.Reason])
		}
	}
	if !offlineGiven {
		fmt.Fprintln(w, "softphones count as connected (a database cannot tell); mark some with --offline EMAIL,...")
	}
}

// walkMenu reads --menu-keys ("1/2", "" for none) and walks ch's menu with them.
func walkMenu(ch api.Channel, keys string) (api.MenuChoice, time.Duration, error) {
	if ch.Menu == nil {
		return api.MenuChoice{}, 0, fmt.Errorf("--menu-keys: channel %s has no IVR menu (meetd admin menu set)", ch.Name)
	}
	var list []string
	if keys != "" {
		if !api.ValidMenuPath(keys) {
			return api.MenuChoice{}, 0, fmt.Errorf("--menu-keys %q: want keys (0-9, *, #) joined by /, e.g. 1/2", keys)
		}
		list = strings.Split(keys, "/")
	}
	return ivr.Walk(ch.Menu, list)
}
