package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/recording"
	"github.com/meet-dev/meet/server/room"
	"github.com/meet-dev/meet/server/store"
)

// `meetd admin menu` and `meetd admin guidance`: the call-centre set-up
// (SPEC §3b) from the command line.

func newAdminMenuCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "menu", Short: "Set up a channel's IVR menu (press 1 for sales …)",
		Long: `A channel's IVR menu is a tree of nodes. Each node plays its prompt (the guidance
menu-NODE: meetd admin guidance set --channel C --kind menu-NODE FILE.wav) and waits for a key.
A key leads to another node (menu:NODE), rings a team (team:NAME), takes a voicemail
(voicemail) or rings everyone (everyone). After its tries (time-outs or meaningless keys) the
node's default is taken (everyone unless given).

  meetd admin menu set --channel support 'main: 1=menu:sales 2=voicemail 0=everyone' \
      'sales: 1=team:sales 9=menu:main default=team:sales timeout=3s tries=2'`}

	set := adminCmd("set 'NODE: KEY=ACTION ... [default=ACTION] [timeout=5s] [tries=3]' ...", "Replace a channel's menu; the first node is the root", cobra.ArbitraryArgs, func(cmd *cobra.Command, e *adminEnv, args []string) error {
		f := cmd.Flags()
		name, _ := f.GetString("channel")
		c, err := e.channel(cmd, name)
		if err != nil {
			return err
		}
		var m api.Menu
		if file, _ := f.GetString("file"); file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			if err := json.Unmarshal(b, &m); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
		} else {
			if len(args) == 0 {
				return fmt.Errorf("give the menu's nodes, e.g. 'main: 1=menu:sales 2=voicemail 0=everyone' (or --file menu.json)")
			}
			for _, spec := range args {
				n, err := parseMenuNode(cmd, e, c, spec)
				if err != nil {
					return err
				}
				m.Nodes = append(m.Nodes, n)
			}
			m.Root = m.Nodes[0].ID
		}
		out, err := e.in.SetMenu(runCtx(cmd), 0, c.ID, &m)
		if err != nil {
			return err
		}
		printMenu(cmd, e, out)
		return nil
	})
	set.Flags().String("channel", "", "channel NAME (required)")
	set.Flags().String("file", "", "read the whole menu from a JSON file (GET /v1/admin/channels/{id}/menu's shape)")
	set.MarkFlagRequired("channel")

	show := adminCmd("show", "Print a channel's menu", cobra.NoArgs, func(cmd *cobra.Command, e *adminEnv, _ []string) error {
		name, _ := cmd.Flags().GetString("channel")
		c, err := e.channel(cmd, name)
		if err != nil {
			return err
		}
		if j, _ := cmd.Flags().GetBool("json"); j {
			enc := json.NewEncoder(e.out)
			enc.SetIndent("", "  ")
			return enc.Encode(c.Menu)
		}
		printMenu(cmd, e, c)
		return nil
	})
	show.Flags().String("channel", "", "channel NAME (required)")
	show.Flags().Bool("json", false, "print JSON")
	show.MarkFlagRequired("channel")

	clear := adminCmd("clear", "Remove a channel's menu (calls ring as before)", cobra.NoArgs, func(cmd *cobra.Command, e *adminEnv, _ []string) error {
		name, _ := cmd.Flags().GetString("channel")
		c, err := e.channel(cmd, name)
		if err != nil {
			return err
		}
		if _, err := e.in.SetMenu(runCtx(cmd), 0, c.ID, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "channel %s has no menu now\n", c.Name)
		return nil
	})
	clear.Flags().String("channel", "", "channel NAME (required)")
	clear.MarkFlagRequired("channel")
	cmd.AddCommand(set, show, clear)
	return cmd
}

