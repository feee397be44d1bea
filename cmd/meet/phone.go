package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/softphone"
)

func init() { extraCommands = append(extraCommands, newPhoneCmd) }

type phoneFlags struct {
	token, email, password string
	in, out                string
	inDev, outDev          string
	autoAnswer             bool
	muteOnJoin             bool
	duration, statsEvery   time.Duration
	loopback               string
	denoise                bool
	sendLoss               float64
	cpuProfile             string
}

// newPhoneCmd is `meet phone`: the softphone without a TUI, for tests and
// bots. It prints one JSON line per notable event on stdout.
func newPhoneCmd() *cobra.Command {
	var f phoneFlags
	cmd := &cobra.Command{
		Use:   "phone [--server URL] [--token T | --email E --password P] --in FILE.wav --out FILE.wav [--auto-answer] [--duration D]",
		Short: "Headless softphone: WAV files as microphone and speaker, JSON events on stdout",
		Long: "phone logs in (saved login from `meet login`, --token, or --email/--password), opens the event\n" +
			"stream and the softphone's peer connection, and runs until interrupted or --duration.\n" +
			"With --auto-answer it accepts every call that rings for it. Each notable event is one JSON\n" +
			"line on stdout: stream and phone state, ringing, answered, joined, left, ended, errors, stats.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPhone(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.token, "token", "", "bearer token (instead of the saved login)")
	fl.StringVar(&f.email, "email", "", "log in with this email (with --password)")
	fl.StringVar(&f.password, "password", "", "password for --email")
	fl.StringVar(&f.in, "in", "", "WAV file played as the microphone (looped, real time)")
	fl.StringVar(&f.out, "out", "", "WAV file the speaker is recorded to (48 kHz)")
	fl.StringVar(&f.inDev, "input-device", "", "microphone device instead of --in (\"default\" for the default)")
	fl.StringVar(&f.outDev, "output-device", "", "speaker device instead of --out (\"default\" for the default)")
	fl.BoolVar(&f.autoAnswer, "auto-answer", false, "accept calls that ring for this staff member")
	fl.BoolVar(&f.muteOnJoin, "mute-on-join", false, "set the staff member's mute_on_join setting first (only when given)")
	fl.DurationVar(&f.duration, "duration", 0, "stop after this long (0: until interrupted)")
	fl.DurationVar(&f.statsEvery, "stats-every", 0, "print call quality every D while connected (0: only at the end of calls)")
	fl.StringVar(&f.loopback, "loopback-ice", "auto", "loopback ICE candidates, UDP4, no mDNS: on, off or auto (on for a loopback server)")
	fl.BoolVar(&f.denoise, "noise-suppression", true, "noise suppression of the microphone")
	fl.Float64Var(&f.sendLoss, "simulate-send-loss", 0, "drop this share (0..1) of the packets sent to meetd at random (measurements)")
	_ = fl.MarkHidden("simulate-send-loss")
	fl.StringVar(&f.cpuProfile, "cpu-profile", "", "write a Go CPU profile of the run to this file (benchmarks, go tool pprof)")
	return cmd
}

// jsonOut writes one JSON object per line, safe for concurrent use.
type jsonOut struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *jsonOut) print(event string, kv ...any) {
	m := map[string]any{"event": event, "at": time.Now().UTC().Format(time.RFC3339Nano)}
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	_ = o.enc.Encode(m)
}

