package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/internal/i18n"
	"github.com/meet-dev/meet/tui/common"
	"github.com/spf13/cobra"
)

const cliTimeout = 30 * time.Second

func (a *app) chatsCmd() *cobra.Command {
	var missed, asJSON bool
	var reason, tag, state, q string
	var limit int
	cmd := &cobra.Command{
		Use:   "chats [--missed] [--reason R] [--tag T] [--state S] [--q TEXT] [--limit N] [--json]",
		Short: "List chats of the inbox, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			query := api.ChatQuery{Tag: tag, Q: q}
			if missed {
				t := true
				query.Missed = &t
			}
			if reason != "" {
				r, err := common.ParseReason(reason)
				if err != nil {
					return err
				}
				query.Reason = r
			}
			if state != "" {
				query.State = api.ChatState(state)
				if !query.State.Valid() {
					return fmt.Errorf("unknown state %q (opened, snoozed or closed)", state)
				}
			}
			if limit <= 0 {
				return errors.New("--limit must be positive")
			}
			c, ctx, cancel, err := a.request(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			var chats []api.Chat
			for len(chats) < limit {
				query.Limit = min(limit-len(chats), 200)
				page, err := c.Chats(ctx, query)
				if err != nil {
					return fmt.Errorf("listing chats: %w", err)
				}
				chats = append(chats, page.Chats...)
				if page.NextCursor == "" || len(page.Chats) == 0 {
					break
				}
				query.Cursor = page.NextCursor
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if chats == nil {
					chats = []api.Chat{}
				}
				return enc.Encode(chats)
			}
			return printChats(cmd.OutOrStdout(), chats, a.tr())
		},
	}
	f := cmd.Flags()
	f.BoolVar(&missed, "missed", false, "missed calls only")
	f.StringVar(&reason, "reason", "", "missed reason: notInOperation, noOperator, userLeft, ringTimeout")
	f.StringVar(&tag, "tag", "", "chats with this tag")
	f.StringVar(&state, "state", "", "opened, snoozed or closed")
	f.StringVar(&q, "q", "", "text search over customer name, number and memos")
	f.IntVar(&limit, "limit", 50, "at most this many chats")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printChats writes a table aligned by display cells, so Japanese names
// line up (text/tabwriter counts runes, and a kanji takes two cells).
func printChats(w io.Writer, chats []api.Chat, tr *i18n.Printer) error {
	T := tr.T
	rows := [][]string{{T("ID"), T("UPDATED"), T("CUSTOMER"), T("STATE"), T("MISSED"), T("TAGS"), T("ASSIGNEE"), T("CALLBACK OF"), T("MENU")}}
	for _, c := range chats {
		missed := "-"
		if c.Missed {
			missed = string(c.MissedReason)
		}
		if c.Voicemail {
			missed += " +voicemail"
		}
		who := "-"
		if c.AssigneeID != nil {
			who = strconv.FormatInt(*c.AssigneeID, 10)
		}
		of := "-"
		if c.CallbackOf != nil {
			of = strconv.FormatInt(*c.CallbackOf, 10)
		}
		tags := strings.Join(c.Tags, ",")
		if tags == "" {
			tags = "-"
		}
		menu := "-"
		if c.MenuPath != "" {
			menu = c.MenuPath
		}
		rows = append(rows, []string{strconv.FormatInt(c.ID, 10), c.Updated.Local().Format("2006-01-02 15:04"),
			common.CustomerLabel(c.Customer), T(string(c.State)), missed, tags, who, of, menu})
	}
	return writeTable(w, rows)
}

// writeTable writes rows in columns two spaces apart, padded by display
// cells.
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], ansi.StringWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (a *app) callCmd() *cobra.Command {
	var channel int64
	cmd := &cobra.Command{
		Use:   "call NUMBER",
		Short: "Place an outbound call to NUMBER through the trunk (a new phone chat)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			to := strings.TrimSpace(args[0])
			if to == "" || strings.ContainsAny(to, " \t") {
				return fmt.Errorf("%q is not a phone number", args[0])
			}
			c, ctx, cancel, err := a.request(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			r, err := c.Dial(ctx, api.DialRequest{ChannelID: channel, To: to})
			if err != nil {
				return fmt.Errorf("calling %s: %w", to, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), a.tr().T("calling %s: chat %d, call %d", r.Call.To, r.Chat.ID, r.Call.ID))
			return nil
		},
	}
	cmd.Flags().Int64Var(&channel, "channel", 0, "channel to call from (default: your only channel)")
	return cmd
}

