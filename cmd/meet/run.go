package main

import (
	"context"
	"errors"
	"fmt"
	stdlog "log"
	"log/slog"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
	"github.com/meet-dev/meet/tui"
	"github.com/meet-dev/meet/tui/common"
	"github.com/spf13/cobra"
)

// runTUI opens the TUI: client, event stream and softphone wired into the
// root model; logs go to the log file only.
func (a *app) runTUI(cmd *cobra.Command, _ []string) error {
	if !term.IsTerminal(os.Stdin.Fd()) || !term.IsTerminal(os.Stdout.Fd()) {
		return errors.New("the TUI needs a terminal; for scripts use `meet chats`, `meet call`, `meet callback`, `meet export`")
	}
	keys, err := keyBindings(a.v)
	if err != nil {
		return err
	}
	km, err := common.NewKeys(keys)
	if err != nil {
		return err
	}
	log, logFile, err := openLogFile(a.v.GetString(keyLog))
	if err != nil {
		return err
	}
	defer logFile.Close()
	// Everything that would print over the screen — other packages' default
	// loggers, pion, ALSA/PortAudio from C — goes to the log file instead.
	slog.SetDefault(log)
	stdlog.SetOutput(logFile)
	restore := redirectStderr(logFile, log)
	defer restore()
	c, creds, err := a.session()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	log.Info("meet starting", "server", creds.Server, "staff_id", creds.StaffID)

	events, stream, closeStream := openEvents(ctx, c, log)
	defer closeStream()
	prefs := tui.Prefs{Input: a.v.GetString(keyInput), Output: a.v.GetString(keyOutput), Denoise: a.v.GetBool(keyDenoise)}
	phone, player, closePhone := openPhone(ctx, stream, phoneConfig{prefs: prefs, inWAV: a.v.GetString(keyInWAV),
		outWAV: a.v.GetString(keyOutWAV), loopbackICE: a.v.GetBool(keyLoopback) || isLoopbackURL(creds.Server)}, log)
	defer closePhone()

	mode := common.Color
	switch {
	case os.Getenv("TERM") == "dumb":
		mode = common.Plain
	case os.Getenv("NO_COLOR") != "" || a.v.GetBool(keyNoColor):
		mode = common.Mono // no colour, still bold and reverse video
	}
	styles := common.NewStylesMode(os.Stdout, mode)
	uictx := common.NewContext(styles, km)
	uictx.Tr = a.tr()
	if uictx.Japanese() || a.v.GetBool(keyASCII) {
		// Japanese terminals draw ambiguous-width characters (· … │ ─ █)
		// two cells wide: the chrome is drawn in ASCII so borders hold.
		styles.UseSafeGlyphs()
	}
	cfgFile := a.v.ConfigFileUsed()
	m := tui.New(ctx, uictx, backend{c}, log,
		tui.WithEvents(events),
		tui.WithPhone(phone),
		tui.WithPlayer(player),
		tui.WithServerLabel(creds.Server),
		tui.WithStartTime(processStart),
		tui.WithDevices(listDevices),
		tui.WithPrefs(prefs, func(p tui.Prefs) error { return savePrefs(cfgFile, p.Input, p.Output, p.Denoise) }),
	)
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx))
	_, err = p.Run()
	m.Close()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && ctx.Err() == nil {
		return fmt.Errorf("tui: %w", err)
	}
	log.Info("meet stopped")
	return nil
}
