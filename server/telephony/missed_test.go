package telephony_test

import (
	"context"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/internal/simcaller"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/softphone"
)

const closedNumber = "+81500000002"

// TestMissedReasons places real SIP calls that end unanswered for each
// reason of SPEC §2.5 and checks each is listed as a closed missed chat
// with that reason.
func TestMissedReasons(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st := startStack(t, ctx, func(tx store.Tx) error {
		open := api.Channel{Name: "support", Timezone: "Asia/Tokyo", RingTimeoutS: 2, MaxWaitS: 2, Hours: api.Hours{AlwaysOpen: true}}
		if err := tx.CreateChannel(&open); err != nil {
			return err
		}
		closed := api.Channel{Name: "closed", Timezone: "Asia/Tokyo", Hours: api.Hours{Closed: true}}
		if err := tx.CreateChannel(&closed); err != nil {
			return err
		}
		if err := tx.AddNumber(open.ID, number); err != nil {
			return err
		}
		if err := tx.AddNumber(closed.ID, closedNumber); err != nil {
			return err
		}
		hash, _ := inbox.HashPassword("password-1")
		s := api.Staff{Email: "sv@example.com", Role: api.RoleSupervisor, Channels: []int64{open.ID, closed.ID}}
		return tx.CreateStaff(&s, hash)
	})
	c := client.New(st.url)
	if _, err := c.Login(ctx, "sv@example.com", "password-1"); err != nil {
		t.Fatal(err)
	}
	call := func(to string, plan simcaller.CallPlan) simcaller.Result {
		p, err := simcaller.New("127.0.0.1", "+819033334444")
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if _, err := p.ServeUDP(ctx, "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		res, err := p.Call(ctx, st.sip, to, plan)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	expect := func(reason api.MissedReason) {
		t.Helper()
		yes := true
		for {
			list, err := c.Chats(ctx, api.ChatQuery{Missed: &yes, Reason: reason})
			if err != nil {
				t.Fatal(err)
			}
			if len(list.Chats) == 1 {
				ch := list.Chats[0]
				if ch.State != api.ChatClosed || ch.MissedReason != reason {
					t.Fatalf("%s: chat %+v", reason, ch)
				}
				return
			}
			if ctx.Err() != nil {
				t.Fatalf("no missed chat with reason %s (%d)", reason, len(list.Chats))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// Out of hours: guidance, then the call ends unanswered.
	if res := call(closedNumber, simcaller.CallPlan{HangupAfter: 20 * time.Second}); res.Answered {
		t.Fatalf("closed line answered: %+v", res.Status)
	}
	expect(api.ReasonNotInOperation)

	// Nobody online: waits max wait (2 s), then noOperator.
	if res := call(number, simcaller.CallPlan{HangupAfter: 20 * time.Second}); res.Answered {
		t.Fatal("answered with nobody online")
	}
	expect(api.ReasonNoOperator)

	// The caller gives up while waiting.
	call(number, simcaller.CallPlan{HangupAfter: 800 * time.Millisecond})
	expect(api.ReasonUserLeft)

	// Someone online who does not answer: ring timeout (2 s).
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
	defer phone.Close()
	if err := phone.Start(ctx); err != nil {
		t.Fatal(err)
	}
	me, _ := c.Me(ctx)
	for !st.tel.Rooms.Online(me.ID) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	call(number, simcaller.CallPlan{HangupAfter: 20 * time.Second})
	expect(api.ReasonRingTimeout)
}