// phoneSession logs in and returns a client and who it is.
func phoneSession(ctx context.Context, cmd *cobra.Command, f phoneFlags) (*client.Client, int64, error) {
	cfgPath, _ := cmd.Flags().GetString("config")
	v, err := newViper(cfgPath)
	if err != nil {
		return nil, 0, err
	}
	for _, name := range []string{"server", "credentials"} {
		if fl := cmd.Flags().Lookup(name); fl != nil {
			if err := v.BindPFlag(flagKeys[name], fl); err != nil {
				return nil, 0, err
			}
		}
	}
	server := v.GetString(keyServer)
	if f.token != "" || f.email != "" {
		if server, err = normalizeServer(server); err != nil {
			return nil, 0, err
		}
		c := client.New(server, client.WithToken(f.token))
		if f.email != "" {
			if f.password == "" {
				return nil, 0, errors.New("--email needs --password")
			}
			res, err := c.Login(ctx, f.email, f.password)
			if err != nil {
				return nil, 0, fmt.Errorf("login: %w", err)
			}
			return c, res.Staff.ID, nil
		}
		me, err := c.Me(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("checking the token: %w", err)
		}
		return c, me.ID, nil
	}
	path, err := credentialsPath(v)
	if err != nil {
		return nil, 0, err
	}
	creds, err := loadCredentials(path)
	if err != nil {
		return nil, 0, err
	}
	if server != "" {
		if s, err := normalizeServer(server); err != nil {
			return nil, 0, err
		} else if s != creds.Server {
			return nil, 0, fmt.Errorf("logged in to %s, not %s: use --token, --email/--password or `meet login`", creds.Server, s)
		}
	}
	c := client.New(creds.Server, client.WithToken(creds.Token))
	me, err := c.Me(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("checking the saved login: %w", err)
	}
	return c, me.ID, nil
}

func phoneOptions(f phoneFlags, server string, log *slog.Logger) ([]softphone.Option, error) {
	opts := []softphone.Option{softphone.WithLogger(log), softphone.WithDenoise(f.denoise)}
	if f.sendLoss > 0 {
		opts = append(opts, softphone.WithSimulatedSendLoss(f.sendLoss))
	}
	switch {
	case f.inDev != "":
		opts = append(opts, softphone.WithInputDevice(deviceName(f.inDev)))
	case f.in != "":
		opts = append(opts, softphone.WithInputWAV(f.in))
	default:
		return nil, errors.New("--in FILE.wav or --input-device NAME is required")
	}
	switch {
	case f.outDev != "":
		opts = append(opts, softphone.WithOutputDevice(deviceName(f.outDev)))
	case f.out != "":
		opts = append(opts, softphone.WithOutputWAV(f.out))
	default:
		return nil, errors.New("--out FILE.wav or --output-device NAME is required")
	}
	switch f.loopback {
	case "on":
		opts = append(opts, softphone.WithLoopbackICE())
	case "off":
	case "auto":
		if isLoopbackURL(server) {
			opts = append(opts, softphone.WithLoopbackICE())
		}
	default:
		return nil, fmt.Errorf("--loopback-ice %q: want on, off or auto", f.loopback)
	}
	return opts, nil
}

func deviceName(s string) string {
	if s == "default" {
		return ""
	}
	return s
}

func isLoopbackURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func runPhone(cmd *cobra.Command, f phoneFlags) error {
	defer singleP(f.inDev == "" && f.outDev == "")()
	ctx := cmd.Context()
	if f.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.duration)
		defer cancel()
	}
	logPath, _ := cmd.Flags().GetString("log") // the root's --log
	log, closeLog, err := openLog(logPath)
	if err != nil {
		return err
	}
	defer closeLog()
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpu-profile: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("--cpu-profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	out := &jsonOut{enc: json.NewEncoder(cmd.OutOrStdout())}

	lctx, lcancel := context.WithTimeout(ctx, cliTimeout)
	c, me, err := phoneSession(lctx, cmd, f)
	if err == nil && cmd.Flags().Changed("mute-on-join") {
		err = setMuteOnJoin(lctx, c, f.muteOnJoin)
	}
	lcancel()
	if err != nil {
		return err
	}
	opts, err := phoneOptions(f, c.BaseURL(), log)
	if err != nil {
		return err
	}
	log = log.With("staff_id", me)
	out.print("started", "staff_id", me, "server", c.BaseURL())

	stream := c.Stream(ctx, 0)
	defer stream.Close()
	phone, err := softphone.New(stream, opts...)
	if err != nil {
		return err
	}
	// Offers travel on the event stream's socket: wait until it is up, so the
	// first negotiation does not fail for nothing.
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	for connected := false; !connected; {
		select {
		case cs := <-stream.Status():
			printStream(out, cs)
			connected = cs.State == client.Connected
		case <-wctx.Done():
			connected = true // go on: the phone retries on its own
			out.print("error", "error", "event stream not connected after 20s")
		}
	}
	wcancel()
	op := &operator{c: c, me: me, phone: phone, out: out, log: log, autoAnswer: f.autoAnswer}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ev := range phone.Events() {
			op.phoneEvent(ev)
		}
	}()
	sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
	if err := phone.Start(sctx); err != nil {
		out.print("error", "error", err.Error(), "retrying", ctx.Err() == nil)
	}
	scancel()
	op.loop(ctx, stream, f.statsEvery)

	// Leave politely, then hang up the peer connection.
	if id := op.current; id != 0 {
		lctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		if err := c.Leave(lctx, id); err != nil {
			log.Warn("leaving the call on exit", "call_id", id, "err", err)
		}
		cancel()
		phone.Left()
	}
	st := phone.Snapshot()
	closeErr := phone.Close()
	wg.Wait()
	op.printStats("stats", st)
	out.print("stopped")
	return closeErr
}

func setMuteOnJoin(ctx context.Context, c *client.Client, on bool) error {
	s, err := c.Settings(ctx)
	if err != nil {
		return fmt.Errorf("reading settings: %w", err)
	}
	s.MuteOnJoin = on
	if _, err := c.PutSettings(ctx, s); err != nil {
		return fmt.Errorf("setting mute_on_join: %w", err)
	}
	return nil
}

// operator answers calls for one staff member and reports what happens.
type operator struct {
	c          *client.Client
	me         int64
	phone      *softphone.Phone
	out        *jsonOut
	log        *slog.Logger
	autoAnswer bool
	current    int64 // the call we are in (event loop goroutine only)
}

func (o *operator) loop(ctx context.Context, s *client.Stream, every time.Duration) {
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case cs := <-s.Status():
			printStream(o.out, cs)
		case ev, ok := <-s.Events():
			if !ok {
				return
			}
			o.event(ctx, ev)
		case <-tick:
			if st := o.phone.Snapshot(); st.Connected {
				o.printStats("stats", st)
			}
		}
	}
}

func printStream(out *jsonOut, cs client.ConnState) {
	kv := []any{"state", cs.State.String(), "last_event_id", cs.LastEventID}
	if cs.Err != nil {
		kv = append(kv, "error", cs.Err.Error())
	}
	out.print("stream", kv...)
}

// event reacts to one server event that concerns this staff member.
func (o *operator) event(ctx context.Context, ev api.Event) {
	mine := ev.StaffID == o.me
	switch {
	case ev.Type == api.EvCallRinging && mine:
		o.out.print("ringing", "call_id", ev.CallID, "chat_id", ev.ChatID)
		if !o.autoAnswer {
			o.phone.Ring(true)
			return
		}
		actx, cancel := context.WithTimeout(ctx, cliTimeout)
		res, err := o.c.Accept(actx, ev.CallID)
		cancel()
		if err != nil {
			o.out.print("error", "call_id", ev.CallID, "error", "accept: "+err.Error())
			return
		}
		o.current = ev.CallID
		o.phone.Joined(res)
		o.out.print("answered", "call_id", ev.CallID, "mode", res.Mode, "mute_on_join", res.MuteOnJoin, "muted", o.phone.Muted())
	case ev.Type == api.EvCallRingEnded && mine:
		o.phone.Ring(false)
		o.out.print("ring_ended", "call_id", ev.CallID, "data", ev.Data)
	case ev.Type == api.EvCallJoined && mine && ev.CallID != o.current:
		// Joined some other way (the TUI of the same account, an invite accepted elsewhere).
		var d struct {
			Mode       api.JoinMode `json:"mode"`
			MuteOnJoin bool         `json:"mute_on_join"`
		}
		_ = json.Unmarshal(ev.Data, &d)
		o.current = ev.CallID
		o.phone.Joined(api.JoinResult{Call: api.Call{ID: ev.CallID}, Mode: d.Mode, MuteOnJoin: d.MuteOnJoin})
		o.out.print("joined", "call_id", ev.CallID, "mode", d.Mode, "muted", o.phone.Muted())
	case ev.Type == api.EvCallLeft && mine && ev.CallID == o.current:
		o.leave("left", ev)
	case ev.Type == api.EvCallEnded && ev.CallID == o.current && o.current != 0:
		o.leave("ended", ev)
	}
}

