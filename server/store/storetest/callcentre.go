package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// testMenuAndMenuPath: a channel's IVR menu and a chat's menu path are
// stored and read back; a nil menu removes it.
func testMenuAndMenuPath(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	f := seed(t, db)
	menu := &api.Menu{Root: "main", Nodes: []api.MenuNode{{ID: "main", TimeoutS: 4,
		Keys: map[string]api.MenuAction{"1": {Kind: api.MenuTeam, TeamID: f.team.ID}, "0": {Kind: api.MenuEveryone}}}}}
	ctx := context.Background()
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.SetMenu(f.channel.ID, menu); err != nil {
			return err
		}
		c, err := tx.Chat(f.chat.ID)
		if err != nil {
			return err
		}
		c.MenuPath = "1/2"
		return tx.UpdateChat(&c)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(ctx, func(tx store.Tx) error {
		c, err := tx.Channel(f.channel.ID)
		if err != nil || !reflect.DeepEqual(c.Menu, menu) {
			t.Fatalf("menu %+v %v", c.Menu, err)
		}
		ch, err := tx.Chat(f.chat.ID)
		if err != nil || ch.MenuPath != "1/2" {
			t.Fatalf("menu path %q %v", ch.MenuPath, err)
		}
		return nil
	})
	db.Update(ctx, func(tx store.Tx) error { return tx.SetMenu(f.channel.ID, nil) })
	db.View(ctx, func(tx store.Tx) error {
		if c, _ := tx.Channel(f.channel.ID); c.Menu != nil {
			t.Fatalf("menu not removed: %+v", c.Menu)
		}
		return nil
	})
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.SetMenu(9999, nil) }); api.CodeOf(err) != api.CodeNotFound {
		t.Fatalf("menu of a missing channel: %v", err)
	}
}

// testVoicemailAndRecordings: a channel's voicemail settings and a call's
// hold time are stored;
// a voicemail recording is listed on its chat, marks it and reads back.
func testVoicemailAndRecordings(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	f := seed(t, db)
	ctx := context.Background()
	var rec api.Recording
	err := db.Update(ctx, func(tx store.Tx) error {
		c, err := tx.Channel(f.channel.ID)
		if err != nil {
			return err
		}
		c.Voicemail, c.VoicemailMaxS, c.Recording, c.RecordingDays, c.VoicemailDays = true, 90, true, 2, 3
		if err := tx.UpdateChannel(&c); err != nil {
			return err
		}
		call := api.Call{ChatID: f.chat.ID, ChannelID: f.channel.ID, Direction: api.Inbound, From: "+4917000", To: "+4930123",
			State: api.CallEnded, Created: time.Unix(1_800_000_000, 0)}
		if err := tx.CreateCall(&call); err != nil {
			return err
		}
		held := time.Unix(1_800_000_050, 0).UTC()
		call.HeldS, call.HeldSince = 7, &held
		if err := tx.UpdateCall(&call); err != nil {
			return err
		}
		if got, err := tx.Call(call.ID); err != nil || got.HeldS != 7 || got.HeldSince == nil || !got.HeldSince.Equal(held) {
			t.Errorf("held call read back: %d %v %v", got.HeldS, got.HeldSince, err)
		}
		rec = api.Recording{ChatID: f.chat.ID, CallID: call.ID, ChannelID: f.channel.ID, Kind: api.RecordingVoicemail,
			Path: "/data/recordings/voicemail/1.wav", DurationMS: 4200, Bytes: 67244, Created: time.Unix(1_800_000_100, 0).UTC()}
		if err := tx.AddRecording(&rec); err != nil {
			return err
		}
		callRec := rec
		callRec.ID, callRec.Kind, callRec.Path = 0, api.RecordingCall, "/data/recordings/calls/1.wav"
		return tx.AddRecording(&callRec)
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID == 0 {
		t.Fatal("no recording id")
	}
	db.View(ctx, func(tx store.Tx) error {
		c, err := tx.Channel(f.channel.ID)
		if err != nil || !c.Voicemail || c.VoicemailMaxS != 90 {
			t.Fatalf("channel voicemail %v %d %v", c.Voicemail, c.VoicemailMaxS, err)
		}
		ch, err := tx.Chat(f.chat.ID)
		if err != nil || !ch.Voicemail {
			t.Fatalf("chat voicemail marker %v %v", ch.Voicemail, err)
		}
		got, err := tx.Recording(rec.ID)
		if err != nil || !reflect.DeepEqual(got, rec) {
			t.Fatalf("recording %+v %v, want %+v", got, err, rec)
		}
		list, err := tx.ChatRecordings(f.chat.ID)
		if err != nil || len(list) != 2 || list[0].ID != rec.ID {
			t.Fatalf("chat recordings %+v %v", list, err)
		}
		if !c.Recording || c.RecordingDays != 2 || c.VoicemailDays != 3 || !ch.Recorded {
			t.Fatalf("recording settings %v %d %d, chat recorded %v", c.Recording, c.RecordingDays, c.VoicemailDays, ch.Recorded)
		}
		// Call recordings expire after 2 days, voicemails after 3, oldest first.
		for _, x := range []struct {
			after time.Duration
			want  []api.RecordingKind
		}{{time.Hour, nil}, {47 * time.Hour, nil}, {49 * time.Hour, []api.RecordingKind{api.RecordingCall}},
			{73 * time.Hour, []api.RecordingKind{api.RecordingVoicemail, api.RecordingCall}}} {
			due, err := tx.ExpiredRecordings(rec.Created.Add(x.after), "", 10)
			var kinds []api.RecordingKind
			for _, d := range due {
				kinds = append(kinds, d.Kind)
			}
			if err != nil || !reflect.DeepEqual(kinds, x.want) {
				t.Fatalf("expired after %v: %+v %v (want %v)", x.after, due, err, x.want)
			}
		}
		// Another cluster node sweeps only the files on its own disk: none of these.
		if due, err := tx.ExpiredRecordings(rec.Created.Add(73*time.Hour), "node-b", 10); err != nil || len(due) != 0 {
			t.Fatalf("due for another node: %+v %v", due, err)
		}
		if _, err := tx.Recording(rec.ID + 100); api.CodeOf(err) != api.CodeNotFound {
			t.Fatalf("missing recording: %v", err)
		}
		return nil
	})
	at := rec.Created.Add(73 * time.Hour).UTC()
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.ExpireRecording(rec.ID, at) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.ExpireRecording(rec.ID, at) }); api.CodeOf(err) != api.CodeNotFound {
		t.Fatalf("expiring twice: %v", err)
	}
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.ExpireRecording(rec.ID+100, at) }); api.CodeOf(err) != api.CodeNotFound {
		t.Fatalf("expiring a missing recording: %v", err)
	}
	db.View(ctx, func(tx store.Tx) error {
		got, err := tx.Recording(rec.ID)
		if err != nil || got.Expired == nil || !got.Expired.Equal(at) || got.Path != "" || got.DurationMS != rec.DurationMS {
			t.Fatalf("expired recording read back: %+v %v", got, err)
		}
		list, err := tx.ChatRecordings(f.chat.ID)
		if err != nil || len(list) != 2 || list[0].Expired == nil || list[1].Expired != nil {
			t.Fatalf("chat recordings after expiry: %+v %v", list, err)
		}
		due, err := tx.ExpiredRecordings(at, "", 10)
		if err != nil || len(due) != 1 || due[0].Kind != api.RecordingCall {
			t.Fatalf("due after one expired: %+v %v", due, err)
		}
		return nil
	})
}
