package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
)

// voicemailCmd lists a chat's voicemails and recordings and saves one.
func (a *app) voicemailCmd() *cobra.Command {
	var out, purpose string
	var which int
	cmd := &cobra.Command{
		Use:     "voicemail CHAT [--out FILE.wav] [--n N] [--purpose WHY]",
		Aliases: []string{"recordings"},
		Short:   "List the voicemails and call recordings of chat CHAT and save one as WAV",
		Args:    cobra.ExactArgs(1),
		RunE: a.idRun("chat", func(ctx context.Context, cmd *cobra.Command, c *client.Client, id int64) error {
			chat, err := c.Chat(ctx, id)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(chat.Recordings) == 0 {
				fmt.Fprintf(w, "chat %d has no voicemail or recording\n", id)
				return nil
			}
			for i, r := range chat.Recordings {
				state := fmt.Sprintf("%d bytes", r.Bytes)
				if r.Expired != nil {
					state = "expired " + r.Expired.Local().Format("2006-01-02") + " (retention)"
				}
				fmt.Fprintf(w, "%d. %s %d, call %d, %s, %.1f s, %s\n", i+1, r.Kind, r.ID, r.CallID,
					r.Created.Local().Format("2006-01-02 15:04"), float64(r.DurationMS)/1000, state)
			}
			if out == "" {
				return nil
			}
			if which < 1 || which > len(chat.Recordings) {
				return fmt.Errorf("--n %d: the chat has %d recordings", which, len(chat.Recordings))
			}
			r := chat.Recordings[which-1]
			if r.Expired != nil {
				return fmt.Errorf("%s %d expired on %s: its channel's retention deleted it", r.Kind, r.ID, r.Expired.Local().Format("2006-01-02"))
			}
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			get := func() error { return c.Recording(ctx, r.ID, f) }
			if r.Kind == api.RecordingCall {
				if strings.TrimSpace(purpose) == "" {
					f.Close()
					os.Remove(out)
					return fmt.Errorf("a call recording needs --purpose WHY (the download is audited)")
				}
				get = func() error { return c.RecordingFor(ctx, r.ID, purpose, f) }
			}
			if err := get(); err != nil {
				f.Close()
				os.Remove(out)
				return fmt.Errorf("recording %d: %w", r.ID, err)
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(w, "saved %s %d to %s\n", r.Kind, r.ID, out)
			return nil
		}),
	}
	cmd.Flags().StringVar(&out, "out", "", "save the recording to this WAV file")
	cmd.Flags().IntVar(&which, "n", 1, "which recording of the list to save")
	cmd.Flags().StringVar(&purpose, "purpose", "", "why you download a call recording (supervisors; audited)")
	return cmd
}

// holdCmd puts a call on hold or takes it off.
func (a *app) holdCmd() *cobra.Command {
	var resume bool
	cmd := &cobra.Command{
		Use:   "hold CALL [--resume]",
		Short: "Put call CALL on hold (the caller hears hold music) or, with --resume, take it off",
		Args:  cobra.ExactArgs(1),
		RunE: a.idRun("call", func(ctx context.Context, cmd *cobra.Command, c *client.Client, id int64) error {
			if resume {
				if err := c.Resume(ctx, id); err != nil {
					return fmt.Errorf("resume call %d: %w", id, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "call %d resumed\n", id)
				return nil
			}
			if err := c.Hold(ctx, id); err != nil {
				return fmt.Errorf("hold call %d: %w", id, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "call %d on hold\n", id)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&resume, "resume", false, "take the call off hold")
	return cmd
}

// transferCmd transfers a call: blind, or attended (consult, then complete or cancel).
func (a *app) transferCmd() *cobra.Command {
	var staff, team, number string
	var attended, complete, cancelIt bool
	cmd := &cobra.Command{
		Use: "transfer CALL (--staff EMAIL|ID | --team NAME|ID | --number N) [--attended] | transfer CALL --complete | transfer CALL --cancel",
		Short: "Transfer call CALL to a staff member, a team or a number; blind by default, " +
			"--attended consults first (the caller is on hold), then --complete or --cancel",
		Args: cobra.ExactArgs(1),
		RunE: a.idRun("call", func(ctx context.Context, cmd *cobra.Command, c *client.Client, id int64) error {
			out := cmd.OutOrStdout()
			switch {
			case complete && cancelIt:
				return fmt.Errorf("--complete and --cancel exclude each other")
			case complete:
				call, err := c.CompleteTransfer(ctx, id)
				if err != nil {
					return fmt.Errorf("complete the transfer of call %d: %w", id, err)
				}
				fmt.Fprintf(out, "call %d transferred to staff %d\n", id, deref(call.AssigneeID))
				return nil
			case cancelIt:
				if _, err := c.CancelTransfer(ctx, id); err != nil {
					return fmt.Errorf("cancel the transfer of call %d: %w", id, err)
				}
				fmt.Fprintf(out, "transfer of call %d cancelled: the caller is back with you\n", id)
				return nil
			}
			to, err := transferTarget(ctx, c, staff, team, number)
			if err != nil {
				return err
			}
			req := api.TransferRequest{To: to, Mode: api.TransferBlind}
			if attended {
				req.Mode = api.TransferAttended
			}
			call, err := c.Transfer(ctx, id, req)
			if err != nil {
				return fmt.Errorf("transfer call %d: %w", id, err)
			}
			if attended {
				fmt.Fprintf(out, "consulting %s about call %d (the caller is on hold); then: meet transfer %d --complete | --cancel\n", to, id, id)
				return nil
			}
			fmt.Fprintf(out, "call %d transferred blind to %s (%s)\n", id, to, call.State)
			return nil
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&staff, "staff", "", "staff member to transfer to (email, name or id)")
	fl.StringVar(&team, "team", "", "team to transfer to, routed like a new call (name or id)")
	fl.StringVar(&number, "number", "", "external number to transfer to through the trunk")
	fl.BoolVar(&attended, "attended", false, "consult the target first, then --complete or --cancel")
	fl.BoolVar(&complete, "complete", false, "complete an attended transfer: the caller goes to the target")
	fl.BoolVar(&cancelIt, "cancel", false, "cancel an attended transfer: the caller comes back to you")
	return cmd
}

// transferTarget resolves the flags to a target: staff by email, name or
// id, teams by name or id.
func transferTarget(ctx context.Context, c *client.Client, staff, team, number string) (api.TransferTarget, error) {
	var to api.TransferTarget
	switch {
	case staff != "" && team == "" && number == "":
		list, err := c.StaffList(ctx)
		if err != nil {
			return to, err
		}
		for _, s := range list {
			if strings.EqualFold(s.Email, staff) || strings.EqualFold(s.Name, staff) || strconv.FormatInt(s.ID, 10) == staff {
				return api.TransferTarget{StaffID: s.ID}, nil
			}
		}
		return to, fmt.Errorf("no staff member %q", staff)
	case team != "" && staff == "" && number == "":
		list, err := c.Teams(ctx)
		if err != nil {
			return to, err
		}
		for _, t := range list {
			if strings.EqualFold(t.Name, team) || strconv.FormatInt(t.ID, 10) == team {
				return api.TransferTarget{TeamID: t.ID}, nil
			}
		}
		return to, fmt.Errorf("no team %q in your channels", team)
	case number != "" && staff == "" && team == "":
		return api.TransferTarget{Number: number}, nil
	}
	return to, fmt.Errorf("give exactly one of --staff, --team or --number")
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
