package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
)

func TestRouteSimulate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = db.Update(ctx, func(tx store.Tx) error {
		ch := api.Channel{Name: "support", Timezone: "America/New_York", RingTimeoutS: 30, MaxWaitS: 60}
		if err := tx.CreateChannel(&ch); err != nil {
			return err
		}
		if err := tx.SetHours(ch.ID, api.Hours{Weekly: []api.Span{{Day: time.Wednesday, Start: "09:00", End: "17:00"}}}); err != nil {
			return err
		}
		for i, name := range []string{"ann", "bob", "cid"} {
			s := api.Staff{Email: name + "@x.com", Name: name, Role: api.RoleOperator}
			if err := tx.CreateStaff(&s, "hash"); err != nil {
				return err
			}
			if err := tx.AddStaffChannel(s.ID, ch.ID); err != nil {
				return err
			}
			if i == 1 {
				if err := tx.PutSettings(s.ID, api.Settings{DND: true}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	run := func(o routeSimOpts) (string, error) {
		var b bytes.Buffer
		o.db, o.channel = path, "support"
		err := runRouteSimulate(ctx, &b, o)
		return b.String(), err
	}
	out, err := run(routeSimOpts{at: "2026-03-04 10:00", offline: []string{"cid@x.com"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"in operation: yes", "1. ann <ann@x.com>", "bob <bob@x.com> (id 2): dnd", "cid <cid@x.com> (id 3): softphone_offline"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, err = run(routeSimOpts{at: "2026-03-04T23:30:00Z", json: true}) // 18:30 in New York
	if err != nil {
		t.Fatal(err)
	}
	var el api.Eligibility
	if err := json.Unmarshal([]byte(out), &el); err != nil || el.InOperation || len(el.Eligible) != 2 {
		t.Errorf("json %s (%v)", out, err)
	}
	for _, bad := range []routeSimOpts{{at: "soon"}, {at: "now", offline: []string{"zed@x.com"}}} {
		if _, err := run(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if err := runRouteSimulate(ctx, &bytes.Buffer{}, routeSimOpts{db: path, channel: "sales"}); err == nil || !strings.Contains(err.Error(), `no channel named "sales"`) {
		t.Errorf("unknown channel: %v", err)
	}
}

// --menu-keys walks the channel's IVR menu and routes as it decides: only
// the chosen team rings, voicemail rings nobody, no key takes the default.
func TestRouteSimulateMenuKeys(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	for _, s := range [][]string{
		{"admin", "channel", "add", "support", "--db", db},
		{"admin", "team", "add", "--db", db, "--channel", "support", "sales"},
		{"admin", "staff", "add", "--db", db, "--email", "op@x.com", "--password", "password1", "--channel", "support"},
		{"admin", "staff", "add", "--db", db, "--email", "sales@x.com", "--password", "password1", "--channel", "support", "--team", "sales"},
		{"admin", "menu", "set", "--db", db, "--channel", "support", "main: 1=menu:sales 2=voicemail 0=everyone", "sales: 2=team:sales default=everyone tries=1"},
	} {
		if out, err := run(t, s...); err != nil {
			t.Fatalf("%v: %v\n%s", s, err, out)
		}
	}
	sim := func(keys ...string) string {
		t.Helper()
		args := []string{"route", "simulate", "--db", db, "--channel", "support"}
		if len(keys) > 0 {
			args = append(args, "--menu-keys", keys[0])
		}
		out, err := run(t, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return out
	}
	out := sim("1/2")
	if !strings.Contains(out, "menu: keys 1/2 → team sales (only its members ring), decided by key in node sales") ||
		!strings.Contains(out, "1. sales@x.com") || strings.Contains(out, "1. op@x.com") || !strings.Contains(out, "op@x.com (id 1): not_in_team (not in the team that rings") {
		t.Errorf("--menu-keys 1/2:\n%s", out)
	}
	if out := sim("2"); !strings.Contains(out, "menu: keys 2 → voicemail") || strings.Contains(out, "would ring") {
		t.Errorf("--menu-keys 2:\n%s", out)
	}
	if out := sim("1"); !strings.Contains(out, "→ everyone, decided by default in node sales after 5s of time-outs") || !strings.Contains(out, "op@x.com") {
		t.Errorf("--menu-keys 1:\n%s", out)
	}
	if out := sim(); strings.Contains(out, "menu:") {
		t.Errorf("without --menu-keys:\n%s", out)
	}
	if out, err := run(t, "route", "simulate", "--db", db, "--channel", "support", "--menu-keys", "12"); err == nil {
		t.Errorf("--menu-keys 12 accepted:\n%s", out)
	}
}
