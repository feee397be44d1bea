package stats_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"log/slog"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/server"
	"github.com/meet-dev/meet/server/automation"
	"github.com/meet-dev/meet/server/eventbus"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/stats"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
)

func TestRoutesRolesAndErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bus := eventbus.New()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "m.db"), sqlite.WithOnCommit(bus.Publish))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	srv, err := server.New(server.Config{HTTPAddr: "127.0.0.1:0"}, db, bus, inbox.New(db), server.WithLogger(log),
		server.WithRoutes(stats.Routes(stats.NewService(db, db), db, log)),
		server.WithRoutes(automation.Routes(db, db, log)))
	if err != nil {
		t.Fatal(err)
	}
	var chID int64
	day := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	err = srv.Store().Update(ctx, func(tx store.Tx) error {
		ch := api.Channel{Name: "support", Timezone: "Asia/Tokyo"}
		if err := tx.CreateChannel(&ch); err != nil {
			return err
		}
		chID = ch.ID
		for _, a := range []struct {
			email string
			role  api.Role
		}{{"op@x.jp", api.RoleOperator}, {"sv@x.jp", api.RoleSupervisor}, {"ad@x.jp", api.RoleAdmin}} {
			h, _ := inbox.HashPassword("password-1")
			s := api.Staff{Email: a.email, Role: a.role, Channels: []int64{ch.ID}}
			if err := tx.CreateStaff(&s, h); err != nil {
				return err
			}
		}
		chat := api.Chat{ChannelID: ch.ID, Customer: api.Customer{Number: "+8190"}}
		if err := tx.CreateChat(&chat); err != nil {
			return err
		}
		end := day.Add(time.Minute)
		c := api.Call{ChatID: chat.ID, ChannelID: ch.ID, Direction: api.Inbound, State: api.CallEnded, Created: day, Ended: &end, MissedReason: api.ReasonNoOperator}
		return tx.CreateCall(&c)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	login := func(email string) *client.Client {
		c := client.New(srv.URL())
		if _, err := c.Login(ctx, email, "password-1"); err != nil {
			t.Fatal(err)
		}
		return c
	}
	op, sv, ad := login("op@x.jp"), login("sv@x.jp"), login("ad@x.jp")
	q := api.StatsQuery{From: day.Add(-24 * time.Hour), To: day.Add(24 * time.Hour), Interval: "day", ChannelID: chID}
	if _, err := op.Stats(ctx, q); api.CodeOf(err) != api.CodeForbidden {
		t.Fatalf("operator stats: %v", err)
	}
	st, err := sv.Stats(ctx, q)
	if err != nil || st.Total.Missed != 1 || st.Total.MissedBy[api.ReasonNoOperator] != 1 {
		t.Fatalf("stats %v %+v", err, st.Total)
	}
	q.Interval = "fortnight"
	if _, err := sv.Stats(ctx, q); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("bad interval: %v", err)
	}
	params := url.Values{"from": {"2026-05-01"}, "to": {"2026-07-01"}}
	var b bytes.Buffer
	if err := sv.ExportCalls(ctx, "csv", params, &b); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("export without purpose: %v", err)
	}
	params.Set("purpose", "quarterly review")
	if err := op.ExportCalls(ctx, "csv", params, &b); api.CodeOf(err) != api.CodeForbidden {
		t.Fatalf("operator export: %v", err)
	}
	b.Reset()
	if err := sv.ExportCalls(ctx, "csv", params, &b); err != nil {
		t.Fatal(err)
	}
	if recs, err := csv.NewReader(&b).ReadAll(); err != nil || len(recs) != 2 || recs[1][15] != "noOperator" {
		t.Fatalf("csv %v %q", err, recs)
	}
	if _, err := sv.ExportAudit(ctx); api.CodeOf(err) != api.CodeForbidden {
		t.Fatalf("supervisor audit: %v", err)
	}
	audit, err := ad.ExportAudit(ctx)
	if err != nil || len(audit) != 1 || audit[0].Rows != 1 || audit[0].Purpose != "quarterly review" {
		t.Fatalf("audit %v %+v", err, audit)
	}
	bad := []api.Automation{{Name: "x", Actions: []api.AutomationStep{{Type: "sms", Template: "{{nope}}"}}}}
	if _, err := ad.AdminPutAutomations(ctx, chID, bad); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("bad automation: %v", err)
	}
	good := []api.Automation{{Name: "redirect", Enabled: true, When: api.AutomationCond{Outcome: "missed"},
		Actions: []api.AutomationStep{{Type: "sms", Template: "Chat with us: {{chat_url}}"}}}}
	if _, err := sv.AdminPutAutomations(ctx, chID, good); api.CodeOf(err) != api.CodeForbidden {
		t.Fatalf("supervisor automations: %v", err)
	}
	if _, err := ad.AdminPutAutomations(ctx, chID, good); err != nil {
		t.Fatal(err)
	}
	if got, err := ad.AdminAutomations(ctx, chID); err != nil || len(got) != 1 || got[0].Name != "redirect" {
		t.Fatalf("automations %v %+v", err, got)
	}
}
