package httpapi_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/server/eventbus"
	"github.com/meet-dev/meet/server/httpapi"
	"github.com/meet-dev/meet/server/store/sqlite"

	_ "modernc.org/sqlite"
)

// fakeCalls records what the API delegated.
type fakeCalls struct {
	mu  sync.Mutex
	got []string
}

func (f *fakeCalls) note(s string) {
	f.mu.Lock()
	f.got = append(f.got, s)
	f.mu.Unlock()
}

func (f *fakeCalls) Accept(_ context.Context, staffID, callID int64) (api.JoinResult, error) {
	f.note("accept")
	return api.JoinResult{Call: api.Call{ID: callID}, Mode: api.ModeTalk, MuteOnJoin: true}, nil
}
func (f *fakeCalls) Decline(context.Context, int64, int64) error { f.note("decline"); return nil }
func (f *fakeCalls) Join(_ context.Context, _, callID int64, mode api.JoinMode) (api.JoinResult, error) {
	f.note("join " + string(mode))
	return api.JoinResult{Call: api.Call{ID: callID}, Mode: mode}, nil
}
func (f *fakeCalls) Invite(context.Context, int64, int64, int64) error { f.note("invite"); return nil }
func (f *fakeCalls) Leave(context.Context, int64, int64) error         { f.note("leave"); return nil }
func (f *fakeCalls) Hangup(context.Context, int64, int64) error {
	f.note("hangup")
	return api.Errorf(api.CodeInvalidTransition, "call already ended")
}
func (f *fakeCalls) Dial(_ context.Context, _, channelID int64, to string) (api.CallbackResult, error) {
	f.note("dial " + to)
	return api.CallbackResult{Call: api.Call{ChannelID: channelID, To: to}}, nil
}
func (f *fakeCalls) Callback(_ context.Context, _, chatID int64) (api.CallbackResult, error) {
	f.note("callback")
	return api.CallbackResult{Chat: api.Chat{ID: chatID + 1}}, nil
}
func (f *fakeCalls) CallEligibility(_ context.Context, callID int64) (api.Eligibility, error) {
	f.note("eligibility")
	return api.Eligibility{CallID: callID, InOperation: true}, nil
}
func (f *fakeCalls) StaffEligibility(_ context.Context, staffID int64) (api.StaffEligibility, error) {
	return api.StaffEligibility{StaffID: staffID, Channels: map[int64]api.IneligibleReason{1: api.IneligibleDND, 2: ""}}, nil
}

func TestCallRoutesWithoutLifecycle(t *testing.T) {
	e := newEnv(t)
	chat := e.chat(e.ch1.ID, "+4960", nil)
	call := e.call(chat, api.CallRinging)
	_, err := e.cOp1.Accept(ctx, call.ID)
	wantCode(t, err, api.CodeUnavailable)
	_, err = e.cOp1.Callback(ctx, chat.ID)
	wantCode(t, err, api.CodeUnavailable)
	_, err = e.cOp1.Dial(ctx, api.DialRequest{To: "+4961"})
	wantCode(t, err, api.CodeUnavailable)
	// Reading calls works from the store alone.
	got, err := e.cOp1.Call(ctx, call.ID)
	if err != nil || got.State != api.CallRinging {
		t.Fatalf("call = %+v %v", got, err)
	}
	live, err := e.cOp1.Calls(ctx, true, 0)
	if err != nil || len(live) != 1 {
		t.Fatalf("live = %+v %v", live, err)
	}
	if live, _ := e.cOp2.Calls(ctx, true, 0); len(live) != 0 {
		t.Fatalf("op2 sees %d calls of another channel", len(live))
	}
	_, err = e.cOp2.Call(ctx, call.ID)
	wantCode(t, err, api.CodeForbidden)
	if hist, err := e.cOp1.Calls(ctx, false, 0); err != nil || len(hist) != 1 || hist[0].ID != call.ID {
		t.Fatalf("history = %+v %v", hist, err)
	}
	_, err = e.cOp1.Calls(ctx, true, e.ch2.ID)
	wantCode(t, err, api.CodeForbidden)
}

