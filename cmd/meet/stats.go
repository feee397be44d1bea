package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/meet-dev/meet/api"
)

// statsCmd prints GET /v1/stats: totals, one row per period, missed
// reasons, hold time and the IVR paths callers took.
func (a *app) statsCmd() *cobra.Command {
	var from, to, interval, menuPath string
	var channel, team int64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats [--from DATE] [--to DATE] [--interval day|week|month] [--channel ID] [--team ID] [--menu-path KEYS] [--json]",
		Short: "Call statistics (supervisors): per period, by missed reason, hold time and by IVR menu path",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := parseWhen(from, time.Local, false)
			if err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			t, err := parseWhen(to, time.Local, true)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			if !t.After(f) {
				return errors.New("--to must be after --from")
			}
			if menuPath != "" && !api.ValidMenuPath(menuPath) {
				return fmt.Errorf("--menu-path %q: want keys (0-9, *, #) joined by /, e.g. 1/2", menuPath)
			}
			c, ctx, cancel, err := a.request(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			st, err := c.Stats(ctx, api.StatsQuery{From: f, To: t, Interval: interval, ChannelID: channel, TeamID: team, MenuPath: menuPath})
			if err != nil {
				return fmt.Errorf("stats: %w", err)
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			return printStats(cmd.OutOrStdout(), st)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "7d", "first day (2026-11-01, 7d, yesterday) or RFC 3339 time")
	fl.StringVar(&to, "to", "today", "last day, inclusive, or RFC 3339 time")
	fl.StringVar(&interval, "interval", "day", "day, week or month")
	fl.Int64Var(&channel, "channel", 0, "channel id (its time zone and service level)")
	fl.Int64Var(&team, "team", 0, "team id")
	fl.StringVar(&menuPath, "menu-path", "", "only calls whose caller took this IVR path or one below it, e.g. 1 or 1/2")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func clock(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

func printStats(w io.Writer, st api.Stats) error {
	t := st.Total
	fmt.Fprintf(w, "%s … %s", st.Query.From.Local().Format("2006-01-02 15:04"), st.Query.To.Local().Format("2006-01-02 15:04"))
	if st.Query.MenuPath != "" {
		fmt.Fprintf(w, ", menu path %s", st.Query.MenuPath)
	}
	fmt.Fprintf(w, "\ninbound %d · outbound %d · answered %d · missed %d · avg wait %s · avg talk %s · service level %.0f%% (%d s)\n",
		t.Inbound, t.Outbound, t.Answered, t.Missed, clock(t.AvgWaitS), clock(t.AvgTalkS), t.ServiceLevel*100, st.Query.ServiceLevelS)
	fmt.Fprintf(w, "on hold: %d calls, %s in all, avg %s · transfers %d\n", t.Held, clock(float64(t.HoldS)), clock(t.AvgHoldS), t.Transfers)
	if len(t.MissedBy) > 0 {
		var rs []string
		for r, n := range t.MissedBy {
			rs = append(rs, fmt.Sprintf("%s %d", r, n))
		}
		sort.Strings(rs)
		fmt.Fprintf(w, "missed by reason: %s\n", strings.Join(rs, ", "))
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "\n%s\tINBOUND\tOUTBOUND\tANSWERED\tMISSED\tAVG WAIT\tAVG TALK\tHOLD\n", strings.ToUpper(st.Query.Interval))
	for _, p := range st.Periods {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", p.Start.Local().Format("2006-01-02"), p.Inbound, p.Outbound, p.Answered, p.Missed,
			clock(p.AvgWaitS), clock(p.AvgTalkS), clock(float64(p.HoldS)))
	}
	if len(st.ByMenuPath) > 0 {
		fmt.Fprintf(tw, "\nMENU PATH\tCALLS\tANSWERED\tMISSED\tAVG WAIT\tAVG TALK\tSERVICE LEVEL\n")
		for _, p := range st.ByMenuPath {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%.0f%%\n", p.Path, p.Inbound, p.Answered, p.Missed, clock(p.AvgWaitS), clock(p.AvgTalkS), p.ServiceLevel*100)
		}
	}
	return tw.Flush()
}
