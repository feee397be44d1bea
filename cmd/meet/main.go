// Command meet is the operator's terminal: a TUI inbox and softphone for
// meetd, and a command line for scripts.
//
//	meet login --server URL --email E [--password P]
//	meet [--server URL]                 opens the TUI
//	meet chats [--missed] [--reason R] [--tag T] [--json]
//	meet call NUMBER
//	meet callback CHAT
//	meet export --from D --to D --purpose P [--reason R] [--format csv|jsonl] [--out FILE]
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/meet-dev/meet/internal/i18n"
	"github.com/meet-dev/meet/internal/sysmonpoll"
)

// extraCommands lets other files of this package add subcommands without
// editing this one: func init() { extraCommands = append(extraCommands, newXCmd) }.
var extraCommands []func() *cobra.Command

// processStart is taken as early as possible for the start-up figure.
var processStart = time.Now()

func main() {
	root := newRootCmd()
	if runsAudio(root, os.Args[1:]) {
		// Before anything else: it may start the program again
		// (internal/sysmonpoll, which keeps a softphone's wake-ups down),
		// carrying when this one started.
		processStart = sysmonpoll.Start(processStart)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := root.ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "meet:", err)
		os.Exit(1)
	}
}

// runsAudio reports whether args run a softphone for long: the TUI (the
// root command) or `meet phone`. Only those are worth starting again for
// internal/sysmonpoll (tens of ms for a one-shot command like meet chats).
func runsAudio(root *cobra.Command, args []string) bool {
	c, _, err := root.Find(args)
	return err == nil && (c == root || c.Name() == "phone")
}

// app carries the configuration every command reads.
type app struct {
	cfgPath string
	v       *viper.Viper
}

// tr is the language of messages: `language:` in the config (or
// MEET_LANGUAGE), else the locale (LC_ALL, LC_MESSAGES, LANG).
func (a *app) tr() *i18n.Printer {
	conf := ""
	if a.v != nil {
		conf = a.v.GetString(keyLang)
	}
	return i18n.New(i18n.Detect(conf, os.Getenv))
}

// flagKeys maps flag names to config keys.
var flagKeys = map[string]string{
	"server": keyServer, "log": keyLog, "input-device": keyInput, "output-device": keyOutput,
	"noise-suppression": keyDenoise, "no-color": keyNoColor, "credentials": keyCredFile,
	"input-wav": keyInWAV, "output-wav": keyOutWAV, "loopback-ice": keyLoopback,
}

func newRootCmd() *cobra.Command {
	a := &app{}
	root := &cobra.Command{
		Use:   "meet",
		Short: "Terminal softphone and inbox for meetd",
		Long: "meet opens the operator's TUI (inbox, chats, calls) against a meetd server.\n" +
			"Log in first with `meet login --server URL --email E`.\n" +
			"Config: ~/.config/meet/config.yaml, MEET_* environment, flags.\n" +
			"Keys: press ? in the TUI for all of them; rebind in config.yaml, e.g.\n" +
			"  keys:\n    mute: M\n    hangup: [h, ctrl+h]",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			v, err := newViper(a.cfgPath)
			if err != nil {
				return err
			}
			for name, key := range flagKeys {
				if f := cmd.Flags().Lookup(name); f != nil {
					if err := v.BindPFlag(key, f); err != nil {
						return err
					}
				}
			}
			a.v = v
			return nil
		},
		RunE: a.runTUI,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.cfgPath, "config", "", "config file (default ~/.config/meet/config.yaml)")
	pf.String("server", "", "meetd URL, e.g. http://127.0.0.1:8080 (default: the one you logged in to)")
	pf.String("log", "", "log file (default ~/.cache/meet/meet.log; - discards); never the screen")
	pf.String("credentials", "", "credentials file (default ~/.config/meet/credentials.json)")
	f := root.Flags()
	f.String("input-device", "", "microphone device name (default: system default)")
	f.String("output-device", "", "speaker device name (default: system default)")
	f.Bool("noise-suppression", true, "noise suppression of the microphone")
	f.Bool("no-color", false, "no colours (also NO_COLOR=1)")
	f.String("input-wav", "", "headless: use this WAV file as the microphone")
	f.String("output-wav", "", "headless: record what the speaker would play to this WAV file")
	f.Bool("loopback-ice", false, "WebRTC over loopback candidates only (automatic when the server is on 127.0.0.1/localhost)")
	root.AddCommand(a.loginCmd(), a.logoutCmd(), a.chatsCmd(), a.callCmd(), a.callbackCmd(), a.exportCmd(), a.voicemailCmd(), a.holdCmd(), a.transferCmd())
	root.AddCommand(a.statsCmd())
	for _, mk := range extraCommands {
		root.AddCommand(mk())
	}
	return root
}
