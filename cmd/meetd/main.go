// Command meetd is the meet server: SIP trunk, routing, conference rooms,
// inbox, statistics. `meetd serve` runs it; `meetd admin …` sets it up.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/meet-dev/meet/api"
)

// extraCommands lets other files of this package add subcommands without
// editing this one: func init() { extraCommands = append(extraCommands, newXCmd) }.
var extraCommands []func() *cobra.Command

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "meetd:", errText(err))
		os.Exit(1)
	}
}

func errText(err error) string {
	var ae *api.Error
	if errors.As(err, &ae) {
		return ae.Message + " (" + string(ae.Code) + ")"
	}
	return err.Error()
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "meetd",
		Short:         "meetd — the meet server: SIP trunk, routing, conference rooms, inbox and statistics",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("config", "", "config file (YAML, TOML or JSON); keys are flag names, e.g. db, http, sip")
	root.AddCommand(newServeCmd(), newAdminCmd())
	for _, mk := range extraCommands {
		root.AddCommand(mk())
	}
	return root
}

// config returns a viper that resolves cmd's flags from, in order: the
// command line, MEETD_* environment (dashes become underscores, e.g.
// MEETD_TLS_CERT), the --config file, then the flag defaults.
func config(cmd *cobra.Command) (*viper.Viper, error) {
	v := viper.New()
	v.SetEnvPrefix("MEETD")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	var bindErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err := v.BindPFlag(f.Name, f); err != nil {
			bindErr = err
		}
	})
	if bindErr != nil {
		return nil, bindErr
	}
	file, _ := cmd.Flags().GetString("config")
	if file == "" {
		file = os.Getenv("MEETD_CONFIG")
	}
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config file %s: %w", file, err)
		}
	}
	return v, nil
}