func (a *app) callbackCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "callback CHAT",
		Short: "Call back the customer of chat CHAT (a new chat linked to it)",
		Args:  cobra.ExactArgs(1),
		RunE: a.idRun("chat", func(ctx context.Context, cmd *cobra.Command, c *client.Client, id int64) error {
			r, err := c.Callback(ctx, id)
			if err != nil {
				return fmt.Errorf("callback of chat %d: %w", id, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), a.tr().T("calling back %s: chat %d (callback of %d), call %d", r.Call.To, r.Chat.ID, id, r.Call.ID))
			return nil
		}),
	}
}

func (a *app) exportCmd() *cobra.Command {
	var from, to, reason, purpose, format, out, menuPath string
	var channel int64
	cmd := &cobra.Command{
		Use:   "export --from DATE --to DATE --purpose WHY [--reason R] [--menu-path KEYS] [--format csv|jsonl] [--out FILE]",
		Short: "Export raw call data (privileged and audited)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			params, err := exportParams(from, to, reason, purpose, channel, time.Local)
			if err != nil {
				return err
			}
			if format != "csv" && format != "jsonl" {
				return fmt.Errorf("--format must be csv or jsonl, not %q", format)
			}
			if menuPath != "" {
				if !api.ValidMenuPath(menuPath) {
					return fmt.Errorf("--menu-path %q: want keys (0-9, *, #) joined by /, e.g. 1/2", menuPath)
				}
				params.Set("menu_path", menuPath)
			}
			c, _, err := a.session()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			var file *os.File
			if out != "" && out != "-" {
				file, err = os.OpenFile(out, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
				if err != nil {
					return err
				}
				w = file
			}
			// an export of a million rows takes a while: bounded by ctrl+c, not a timer
			err = c.ExportCalls(cmd.Context(), format, params, w)
			if file != nil {
				if cerr := file.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					os.Remove(out)
				}
			}
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "first day (2026-11-01) or RFC 3339 time (required)")
	f.StringVar(&to, "to", "", "last day, inclusive (2026-11-30) or RFC 3339 time (required)")
	f.StringVar(&reason, "reason", "", "missed reason filter")
	f.StringVar(&purpose, "purpose", "", "why you export (required, recorded in the audit log)")
	f.StringVar(&format, "format", "csv", "csv or jsonl")
	f.StringVar(&out, "out", "", "output file (default stdout)")
	f.Int64Var(&channel, "channel", 0, "channel id")
	f.StringVar(&menuPath, "menu-path", "", "only calls whose caller took this IVR path or one below it, e.g. 1/2")
	return cmd
}

// exportParams validates the export flags into query parameters. A date
// without a time covers the whole day (--to is inclusive).
func exportParams(from, to, reason, purpose string, channel int64, loc *time.Location) (url.Values, error) {
	if from == "" || to == "" {
		return nil, errors.New("--from and --to are required")
	}
	if strings.TrimSpace(purpose) == "" {
		return nil, errors.New("--purpose is required: say why you export (it is audited)")
	}
	f, err := parseWhen(from, loc, false)
	if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	t, err := parseWhen(to, loc, true)
	if err != nil {
		return nil, fmt.Errorf("--to: %w", err)
	}
	if !t.After(f) {
		return nil, errors.New("--to must be after --from")
	}
	p := url.Values{}
	p.Set("from", f.Format(time.RFC3339))
	p.Set("to", t.Format(time.RFC3339))
	p.Set("purpose", purpose)
	if reason != "" {
		r, err := common.ParseReason(reason)
		if err != nil {
			return nil, err
		}
		p.Set("reason", string(r))
	}
	if channel != 0 {
		p.Set("channel", strconv.FormatInt(channel, 10))
	}
	return p, nil
}

func parseWhen(s string, loc *time.Location, endOfDay bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := common.ParseDay(s, time.Now().In(loc)) // the same days as the TUI's filters: yesterday, 7d…
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot read %q: want 2026-11-01, today, yesterday, 7d or 2026-11-01T09:00:00Z", s)
	}
	if endOfDay {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}
