package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestAdminCommands(t *testing.T) { testAdminCommands(t, filepath.Join(t.TempDir(), "m.db")) }

// testAdminCommands runs every admin command against the database db.
func testAdminCommands(t *testing.T, db string) {
	steps := [][]string{
		{"admin", "channel", "add", "support", "--db", db, "--timezone", "Asia/Tokyo"},
		{"admin", "number", "add", "--db", db, "--channel", "support", "+81 3 1234 5678"},
		{"admin", "team", "add", "--db", db, "--channel", "support", "first", "--strategy", "round-robin"},
		{"admin", "staff", "add", "--db", db, "--email", "op@example.com", "--password", "password1", "--role", "operator",
			"--channel", "support", "--team", "first", "--name", "Olga"},
		{"admin", "hours", "set", "--db", db, "--channel", "support", "--weekly", "mon-fri 09:00-18:00", "--holiday", "2026-12-25"},
		{"admin", "channel", "set", "support", "--db", db, "--ring-timeout", "20s", "--max-wait", "90s", "--auto-assign", "first"},
	}
	for _, s := range steps {
		if out, err := run(t, s...); err != nil {
			t.Fatalf("%v: %v\n%s", s, err, out)
		}
	}
	out, err := run(t, "admin", "channel", "list", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"support", "Asia/Tokyo", "20s", "90s", "team 1", "+81312345678", "mon 09:00-18:00", "1 holidays"} {
		if !strings.Contains(out, want) {
			t.Errorf("channel list lacks %q:\n%s", want, out)
		}
	}
	if out, _ := run(t, "admin", "staff", "list", "--db", db); !strings.Contains(out, "op@example.com") {
		t.Errorf("staff list:\n%s", out)
	}
	bad := [][]string{
		{"admin", "hours", "set", "--db", db, "--channel", "support", "--weekly", "someday 09:00-18:00"},
		{"admin", "hours", "set", "--db", db, "--channel", "support"},
		{"admin", "hours", "set", "--db", db, "--channel", "support", "--always-open", "--holiday", "25.12.2026"},
		{"admin", "channel", "set", "support", "--db", db, "--auto-assign", "nobody"},
		{"admin", "channel", "set", "support", "--db", db, "--ring-timeout", "1500ms"},
		{"admin", "channel", "set", "support", "--db", db},
		{"admin", "channel", "add", "support", "--db", db},
		{"admin", "number", "add", "--db", db, "--channel", "nowhere", "+1"},
		{"admin", "staff", "add", "--db", db, "--email", "op@example.com", "--password", "password1"},
		{"admin", "staff", "add", "--db", db, "--email", "x@example.com", "--password", "password1", "--role", "king"},
		{"admin", "team", "add", "--db", db, "--channel", "support", "other", "--strategy", "random"},
	}
	for _, b := range bad {
		if out, err := run(t, b...); err == nil {
			t.Errorf("%v succeeded:\n%s", b, out)
		}
	}
}

func TestConfigFileAndEnv(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "from-env.db")
	t.Setenv("MEETD_DB", db)
	if _, err := run(t, "admin", "channel", "add", "envchan"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "admin", "channel", "list", "--db", db)
	if err != nil || !strings.Contains(out, "envchan") {
		t.Fatalf("MEETD_DB not used: %v\n%s", err, out)
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "from-file.db")
	cfg := filepath.Join(dir, "meetd.yaml")
	if err := os.WriteFile(cfg, []byte("db: "+db+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "--config", cfg, "admin", "channel", "add", "filechan"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "admin", "channel", "list", "--db", db)
	if err != nil || !strings.Contains(out, "filechan") {
		t.Fatalf("config file not used: %v\n%s", err, out)
	}
	if _, err := run(t, "--config", filepath.Join(dir, "missing.yaml"), "admin", "channel", "list"); err == nil {
		t.Fatal("missing config file accepted")
	}
}

