package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meet-dev/meet/api"
)

// voicemailCmd lists a chat's voicemails and recordings and saves one.
func (a *app) voicemailCmd() *cobra.Command {
	var out, purpose string
	var which int
	cmd := &cobra.Command{
		Use:   "voicemail CHAT [--out FILE.wav] [--n N] [--purpose WHY]",
		Short: "List the voicemails and call recordings of chat CHAT and save one as WAV",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(strings.TrimPrefix(args[0], "#"), 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("%q is not a chat id", args[0])
			}
			c, _, err := a.session()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), cliTimeout)
			defer cancel()
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
		},
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
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("%q is not a call id", args[0])
			}
			c, _, err := a.session()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), cliTimeout)
			defer cancel()
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
		},
	}
	cmd.Flags().BoolVar(&resume, "resume", false, "take the call off hold")
	return cmd
}
