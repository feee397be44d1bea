package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/internal/simcaller"
	"github.com/meet-dev/meet/server"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/room"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/trunk"
)

func init() { extraCommands = append(extraCommands, newDemoCmd) }

// Demo accounts, printed on start.
var demoAccounts = []struct {
	email, password, name string
	role                  api.Role
}{
	{"operator@demo.local", "demo-operator", "Olivia Operator", api.RoleOperator},
	{"operator2@demo.local", "demo-operator2", "Oscar Operator", api.RoleOperator},
	{"supervisor@demo.local", "demo-supervisor", "Sam Supervisor", api.RoleSupervisor},
	{"admin@demo.local", "demo-admin", "Ada Admin", api.RoleAdmin},
}

const (
	demoNumber      = "+81500000000" // the demo channel's number: always open
	demoAfterHours  = "+81500000099" // the after-hours line: always closed
	demoCustomerUAS = "127.0.0.1:0"
)

type demoOpts struct {
	data, db, http, sip string
	every               time.Duration
	noCaller            bool
}

func newDemoCmd() *cobra.Command {
	o := demoOpts{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run meetd with a demo channel, demo accounts and a simulated caller phoning in over real SIP/RTP",
		Long: `demo starts meetd on an embedded default: a SQLite file under --data, a demo
channel with a number, hours, a team, operator / supervisor / admin accounts
(printed on start), SIP on --sip, and a simulated customer who phones in every
so often with speech and answers when you call back. Ctrl-C stops everything.`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDemo(cmd.Context(), o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.data, "data", ".meet-data", "data directory (created when missing)")
	f.StringVar(&o.db, "db", "", "database: a SQLite file path or a postgres:// URL (MEETD_DB; default DATA/meetd.db)")
	f.StringVar(&o.http, "http", "127.0.0.1:8080", "HTTP address of the API")
	f.StringVar(&o.sip, "sip", "127.0.0.1:5060", "SIP address (UDP and TCP)")
	f.DurationVar(&o.every, "caller-every", 40*time.Second, "average time between simulated calls")
	f.BoolVar(&o.noCaller, "no-caller", false, "do not start the simulated caller")
	return cmd
}

func runDemo(ctx context.Context, o demoOpts) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(o.data, 0o750); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(o.data, "meetd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return err
	}
	defer logf.Close()
	log := slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)

	// The simulated customer answers callbacks on its own SIP port: meetd's
	// outbound trunk points there.
	customer, err := simcaller.New("127.0.0.1", "+819012345678", simcaller.WithLogger(log))
	if err != nil {
		return err
	}
	defer customer.Close()
	speech := demoSpeech(o.data, log)
	customer.OnCall(func(from, to string) (simcaller.AnswerPlan, bool) {
		return simcaller.AnswerPlan{Delay: 2 * time.Second, Audio: speech, TalkFor: 30 * time.Second}, true
	})
	uas, err := customer.ServeUDP(ctx, demoCustomerUAS)
	if err != nil {
		return fmt.Errorf("simulated customer: %w", err)
	}

	db := o.db
	if db == "" {
		db = os.Getenv("MEETD_DB")
	}
	if db == "" {
		db = filepath.Join(o.data, "meetd.db")
	}
	cfg := server.Config{DBPath: db, HTTPAddr: o.http}
	srv, err := newServer(cfg, log, features{Phone: phoneConfig{
		SIPListen: o.sip, TrunkAllow: []string{"127.0.0.0/8"}, ICELoopback: true, IOUring: true,
		Outbound: &trunk.OutboundConfig{Proxy: uas.String(), CallerID: demoNumber},
	}})
	if err != nil {
		return err
	}
	if err := seedDemo(ctx, srv, o.data, log); err != nil {
		srv.Close()
		return err
	}
	if err := srv.Listen(); err != nil {
		srv.Close()
		return err
	}
	url := srv.URL()
	fmt.Printf("meetd demo on %s (SIP %s), database %s, data in %s, log in %s\n\n", url, o.sip, dsnString(db), o.data, filepath.Join(o.data, "meetd.log"))
	fmt.Println("accounts:")
	for _, a := range demoAccounts {
		fmt.Printf("  %-11s %-22s password %s\n", a.role, a.email, a.password)
	}
	fmt.Printf("\nlog in:  meet login --server %s --email %s --password %s\n", url, demoAccounts[0].email, demoAccounts[0].password)
	fmt.Printf("then:    meet\n")
	fmt.Printf("as the supervisor (another terminal, with make run going):  ./scripts/demo.sh --as supervisor --attach\n\n")

	errc := make(chan error, 1)
	go func() { errc <- srv.Run(ctx) }()
	if !o.noCaller {
		go simulateCallers(ctx, o.sip, o.every, speech, log)
		fmt.Printf("a simulated customer phones %s about every %s\n", demoNumber, o.every)
	}
	return <-errc
}