// A new channel is open 24/7 until hours are set, and says so; --closed
// makes an out-of-hours-only line; staff list has --json.
func TestAdminChannelOpenUntilHoursAndStaffJSON(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	out, err := run(t, "admin", "channel", "add", "support", "--db", db)
	if err != nil || !strings.Contains(out, "open 24/7 until hours are set") {
		t.Fatalf("channel add: %v\n%s", err, out)
	}
	if out, _ := run(t, "admin", "channel", "list", "--db", db); !strings.Contains(out, "open 24/7 (no hours set)") {
		t.Errorf("channel list:\n%s", out)
	}
	if out, err := run(t, "admin", "hours", "set", "--db", db, "--channel", "support", "--closed"); err != nil || !strings.Contains(out, "closed (out-of-hours guidance only)") {
		t.Errorf("hours set --closed: %v\n%s", err, out)
	}
	if _, err := run(t, "admin", "hours", "set", "--db", db, "--channel", "support", "--closed", "--always-open"); err == nil {
		t.Error("--closed with --always-open accepted")
	}
	if out, err := run(t, "admin", "staff", "list", "--db", db, "--json"); err != nil || strings.TrimSpace(out) != "[]" {
		t.Errorf("empty staff list --json: %v %q", err, out)
	}
	if _, err := run(t, "admin", "staff", "add", "--db", db, "--email", "op@example.com", "--password", "password1", "--channel", "support", "--name", "大野"); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "admin", "staff", "list", "--db", db, "--json")
	var ss []api.Staff
	if err != nil || json.Unmarshal([]byte(out), &ss) != nil || len(ss) != 1 || ss[0].Email != "op@example.com" || ss[0].Name != "大野" || len(ss[0].Channels) != 1 {
		t.Errorf("staff list --json: %v\n%s", err, out)
	}
}

// Retention of voicemails and call recordings is set with the channel, bad
// values are refused, and switching a feature on without its guidance warns.
func TestAdminRetentionAndGuidanceWarnings(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	if out, err := run(t, "admin", "channel", "add", "support", "--db", db); err != nil {
		t.Fatal(err, out)
	}
	out, err := run(t, "admin", "channel", "set", "support", "--db", db, "--voicemail", "on", "--voicemail-retention", "30",
		"--recording", "on", "--recording-retention", "90")
	if err != nil {
		t.Fatal(err, out)
	}
	for _, want := range []string{"voicemail on (messages up to 120s, 5s of silence or # ends one; deleted after 30 days)",
		"call recording on (announced by the recording guidance; deleted after 90 days)",
		"warning: channel support has no recording guidance yet, so calls are recorded without an announcement",
		"warning: channel support has no voicemail guidance yet, so callers hear only the beep"} {
		if !strings.Contains(out, want) {
			t.Errorf("channel set lacks %q:\n%s", want, out)
		}
	}
	if out, err := run(t, "admin", "channel", "set", "support", "--db", db, "--voicemail-retention", "-1"); err == nil {
		t.Errorf("negative retention accepted:\n%s", out)
	}
	out, err = run(t, "admin", "channel", "list", "--db", db, "--json")
	var cs []api.Channel
	if err != nil || json.Unmarshal([]byte(out), &cs) != nil || len(cs) != 1 || cs[0].VoicemailDays != 30 || cs[0].RecordingDays != 90 {
		t.Fatalf("channel list --json: %v\n%s", err, out)
	}
	if out, err := run(t, "admin", "channel", "set", "support", "--db", db, "--voicemail", "off"); err != nil || !strings.Contains(out, "voicemail off (existing ones deleted after 30 days)") {
		t.Errorf("voicemail off: %v\n%s", err, out)
	}

	// meetd admin recordings sweep applies the retention now: a 31-day-old
	// voicemail's file goes, a 29-day-old one stays.
	sdb, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	err = sdb.Update(context.Background(), func(tx store.Tx) error {
		for i, age := range []int{31, 29} {
			chat := api.Chat{ChannelID: cs[0].ID, Customer: api.Customer{Number: fmt.Sprint("+4930555", i)}}
			if err := tx.CreateChat(&chat); err != nil {
				return err
			}
			created := time.Now().Add(-time.Duration(age) * 24 * time.Hour)
			call := api.Call{ChatID: chat.ID, ChannelID: chat.ChannelID, Direction: api.Inbound, State: api.CallEnded, Created: created}
			if err := tx.CreateCall(&call); err != nil {
				return err
			}
			f := filepath.Join(t.TempDir(), "vm.wav")
			if err := os.WriteFile(f, []byte("RIFF"), 0o600); err != nil {
				return err
			}
			files = append(files, f)
			r := api.Recording{ChatID: chat.ID, CallID: call.ID, ChannelID: chat.ChannelID, Kind: api.RecordingVoicemail, Path: f, Created: created}
			if err := tx.AddRecording(&r); err != nil {
				return err
			}
		}
		return nil
	})
	sdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "admin", "recordings", "sweep", "--db", db); err != nil || !strings.Contains(out, "1 recordings past their channel's retention deleted") {
		t.Fatalf("recordings sweep: %v\n%s", err, out)
	}
	if _, err := os.Stat(files[0]); !os.IsNotExist(err) {
		t.Errorf("the 31-day-old voicemail is still there: %v", err)
	}
	if _, err := os.Stat(files[1]); err != nil {
		t.Errorf("the 29-day-old voicemail went: %v", err)
	}
}