func (o *operator) leave(what string, ev api.Event) {
	st := o.phone.Snapshot()
	o.phone.Left()
	o.current = 0
	o.out.print(what, "call_id", ev.CallID, "data", ev.Data)
	o.printStats("call_stats", st)
}

func (o *operator) phoneEvent(ev softphone.Event) {
	kv := []any{}
	switch ev.Type {
	case softphone.EventState:
		kv = append(kv, "state", ev.State.String())
	case softphone.EventError:
		kv = append(kv, "error", fmt.Sprint(ev.Err))
	case softphone.EventMuted:
		kv = append(kv, "muted", ev.Muted)
	case softphone.EventDenoise:
		kv = append(kv, "denoise", ev.Denoise)
	case softphone.EventRing:
		kv = append(kv, "ringing", ev.Ringing)
	case softphone.EventJoined, softphone.EventLeft:
		return // reported with the server's view in event()
	default:
		kv = append(kv, "message", ev.Message)
	}
	o.out.print("phone."+ev.Type.String(), kv...)
}

func (o *operator) printStats(what string, st softphone.Stats) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	o.out.print(what, "connected", st.Connected, "codec", st.Codec.String(), "rtt_ms", ms(st.RTT),
		"loss", st.Loss, "remote_loss", st.RemoteLoss, "fec_loss_pct", st.FECLoss, "narrowband", st.Narrowband, "jitter_ms", ms(st.Jitter), "buffer_ms", ms(st.BufferDepth),
		"mic_dbfs", st.MicDBFS, "speaker_dbfs", st.SpeakerDBFS, "packets_sent", st.PacketsSent,
		"packets_received", st.PacketsReceived, "late", st.LatePackets, "concealed", st.Concealed,
		"skipped", st.Skipped, "accelerated", st.Accelerated, "compressed_ms", st.CompressedMs,
		"reconnects", st.Reconnects, "muted", st.Muted)
}

// singleP runs meet phone's goroutines on one P unless the GOMAXPROCS
// environment variable says otherwise. In a call the process wakes several
// times every 20 ms for work of tens to a few hundred microseconds (a
// microphone frame through the suppressor and the encoder, a packet
// through pion and the decoder). With a second P each of those wake-ups
// also woke an idle thread to spin looking for more work and sleep again;
// one P does the same work with about a third fewer wake-ups, while the
// CPU change stayed within the benchmark's noise (BenchmarkMeetPhoneCPU,
// alternated runs in BENCHMARKS.md). The longest burst
// (suppressor plus encoder, well under 1 ms) is all another goroutine can
// wait, far inside a 20 ms frame. The TUI keeps every P: a redraw can
// take milliseconds; so does a phone on a sound card (files false):
// PortAudio's blocking reads and writes hold their P in a cgo call for up
// to a buffer's period, and with one P only sysmon could hand it on to the
// packets meanwhile, which it looks for every 10 ms (internal/sysmonpoll).
// It returns what puts the previous setting back, for when the command
// runs inside a longer-lived process (cmd/meet's tests).
func singleP(files bool) (restore func()) {
	if !files || os.Getenv("GOMAXPROCS") != "" {
		return func() {}
	}
	prev := runtime.GOMAXPROCS(1)
	return func() { runtime.GOMAXPROCS(prev) }
}