// parseMenuNode reads "NODE: KEY=ACTION ... [default=ACTION] [timeout=5s] [tries=3]".
func parseMenuNode(cmd *cobra.Command, e *adminEnv, c api.Channel, spec string) (api.MenuNode, error) {
	id, rest, ok := strings.Cut(spec, ":")
	if !ok {
		return api.MenuNode{}, fmt.Errorf("node %q: want 'NODE: KEY=ACTION ...'", spec)
	}
	n := api.MenuNode{ID: strings.TrimSpace(id), Keys: map[string]api.MenuAction{}}
	for _, field := range strings.Fields(rest) {
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			return n, fmt.Errorf("node %s: %q: want KEY=ACTION, default=ACTION, timeout=5s or tries=3", n.ID, field)
		}
		var err error
		switch k {
		case "default":
			n.Default, err = parseMenuAction(cmd, e, c, v)
		case "timeout":
			var d time.Duration
			if d, err = time.ParseDuration(v); err == nil {
				n.TimeoutS, err = seconds("timeout", d)
			}
		case "tries":
			n.Tries, err = strconv.Atoi(v)
		default:
			n.Keys[k], err = parseMenuAction(cmd, e, c, v)
		}
		if err != nil {
			return n, fmt.Errorf("node %s: %s: %w", n.ID, field, err)
		}
	}
	return n, nil
}

// parseMenuAction reads menu:NODE, team:NAME, voicemail or everyone.
func parseMenuAction(cmd *cobra.Command, e *adminEnv, c api.Channel, s string) (api.MenuAction, error) {
	kind, arg, _ := strings.Cut(strings.TrimSpace(s), ":")
	switch api.MenuActionKind(kind) {
	case api.MenuGoto:
		return api.MenuAction{Kind: api.MenuGoto, Menu: arg}, nil
	case api.MenuTeam:
		var t api.Team
		err := e.db.View(runCtx(cmd), func(tx store.Tx) (err error) { t, err = tx.TeamByName(c.ID, arg); return })
		if api.CodeOf(err) == api.CodeNotFound {
			return api.MenuAction{}, fmt.Errorf("channel %s has no team %q (meetd admin team add)", c.Name, arg)
		}
		return api.MenuAction{Kind: api.MenuTeam, TeamID: t.ID}, err
	case api.MenuVoicemail, api.MenuEveryone:
		if arg != "" {
			break
		}
		return api.MenuAction{Kind: api.MenuActionKind(kind)}, nil
	}
	return api.MenuAction{}, fmt.Errorf("action %q: want menu:NODE, team:NAME, voicemail or everyone", s)
}

func printMenu(cmd *cobra.Command, e *adminEnv, c api.Channel) {
	if c.Menu == nil {
		fmt.Fprintf(e.out, "channel %s has no menu\n", c.Name)
		return
	}
	teams := map[int64]string{}
	if ts, err := listTeams(cmd, e, c.ID); err == nil {
		for _, t := range ts {
			teams[t.ID] = t.Name
		}
	}
	name := func(a api.MenuAction) string {
		if a.Kind == api.MenuTeam && teams[a.TeamID] != "" {
			return "team:" + teams[a.TeamID]
		}
		return a.String()
	}
	fmt.Fprintf(e.out, "channel %s menu (root %s):\n", c.Name, c.Menu.Root)
	for _, n := range c.Menu.Nodes {
		keys := make([]string, 0, len(n.Keys))
		for k := range n.Keys {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+"="+name(n.Keys[k]))
		}
		timeout, tries := n.TimeoutS, n.Tries
		if timeout == 0 {
			timeout = api.DefaultMenuTimeoutS
		}
		if tries == 0 {
			tries = api.DefaultMenuTries
		}
		fmt.Fprintf(e.out, "  %s: %s; default %s after %d tries of %ds\n", n.ID, strings.Join(parts, " "), name(n.Default), tries, timeout)
	}
}

func listTeams(cmd *cobra.Command, e *adminEnv, channelID int64) ([]api.Team, error) {
	var ts []api.Team
	err := e.db.View(runCtx(cmd), func(tx store.Tx) (err error) { ts, err = tx.ListTeams(channelID); return })
	return ts, err
}

func newAdminGuidanceCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "guidance", Short: "Upload voice guidance (any common WAV; converted on upload)"}
	set := adminCmd("set FILE.wav", "Store a guidance file for a channel's slot (a running meetd plays it within 30 s)", cobra.ExactArgs(1), func(cmd *cobra.Command, e *adminEnv, args []string) error {
		f := cmd.Flags()
		name, _ := f.GetString("channel")
		c, err := e.channel(cmd, name)
		if err != nil {
			return err
		}
		kind, _ := f.GetString("kind")
		file, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer file.Close()
		if err := room.NewGuidanceStore(e.db).SetGuidance(runCtx(cmd), c.ID, api.GuidanceKind(kind), file); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "channel %s guidance %s set from %s\n", c.Name, kind, filepath.Base(args[0]))
		return nil
	})
	set.Flags().String("channel", "", "channel NAME (required)")
	set.Flags().String("kind", "", "greeting, wait, out-of-hours, not-accepting, hold, voicemail, recording or menu-NODE (required)")
	set.MarkFlagRequired("channel")
	set.MarkFlagRequired("kind")
	cmd.AddCommand(set)
	return cmd
}

// onOff reads a flag value of on or off.
func onOff(flag, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "on", "true", "yes":
		return true, nil
	case "off", "false", "no":
		return false, nil
	}
	return false, fmt.Errorf("--%s %q: want on or off", flag, v)
}

func printVoicemail(w io.Writer, c api.Channel) {
	if !c.Voicemail {
		fmt.Fprintf(w, "channel %s: voicemail off%s\n", c.Name, keptOff(c.VoicemailDays))
		return
	}
	max := c.VoicemailMaxS
	if max == 0 {
		max = api.DefaultVoicemailMaxS
	}
	fmt.Fprintf(w, "channel %s: voicemail on (messages up to %ds, %ds of silence or # ends one; %s)\n", c.Name, max, api.VoicemailSilenceS, kept(c.VoicemailDays))
}

func printRecording(w io.Writer, c api.Channel) {
	if !c.Recording {
		fmt.Fprintf(w, "channel %s: call recording off%s\n", c.Name, keptOff(c.RecordingDays))
		return
	}
	fmt.Fprintf(w, "channel %s: call recording on (announced by the recording guidance; %s)\n", c.Name, kept(c.RecordingDays))
}

// kept says how long recordings stay (retention days, 0: for good).
func kept(days int) string {
	if days > 0 {
		return fmt.Sprintf("deleted after %d days", days)
	}
	return "kept until deleted"
}

// keptOff says what happens to the recordings a switched-off feature left.
func keptOff(days int) string {
	if days > 0 {
		return fmt.Sprintf(" (existing ones deleted after %d days)", days)
	}
	return ""
}

// warnNoGuidance tells the admin on stderr when a feature just switched on
// lacks the guidance it plays.
func warnNoGuidance(cmd *cobra.Command, e *adminEnv, c api.Channel, kind api.GuidanceKind, consequence string) {
	err := e.db.View(runCtx(cmd), func(tx store.Tx) error { _, err := tx.Guidance(c.ID, kind); return err })
	if api.CodeOf(err) == api.CodeNotFound {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: channel %s has no %s guidance yet, so %s (meetd admin guidance set --channel %s --kind %s FILE)\n",
			c.Name, kind, consequence, c.Name, kind)
	}
}

// newAdminRecordingsCmd applies the channels' retention now (meetd serve
// does it every hour): after lowering a retention, or from a timer.
func newAdminRecordingsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "recordings", Short: "Voicemails and call recordings"}
	sweep := adminCmd("sweep [--node NAME]", "Delete the voicemails and call recordings past their channel's retention now", cobra.NoArgs,
		func(cmd *cobra.Command, e *adminEnv, _ []string) error {
			node, _ := cmd.Flags().GetString("node")
			n, err := recording.Sweep(runCtx(cmd), e.db, node, time.Now())
			fmt.Fprintf(e.out, "%d recordings past their channel's retention deleted (files gone, marked expired on their chats)\n", n)
			return err
		})
	sweep.Flags().String("node", "", "the cluster node whose recordings (on this machine's disk) to sweep; empty on a single meetd")
	cmd.AddCommand(sweep)
	return cmd
}