func TestCallRoutesDelegate(t *testing.T) {
	f := &fakeCalls{}
	e := newEnv(t, httpapi.WithCallControl(f))
	chat := e.chat(e.ch1.ID, "+4970", nil)
	call := e.call(chat, api.CallRinging)
	if jr, err := e.cOp1.Accept(ctx, call.ID); err != nil || !jr.MuteOnJoin {
		t.Fatalf("accept = %+v %v", jr, err)
	}
	if err := e.cOp1.Decline(ctx, call.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cOp1.Join(ctx, call.ID, api.ModeTalk); err != nil {
		t.Fatal(err)
	}
	_, err := e.cOp1.Join(ctx, call.ID, api.ModeListen)
	wantCode(t, err, api.CodeForbidden)
	_, err = e.cSup.Join(ctx, call.ID, "spy")
	wantCode(t, err, api.CodeBadRequest)
	if jr, err := e.cSup.Join(ctx, call.ID, api.ModeWhisper); err != nil || jr.Mode != api.ModeWhisper {
		t.Fatalf("whisper = %+v %v", jr, err)
	}
	if err := e.cSup.Invite(ctx, call.ID, e.op1.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.cOp1.Leave(ctx, call.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.cOp1.Hangup(ctx, call.ID), api.CodeInvalidTransition)
	if el, err := e.cOp1.CallEligibility(ctx, call.ID); err != nil || !el.InOperation {
		t.Fatalf("eligibility = %+v %v", el, err)
	}
	if r, err := e.cOp1.Dial(ctx, api.DialRequest{To: "+4971"}); err != nil || r.Call.ChannelID != e.ch1.ID {
		t.Fatalf("dial = %+v %v", r, err)
	}
	_, err = e.cOp1.Dial(ctx, api.DialRequest{ChannelID: e.ch2.ID, To: "+4971"})
	wantCode(t, err, api.CodeForbidden)
	_, err = e.cAdm.Dial(ctx, api.DialRequest{To: "+4971"}) // admin has no channel: must name one
	wantCode(t, err, api.CodeBadRequest)
	if _, err := e.cOp1.Callback(ctx, chat.ID); err != nil {
		t.Fatal(err)
	}
	// Role and visibility are checked before delegating.
	_, err = e.cOp2.Accept(ctx, call.ID)
	wantCode(t, err, api.CodeForbidden)
	_, err = e.cOp1.Accept(ctx, 98765)
	wantCode(t, err, api.CodeNotFound)
	// "Why didn't I ring?" shows only the caller's channels.
	se, err := e.cOp1.StaffEligibility(ctx, e.op1.ID)
	if err != nil || len(se.Channels) != 1 || se.Channels[e.ch1.ID] != api.IneligibleDND {
		t.Fatalf("staff eligibility = %+v %v", se, err)
	}
	_, err = e.cOp1.StaffEligibility(ctx, e.op2.ID)
	wantCode(t, err, api.CodeForbidden)
	want := []string{"accept", "decline", "join talk", "join whisper", "invite", "leave", "hangup", "eligibility", "dial +4971", "callback"}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) != len(want) {
		t.Fatalf("delegated %v, want %v", f.got, want)
	}
	for i := range want {
		if f.got[i] != want[i] {
			t.Fatalf("delegated %v, want %v", f.got, want)
		}
	}
}

func TestLockedDatabaseAnswers503(t *testing.T) {
	e := newEnv(t)
	chat := e.chat(e.ch1.ID, "+4980", nil)
	other, err := sql.Open("sqlite", "file:"+e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	_, err = e.cOp1.AddTag(ctx, chat.ID, "x")
	wantCode(t, err, api.CodeStorageUnavailable)
	// Reads keep working (WAL) and show nothing half-written.
	got, err := e.cOp1.Chat(ctx, chat.ID)
	if err != nil || len(got.Tags) != 0 {
		t.Fatalf("read while locked = %+v %v", got, err)
	}
	conn.ExecContext(ctx, "ROLLBACK")
	if _, err := e.cOp1.AddTag(ctx, chat.ID, "x"); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
}

func TestReadOnlyDatabaseAnswers503(t *testing.T) {
	e := newEnv(t)
	chat := e.chat(e.ch1.ID, "+4990", nil)
	tok := e.cOp1.Token()
	e.srv.Close()
	e.db.Close()
	if err := os.Chmod(e.path, 0o444); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(e.path, sqlite.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := httpapi.New(db, eventbus.New(), httpapi.WithLogger(quiet))
	srv := newServer(t, a)
	c := client.New(srv, client.WithToken(tok))
	got, err := c.Chat(ctx, chat.ID)
	if err != nil || got.ID != chat.ID {
		t.Fatalf("read from read-only file = %+v %v", got, err)
	}
	_, err = c.AddTag(ctx, chat.ID, "x")
	wantCode(t, err, api.CodeReadOnly)
	_, err = client.New(srv).Login(ctx, "op1@example.com", password) // login writes a token
	wantCode(t, err, api.CodeReadOnly)
}

var _ = time.Second

func (f *fakeCalls) Hold(_ context.Context, staffID, callID int64) error {
	f.note("hold")
	return nil
}
func (f *fakeCalls) Resume(_ context.Context, staffID, callID int64) error {
	f.note("resume")
	return nil
}

func (f *fakeCalls) Transfer(_ context.Context, staffID, callID int64, req api.TransferRequest) (api.Call, error) {
	f.note("transfer " + req.To.String())
	if err := req.To.Validate(); err != nil {
		return api.Call{}, err
	}
	return api.Call{ID: callID, State: api.CallRinging}, nil
}
func (f *fakeCalls) CompleteTransfer(_ context.Context, staffID, callID int64) (api.Call, error) {
	f.note("complete")
	return api.Call{ID: callID, State: api.CallActive}, nil
}
func (f *fakeCalls) CancelTransfer(_ context.Context, staffID, callID int64) (api.Call, error) {
	f.note("cancel")
	return api.Call{ID: callID, State: api.CallActive}, nil
}

// TestTransferRoutes: the transfer routes decode the request, check the
// call's channel and delegate.
func TestTransferRoutes(t *testing.T) {
	f := &fakeCalls{}
	e := newEnv(t, httpapi.WithCallControl(f))
	call := e.call(e.chat(e.ch1.ID, "+4972", nil), api.CallActive)
	if c, err := e.cOp1.Transfer(ctx, call.ID, api.TransferRequest{To: api.TransferTarget{StaffID: e.op2.ID}}); err != nil || c.State != api.CallRinging {
		t.Fatalf("transfer = %+v %v", c, err)
	}
	_, err := e.cOp1.Transfer(ctx, call.ID, api.TransferRequest{})
	wantCode(t, err, api.CodeBadRequest)
	_, err = e.cOp2.Transfer(ctx, call.ID, api.TransferRequest{To: api.TransferTarget{TeamID: 1}}) // not op2's channel
	wantCode(t, err, api.CodeForbidden)
	if _, err := e.cOp1.CompleteTransfer(ctx, call.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cOp1.CancelTransfer(ctx, call.ID); err != nil {
		t.Fatal(err)
	}
	if ts, err := e.cOp1.Teams(ctx); err != nil || len(ts) != 1 || ts[0].ID != e.team.ID {
		t.Fatalf("teams = %+v %v", ts, err)
	}
	if ts, err := e.cOp2.Teams(ctx); err != nil || len(ts) != 0 { // not op2's channel
		t.Fatalf("op2 teams = %+v %v", ts, err)
	}
	_, err = e.cOp1.CompleteTransfer(ctx, 98765)
	wantCode(t, err, api.CodeNotFound)
	if got := strings.Join(f.got, ","); !strings.Contains(got, "transfer staff:") || !strings.Contains(got, "complete") || !strings.Contains(got, "cancel") {
		t.Fatalf("delegated %s", got)
	}
}