// seedDemo creates the demo channel, team, accounts and guidance once.
func seedDemo(ctx context.Context, srv *server.Server, dir string, log *slog.Logger) error {
	db := srv.Store()
	fresh := false
	err := db.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.ChannelByName("demo"); err == nil {
			return nil
		}
		fresh = true
		ch := api.Channel{Name: "demo", Timezone: "UTC", RingTimeoutS: 30, MaxWaitS: 60, ServiceLevelS: 20,
			Hours: api.Hours{AlwaysOpen: true}}
		if err := tx.CreateChannel(&ch); err != nil {
			return err
		}
		if err := tx.AddNumber(ch.ID, demoNumber); err != nil {
			return err
		}
		closed := api.Channel{Name: "after-hours", Timezone: "UTC", RingTimeoutS: 30, MaxWaitS: 60,
			Hours: api.Hours{Closed: true}}
		if err := tx.CreateChannel(&closed); err != nil {
			return err
		}
		if err := tx.AddNumber(closed.ID, demoAfterHours); err != nil {
			return err
		}
		team := api.Team{ChannelID: ch.ID, Name: "support", Strategy: api.StrategyLongestIdle}
		if err := tx.CreateTeam(&team); err != nil {
			return err
		}
		for _, a := range demoAccounts {
			hash, err := inbox.HashPassword(a.password)
			if err != nil {
				return err
			}
			s := api.Staff{Email: a.email, Name: a.name, Role: a.role, Channels: []int64{ch.ID, closed.ID}}
			if err := tx.CreateStaff(&s, hash); err != nil {
				return err
			}
			if a.role != api.RoleAdmin {
				if err := tx.AddTeamMember(team.ID, s.ID); err != nil {
					return err
				}
			}
		}
		for _, c := range []api.Customer{
			{Number: "+819012345678", Name: "Haruto Sato", Profile: map[string]string{"plan": "Business", "company": "Sato Trading", "since": "2021"}},
			{Number: "+819087654321", Name: "Yui Tanaka", Profile: map[string]string{"plan": "Free"}},
			{Number: "+818011112222", Name: "Ken Suzuki", Tags: []string{"vip"}},
		} {
			if err := tx.CreateCustomer(&c); err != nil {
				return err
			}
		}
		return tx.Append(&api.Event{Type: api.EvChannelUpdated, ChannelID: ch.ID})
	})
	if err != nil || !fresh {
		return err
	}
	// Voice guidance spoken by espeak-ng when it is installed (make deps installs it).
	gs := []struct {
		channel string
		kind    api.GuidanceKind
		text    string
	}{
		{"demo", api.GuidanceGreeting, "Thank you for calling the meet demo. Connecting you to an operator."},
		{"demo", api.GuidanceWait, "All our operators are busy. Please stay on the line."},
		{"after-hours", api.GuidanceOutOfHours, "We are closed now. Please call again during our opening hours."},
	}
	for _, g := range gs {
		wav, err := espeak(dir, g.text)
		if err != nil {
			log.Warn("demo guidance not generated", "err", err)
			return nil
		}
		var chID int64
		_ = db.View(ctx, func(tx store.Tx) error { c, err := tx.ChannelByName(g.channel); chID = c.ID; return err })
		if err := room.NewGuidanceStore(db).SetGuidance(ctx, chID, g.kind, bytes.NewReader(wav)); err != nil {
			log.Warn("demo guidance", "kind", g.kind, "err", err)
		}
	}
	return nil
}

func espeak(dir, text string) ([]byte, error) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		return nil, errors.New("espeak-ng is not installed")
	}
	f := filepath.Join(dir, "speech.tmp.wav")
	defer os.Remove(f)
	if out, err := exec.Command("espeak-ng", "-s", "150", "-w", f, text).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("espeak-ng: %v: %s", err, out)
	}
	return os.ReadFile(f)
}

// demoSpeech is the simulated customer's voice, 8 kHz.
func demoSpeech(dir string, log *slog.Logger) []int16 {
	wav, err := espeak(dir, "Hello, this is Haruto Sato. I have a question about my last invoice. Could you help me, please?")
	if err == nil {
		if w, err := audio.ReadWAV(bytes.NewReader(wav)); err == nil {
			return audio.Resample(w.Samples, w.Rate, 8000)
		}
	}
	log.Warn("simulated caller speaks a tone instead of speech", "err", err)
	out := make([]int16, 8000)
	for i := range out {
		if (i/2000)%2 == 0 {
			out[i] = int16(6000 * math.Sin(float64(i)*2*math.Pi*440/8000))
		}
	}
	return out
}

// simulateCallers phones the demo numbers every so often. Most callers wait
// up to 45 s (answered, or missed by ring timeout / no operator), some hang
// up early (userLeft), a few call the closed line (notInOperation). The
// first caller always waits on the open line, so that whoever just started
// the demo sees a call ring first.
func simulateCallers(ctx context.Context, sip string, every time.Duration, speech []int16, log *slog.Logger) {
	numbers := []string{"+819012345678", "+819087654321", "+818011112222", "+817033334444"}
	first := time.After(5 * time.Second)
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-first:
		case <-time.After(every/2 + time.Duration(rand.Int64N(int64(every)))):
		}
		from := numbers[rand.IntN(len(numbers))]
		to, plan := demoCall(n, rand.IntN(10), speech)
		go func() {
			p, err := simcaller.New("127.0.0.1", from, simcaller.WithLogger(log))
			if err != nil {
				return
			}
			defer p.Close()
			if _, err := p.ServeUDP(ctx, "127.0.0.1:0"); err != nil {
				return
			}
			res, err := p.Call(ctx, sip, to, plan)
			log.Info("simulated call", "from", from, "to", to, "status", res.Status, "answered", res.Answered, "err", err)
		}()
	}
}

// demoCall is where the demo's n-th simulated caller (from 0) phones and
// how long it waits, by a roll r of 0..9: the closed line on 0, hanging up
// after 8 s on 1 and 2, else waiting up to 45 s and talking 40 s once
// answered. The first caller always takes the last.
func demoCall(n, r int, speech []int16) (string, simcaller.CallPlan) {
	to, plan := demoNumber, simcaller.CallPlan{Audio: speech, HangupAfter: 45 * time.Second, TalkFor: 40 * time.Second}
	switch {
	case n == 0:
	case r == 0:
		to = demoAfterHours
	case r <= 2:
		plan.HangupAfter = 8 * time.Second
	}
	return to, plan
}
