package telephony_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/softphone"
)

// TestPresenceEvents: a softphone connecting and going away is announced as
// staff.presence events (what supervisors' boards and "why didn't I ring" use).
func TestPresenceEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := startStack(t, ctx, seedOperator("op@example.com"))
	c := client.New(st.url)
	me, err := c.Login(ctx, "op@example.com", "password-1")
	if err != nil {
		t.Fatal(err)
	}
	stream := c.Stream(ctx, 0)
	defer stream.Close()
	for s := range stream.Status() {
		if s.State == client.Connected {
			break
		}
	}
	phone, err := softphone.New(stream, softphone.WithLoopbackICE(), softphone.WithInputWAV(""), softphone.WithDenoise(false))
	if err != nil {
		t.Fatal(err)
	}
	if err := phone.Start(ctx); err != nil {
		t.Fatal(err)
	}
	want := func(online bool) {
		t.Helper()
		for {
			select {
			case ev := <-stream.Events():
				if ev.Type != api.EvStaffPresence || ev.StaffID != me.Staff.ID {
					continue
				}
				var d struct {
					Online bool `json:"online"`
				}
				if err := json.Unmarshal(ev.Data, &d); err != nil {
					t.Fatal(err)
				}
				if d.Online == online {
					return
				}
			case <-ctx.Done():
				t.Fatalf("no staff.presence online=%v event", online)
			}
		}
	}
	want(true)
	phone.Close()
	want(false)
}
