package telephony_test

import (
	"context"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/internal/simcaller"
	"github.com/meet-dev/meet/server/trunk"
	"github.com/meet-dev/meet/softphone"
)

// TestCallbackFromMissedChat: a missed call's chat is called back; the trunk
// dials the customer (a simulated phone answering as a UAS), the operator
// talks to them, and the two chats are linked both ways.
func TestCallbackFromMissedChat(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	customer, err := simcaller.New("127.0.0.1", "+819055556666")
	if err != nil {
		t.Fatal(err)
	}
	defer customer.Close()
	customer.OnCall(func(from, to string) (simcaller.AnswerPlan, bool) {
		return simcaller.AnswerPlan{Delay: 300 * time.Millisecond, Audio: tone8k(600), TalkFor: 3 * time.Second}, to == "+819055556666"
	})
	uas, err := customer.ServeUDP(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	st := startStack(t, ctx, seedOperator("op@example.com"), func(c *stackConfig) {
		c.Outbound = &trunk.OutboundConfig{Proxy: uas.String(), CallerID: number}
	})
	c := client.New(st.url)
	if _, err := c.Login(ctx, "op@example.com", "password-1"); err != nil {
		t.Fatal(err)
	}
	// A missed call from the customer (nobody online, caller gives up).
	if _, err := customer.Call(ctx, st.sip, number, simcaller.CallPlan{HangupAfter: 500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	yes := true
	var missed api.Chat
	for {
		list, err := c.Chats(ctx, api.ChatQuery{Missed: &yes})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Chats) == 1 {
			missed = list.Chats[0]
			break
		}
		if ctx.Err() != nil {
			t.Fatal("missed chat never listed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The operator's softphone is connected; the callback joins them to the call.
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
	res, err := c.Callback(ctx, missed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Chat.ID == missed.ID || res.Chat.CallbackOf == nil || *res.Chat.CallbackOf != missed.ID || res.Call.Direction != api.Outbound {
		t.Fatalf("callback result %+v", res)
	}
	for len(customer.Answered()) == 0 {
		if ctx.Err() != nil {
			t.Fatal("the customer's phone never answered the callback")
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := customer.Answered()[0]
	if got.To != "+819055556666" || got.Packets == 0 {
		t.Fatalf("callback reached %+v", got)
	}
	var call api.Call
	for {
		call, err = c.Call(ctx, res.Call.ID)
		if err != nil {
			t.Fatal(err)
		}
		if call.State == api.CallEnded || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if call.Answered == nil {
		t.Fatalf("callback call %+v", call)
	}
	old, err := c.Chat(ctx, missed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(old.Callbacks) != 1 || old.Callbacks[0] != res.Chat.ID {
		t.Fatalf("old chat callbacks %v", old.Callbacks)
	}
	evs, err := c.ChatEvents(ctx, missed.ID)
	if err != nil {
		t.Fatal(err)
	}
	linked := false
	for _, e := range evs {
		linked = linked || e.Type == api.EvChatLinked
	}
	if !linked {
		t.Fatal("the missed chat's timeline does not record the callback")
	}
}
