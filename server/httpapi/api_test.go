package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/server/httpapi"
)

func asAPI(err error, ae **api.Error) bool { return errors.As(err, ae) }

var ctx = context.Background()

func TestLoginLogoutAndTokens(t *testing.T) {
	e := newEnv(t)
	c := client.New(e.srv.URL)
	_, err := c.Login(ctx, "op1@example.com", "wrong-password")
	wantCode(t, err, api.CodeUnauthorized)
	_, err = c.Login(ctx, "nobody@example.com", password)
	wantCode(t, err, api.CodeUnauthorized)
	_, err = c.Login(ctx, "", "")
	wantCode(t, err, api.CodeBadRequest)
	_, err = e.cNo.Me(ctx)
	wantCode(t, err, api.CodeUnauthorized)
	_, err = client.New(e.srv.URL, client.WithToken("forged")).Me(ctx)
	wantCode(t, err, api.CodeUnauthorized)

	res, err := c.Login(ctx, "OP1@example.com", password)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Token) < 40 || res.Staff.ID != e.op1.ID || !res.Expires.After(time.Now().Add(24*time.Hour)) {
		t.Fatalf("login = %+v", res)
	}
	me, err := c.Me(ctx)
	if err != nil || me.Email != "op1@example.com" || me.Role != api.RoleOperator {
		t.Fatalf("me = %+v %v", me, err)
	}
	tok := c.Token()
	if err := c.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = client.New(e.srv.URL, client.WithToken(tok)).Me(ctx)
	wantCode(t, err, api.CodeUnauthorized)

	// Tokens expire.
	now := time.Now()
	e2 := newEnv(t, httpapi.WithClock(func() time.Time { return now }), httpapi.WithTokenTTL(time.Hour))
	c2 := e2.login("op1@example.com")
	if _, err := c2.Me(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	_, err = c2.Me(ctx)
	wantCode(t, err, api.CodeUnauthorized)
}

func TestRolesAndChannelVisibility(t *testing.T) {
	e := newEnv(t)
	c1 := e.chat(e.ch1.ID, "+4911", nil)
	c2 := e.chat(e.ch2.ID, "+4922", nil)

	// Admin routes are admin-only.
	for _, c := range []*client.Client{e.cOp1, e.cSup} {
		_, err := c.AdminCreateChannel(ctx, api.Channel{Name: "x"})
		wantCode(t, err, api.CodeForbidden)
		_, err = c.AdminStaff(ctx)
		wantCode(t, err, api.CodeForbidden)
		_, err = c.AdminCreateStaff(ctx, api.AdminStaffRequest{Email: "x@example.com", Password: password, Role: api.RoleAdmin})
		wantCode(t, err, api.CodeForbidden)
		_, err = c.AdminAddNumber(ctx, e.ch1.ID, "+999")
		wantCode(t, err, api.CodeForbidden)
	}
	// Operators see only their channels.
	l, err := e.cOp1.Chats(ctx, api.ChatQuery{})
	if err != nil || len(l.Chats) != 1 || l.Chats[0].ID != c1.ID {
		t.Fatalf("op1 chats = %+v %v", l, err)
	}
	_, err = e.cOp1.Chat(ctx, c2.ID)
	wantCode(t, err, api.CodeForbidden)
	_, err = e.cOp1.AddTag(ctx, c2.ID, "x")
	wantCode(t, err, api.CodeForbidden)
	_, err = e.cOp1.Chats(ctx, api.ChatQuery{ChannelID: e.ch2.ID})
	wantCode(t, err, api.CodeForbidden)
	_, err = e.cOp1.Customer(ctx, c2.Customer.ID)
	wantCode(t, err, api.CodeForbidden)
	chans, err := e.cOp1.Channels(ctx)
	if err != nil || len(chans) != 1 || chans[0].ID != e.ch1.ID {
		t.Fatalf("op1 channels = %+v %v", chans, err)
	}
	staff, err := e.cOp1.StaffList(ctx)
	if err != nil || len(staff) != 2 { // op1 and sup share support
		t.Fatalf("op1 staff = %+v %v", staff, err)
	}
	// Admins see everything.
	l, err = e.cAdm.Chats(ctx, api.ChatQuery{})
	if err != nil || len(l.Chats) != 2 {
		t.Fatalf("admin chats = %d %v", len(l.Chats), err)
	}
	all, err := e.cAdm.AdminStaff(ctx)
	if err != nil || len(all) != 4 {
		t.Fatalf("admin staff = %d %v", len(all), err)
	}
}

func TestInboxRoutes(t *testing.T) {
	e := newEnv(t)
	yes := true
	chat := e.chat(e.ch1.ID, "+4930111", func(c *api.Chat) {
		c.State, c.Missed, c.MissedReason = api.ChatClosed, true, api.ReasonNoOperator
		now := time.Now()
		c.Closed = &now
	})
	e.chat(e.ch1.ID, "+4930222", nil)

	l, err := e.cOp1.Chats(ctx, api.ChatQuery{Missed: &yes, Reason: api.ReasonNoOperator})
	if err != nil || len(l.Chats) != 1 || l.Chats[0].ID != chat.ID {
		t.Fatalf("missed = %+v %v", l, err)
	}
	// Reopen, snooze, close.
	opened := api.ChatOpened
	c, err := e.cOp1.PatchChat(ctx, chat.ID, api.ChatPatch{State: &opened, AssigneeID: &e.op1.ID, TeamID: &e.team.ID})
	if err != nil || c.State != api.ChatOpened || c.AssigneeID == nil || *c.AssigneeID != e.op1.ID || c.Closed != nil {
		t.Fatalf("reopen = %+v %v", c, err)
	}
	_, err = e.cOp1.PatchChat(ctx, chat.ID, api.ChatPatch{State: &opened})
	wantCode(t, err, api.CodeInvalidTransition)
	snoozed := api.ChatSnoozed
	_, err = e.cOp1.PatchChat(ctx, chat.ID, api.ChatPatch{State: &snoozed})
	wantCode(t, err, api.CodeBadRequest)
	until := time.Now().Add(time.Hour)
	c, err = e.cOp1.PatchChat(ctx, chat.ID, api.ChatPatch{State: &snoozed, SnoozedUntil: &until})
	if err != nil || c.State != api.ChatSnoozed || c.SnoozedUntil == nil {
		t.Fatalf("snooze = %+v %v", c, err)
	}
	_, err = e.cOp1.PatchChat(ctx, chat.ID, api.ChatPatch{AssigneeID: &e.op2.ID}) // op2 is not in support
	wantCode(t, err, api.CodeBadRequest)
	// A chat with a live call cannot be closed.
	e.call(chat, api.CallActive)
	closed := api.ChatClosed
	_, err = e.cOp1.PatchChat(ctx, chat.ID, api.ChatPatch{State: &closed})
	wantCode(t, err, api.CodeInvalidTransition)

	// Tags, followers, memos, messages.
	c, err = e.cOp1.AddTag(ctx, chat.ID, "vip")
	if err != nil || len(c.Tags) != 1 {
		t.Fatalf("tag = %+v %v", c, err)
	}
	c, err = e.cOp1.AddTag(ctx, chat.ID, "needs callback")
	if err != nil || len(c.Tags) != 2 {
		t.Fatalf("tag 2 = %+v %v", c.Tags, err)
	}
	c, err = e.cOp1.RemoveTag(ctx, chat.ID, "needs callback")
	if err != nil || len(c.Tags) != 1 {
		t.Fatalf("untag = %+v %v", c.Tags, err)
	}
	_, err = e.cOp1.RemoveTag(ctx, chat.ID, "absent")
	wantCode(t, err, api.CodeNotFound)
	_, err = e.cOp1.AddTag(ctx, chat.ID, "  ")
	wantCode(t, err, api.CodeBadRequest)
	c, err = e.cOp1.AddFollower(ctx, chat.ID, e.sup.ID)
	if err != nil || len(c.Followers) != 1 {
		t.Fatalf("follow = %+v %v", c, err)
	}
	_, err = e.cOp1.AddFollower(ctx, chat.ID, 9999)
	wantCode(t, err, api.CodeNotFound)
	m, err := e.cOp1.AddMemo(ctx, chat.ID, "called about invoice 42")
	if err != nil || m.ID == 0 || m.StaffID != e.op1.ID {
		t.Fatalf("memo = %+v %v", m, err)
	}
	if ms, err := e.cSup.Memos(ctx, chat.ID); err != nil || len(ms) != 1 {
		t.Fatalf("memos = %+v %v", ms, err)
	}
	if _, err := e.cSup.AddMessage(ctx, chat.ID, "I'll take it"); err != nil {
		t.Fatal(err)
	}
	if ms, err := e.cOp1.Messages(ctx, chat.ID); err != nil || len(ms) != 1 || ms[0].StaffID != e.sup.ID {
		t.Fatalf("messages = %+v %v", ms, err)
	}
	_, err = e.cOp1.AddMemo(ctx, chat.ID, "")
	wantCode(t, err, api.CodeBadRequest)
	// Text search finds memo text and customer numbers.
	for _, q := range []string{"invoice", "30111"} {
		l, err := e.cOp1.Chats(ctx, api.ChatQuery{Q: q})
		if err != nil || len(l.Chats) != 1 || l.Chats[0].ID != chat.ID {
			t.Fatalf("q=%s: %+v %v", q, l.Chats, err)
		}
	}
	l, err = e.cOp1.Chats(ctx, api.ChatQuery{Tag: "vip", State: api.ChatSnoozed})
	if err != nil || len(l.Chats) != 1 {
		t.Fatalf("tag+state: %+v %v", l, err)
	}
	l, err = e.cOp1.Chats(ctx, api.ChatQuery{AssigneeID: &e.op1.ID})
	if err != nil || len(l.Chats) != 1 {
		t.Fatalf("assignee: %+v %v", l, err)
	}
	// Timeline and calls.
	evs, err := e.cOp1.ChatEvents(ctx, chat.ID)
	if err != nil {
		t.Fatal(err)
	}
	types := map[api.EventType]int{}
	for _, ev := range evs {
		types[ev.Type]++
	}
	if types[api.EvChatUpdated] != 2 || types[api.EvChatTagged] != 2 || types[api.EvChatUntagged] != 1 ||
		types[api.EvMemoAdded] != 1 || types[api.EvMessageAdded] != 1 || types[api.EvChatFollowed] != 1 || types[api.EvCallCreated] != 1 {
		t.Fatalf("timeline types = %v", types)
	}
	calls, err := e.cOp1.ChatCalls(ctx, chat.ID)
	if err != nil || len(calls) != 1 {
		t.Fatalf("chat calls = %+v %v", calls, err)
	}
	// Customer profile.
	name := "Erika Mustermann"
	prof := map[string]string{"company": "ACME", "plan": "gold"}
	cu, err := e.cOp1.PatchCustomer(ctx, chat.Customer.ID, api.CustomerPatch{Name: &name, Profile: &prof})
	if err != nil || cu.Name != name || cu.Profile["plan"] != "gold" {
		t.Fatalf("customer = %+v %v", cu, err)
	}
	big := map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}
	_, err = e.cOp1.PatchCustomer(ctx, chat.Customer.ID, api.CustomerPatch{Profile: &big})
	wantCode(t, err, api.CodeBadRequest)
	if cu, err := e.cOp1.Customer(ctx, chat.Customer.ID); err != nil || cu.Name != name {
		t.Fatalf("get customer = %+v %v", cu, err)
	}
	// Unknown ids.
	_, err = e.cOp1.Chat(ctx, 424242)
	wantCode(t, err, api.CodeNotFound)
	_, err = e.cOp1.Customer(ctx, 424242)
	wantCode(t, err, api.CodeNotFound)
	_, err = e.cOp1.Call(ctx, 424242)
	wantCode(t, err, api.CodeNotFound)
}

func TestSettings(t *testing.T) {
	e := newEnv(t)
	s, err := e.cOp1.Settings(ctx)
	if err != nil || s.DND || !s.NotificationOn(e.ch1.ID) {
		t.Fatalf("default = %+v %v", s, err)
	}
	s, err = e.cOp1.PutSettings(ctx, api.Settings{DND: true, MuteOnJoin: true, UnassignedCallNotification: map[int64]bool{e.ch1.ID: false}})
	if err != nil || !s.DND || !s.MuteOnJoin || s.NotificationOn(e.ch1.ID) {
		t.Fatalf("put = %+v %v", s, err)
	}
	_, err = e.cOp1.PutSettings(ctx, api.Settings{UnassignedCallNotification: map[int64]bool{e.ch2.ID: false}})
	wantCode(t, err, api.CodeBadRequest)
	if s, _ := e.cOp1.Settings(ctx); !s.DND {
		t.Fatal("settings not kept")
	}
}

func TestAdminRoutes(t *testing.T) {
	e := newEnv(t)
	ch, err := e.cAdm.AdminCreateChannel(ctx, api.Channel{Name: "billing", Timezone: "Asia/Tokyo"})
	if err != nil || ch.ID == 0 || ch.RingTimeoutS != 30 || ch.Timezone != "Asia/Tokyo" {
		t.Fatalf("create = %+v %v", ch, err)
	}
	_, err = e.cAdm.AdminCreateChannel(ctx, api.Channel{Name: "billing"})
	wantCode(t, err, api.CodeConflict)
	_, err = e.cAdm.AdminCreateChannel(ctx, api.Channel{Name: "x", Timezone: "Mars/Olympus"})
	wantCode(t, err, api.CodeBadRequest)
	ch, err = e.cAdm.AdminAddNumber(ctx, ch.ID, "+81 3-1234-5678")
	if err != nil || len(ch.Numbers) != 1 || ch.Numbers[0] != "+81312345678" {
		t.Fatalf("number = %+v %v", ch, err)
	}
	_, err = e.cAdm.AdminAddNumber(ctx, e.ch1.ID, "+81312345678")
	wantCode(t, err, api.CodeConflict)
	_, err = e.cAdm.AdminAddNumber(ctx, ch.ID, "call me")
	wantCode(t, err, api.CodeBadRequest)
	hours := api.Hours{Weekly: []api.Span{{Day: time.Monday, Start: "09:00", End: "18:00"}}, Holidays: []string{"2026-12-25"}}
	ch, err = e.cAdm.AdminSetHours(ctx, ch.ID, hours)
	if err != nil || len(ch.Hours.Weekly) != 1 || ch.Hours.Holidays[0] != "2026-12-25" {
		t.Fatalf("hours = %+v %v", ch.Hours, err)
	}
	_, err = e.cAdm.AdminSetHours(ctx, ch.ID, api.Hours{Weekly: []api.Span{{Day: 9, Start: "09:00", End: "10:00"}}})
	wantCode(t, err, api.CodeBadRequest)
	tm, err := e.cAdm.AdminCreateTeam(ctx, api.Team{ChannelID: ch.ID, Name: "night", AutoAssign: true, Strategy: api.StrategyRoundRobin})
	if err != nil || tm.ID == 0 {
		t.Fatalf("team = %+v %v", tm, err)
	}
	_, err = e.cAdm.AdminCreateTeam(ctx, api.Team{ChannelID: ch.ID, Name: "bad", Strategy: "random"})
	wantCode(t, err, api.CodeBadRequest)
	rt, mw := 15, 60
	ch, err = e.cAdm.AdminPatchChannel(ctx, ch.ID, api.ChannelPatch{RingTimeoutS: &rt, MaxWaitS: &mw, AutoAssignTeamID: &tm.ID})
	if err != nil || ch.RingTimeoutS != 15 || ch.MaxWaitS != 60 || ch.AutoAssignTeamID == nil || *ch.AutoAssignTeamID != tm.ID {
		t.Fatalf("patch = %+v %v", ch, err)
	}
	_, err = e.cAdm.AdminPatchChannel(ctx, ch.ID, api.ChannelPatch{AutoAssignTeamID: &e.team.ID}) // team of another channel
	wantCode(t, err, api.CodeBadRequest)
	off := int64(0)
	if ch, err = e.cAdm.AdminPatchChannel(ctx, ch.ID, api.ChannelPatch{AutoAssignTeamID: &off}); err != nil || ch.AutoAssignTeamID != nil {
		t.Fatalf("auto-assign off = %+v %v", ch, err)
	}
	st, err := e.cAdm.AdminCreateStaff(ctx, api.AdminStaffRequest{Email: "new@example.com", Name: "Nia", Password: password,
		Role: api.RoleSupervisor, Channels: []int64{ch.ID}, Teams: []int64{tm.ID}})
	if err != nil || st.ID == 0 || len(st.Teams) != 1 {
		t.Fatalf("staff = %+v %v", st, err)
	}
	_, err = e.cAdm.AdminCreateStaff(ctx, api.AdminStaffRequest{Email: "new@example.com", Password: password, Role: api.RoleOperator})
	wantCode(t, err, api.CodeConflict)
	_, err = e.cAdm.AdminCreateStaff(ctx, api.AdminStaffRequest{Email: "x@example.com", Password: password, Role: "boss"})
	wantCode(t, err, api.CodeBadRequest)
	_, err = e.cAdm.AdminCreateStaff(ctx, api.AdminStaffRequest{Email: "x@example.com", Password: "short", Role: api.RoleOperator})
	wantCode(t, err, api.CodeBadRequest)
	_, err = e.cAdm.AdminCreateStaff(ctx, api.AdminStaffRequest{Email: "x@example.com", Password: password, Role: api.RoleOperator, Teams: []int64{tm.ID}})
	wantCode(t, err, api.CodeBadRequest) // team outside the staff's channels
	if _, err := e.login("new@example.com").Me(ctx); err != nil {
		t.Fatal(err)
	}
	tm, err = e.cAdm.AdminAddTeamMember(ctx, e.team.ID, e.sup.ID)
	if err != nil || len(tm.Members) != 2 {
		t.Fatalf("member = %+v %v", tm, err)
	}
	_, err = e.cAdm.AdminAddTeamMember(ctx, e.team.ID, e.op2.ID) // not in the channel
	wantCode(t, err, api.CodeBadRequest)
	teams, err := e.cAdm.AdminTeams(ctx)
	if err != nil || len(teams) != 2 {
		t.Fatalf("teams = %d %v", len(teams), err)
	}
	// Guidance needs the media side.
	err = e.cAdm.AdminUploadGuidance(ctx, ch.ID, api.GuidanceGreeting, strings.NewReader("RIFF"))
	wantCode(t, err, api.CodeUnavailable)
	err = e.cAdm.AdminUploadGuidance(ctx, ch.ID, "jingle", strings.NewReader("RIFF"))
	wantCode(t, err, api.CodeBadRequest)
	err = e.cAdm.AdminUploadGuidance(ctx, 9999, api.GuidanceGreeting, strings.NewReader("RIFF"))
	wantCode(t, err, api.CodeNotFound)
}

type fakeGuidance struct{ got []byte }

func (f *fakeGuidance) SetGuidance(_ context.Context, _ int64, _ api.GuidanceKind, wav io.Reader) error {
	b, err := io.ReadAll(wav)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(b, []byte("RIFF")) {
		return api.Errorf(api.CodeUnsupportedMedia, "not a WAV file: no RIFF header")
	}
	f.got = b
	return nil
}

func TestGuidanceUploadDelegates(t *testing.T) {
	g := &fakeGuidance{}
	e := newEnv(t, httpapi.WithGuidanceStore(g))
	if err := e.cAdm.AdminUploadGuidance(ctx, e.ch1.ID, api.GuidanceWait, strings.NewReader("RIFF....WAVE")); err != nil {
		t.Fatal(err)
	}
	if string(g.got) != "RIFF....WAVE" {
		t.Fatalf("got %q", g.got)
	}
	err := e.cAdm.AdminUploadGuidance(ctx, e.ch1.ID, api.GuidanceWait, strings.NewReader("OggS"))
	wantCode(t, err, api.CodeUnsupportedMedia)
}

// raw sends a request with a literal body.
func raw(t *testing.T, e *env, c *client.Client, method, path, body string) (int, api.ErrorBody) {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if c != nil {
		req.Header.Set("Authorization", "Bearer "+c.Token())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb api.ErrorBody
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		if err := decodeStrict(b, &eb); err != nil {
			t.Fatalf("%s %s: error body %q is not an api error: %v", method, path, b, err)
		}
	}
	return resp.StatusCode, eb
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	chat := e.chat(e.ch1.ID, "+4940", nil)
	p := fmt.Sprintf("/v1/chats/%d", chat.ID)
	cases := []struct {
		name, method, path, body string
		c                        *client.Client
		status                   int
		code                     api.Code
	}{
		{"malformed", "PATCH", p, `{"state":`, e.cOp1, 400, api.CodeInvalidJSON},
		{"not json", "PATCH", p, `state=closed`, e.cOp1, 400, api.CodeInvalidJSON},
		{"empty", "POST", p + "/memos", ``, e.cOp1, 400, api.CodeInvalidJSON},
		{"trailing", "POST", p + "/memos", `{"text":"a"} {"text":"b"}`, e.cOp1, 400, api.CodeInvalidJSON},
		{"unknown field", "PATCH", p, `{"state":"closed","colour":"red"}`, e.cOp1, 400, api.CodeUnknownField},
		{"wrong type", "PATCH", p, `{"assignee_id":"me"}`, e.cOp1, 400, api.CodeBadRequest},
		{"wrong type array", "POST", p + "/tags", `["vip"]`, e.cOp1, 400, api.CodeBadRequest},
		{"bad time", "PATCH", p, `{"state":"snoozed","snoozed_until":"tomorrow"}`, e.cOp1, 400, api.CodeBadRequest},
		{"bad state", "PATCH", p, `{"state":"archived"}`, e.cOp1, 400, api.CodeBadRequest},
		{"too large", "POST", p + "/memos", `{"text":"` + strings.Repeat("x", 2<<20) + `"}`, e.cOp1, 413, api.CodeTooLarge},
		{"no auth", "GET", p, ``, nil, 401, api.CodeUnauthorized},
		{"wrong role", "POST", "/v1/admin/channels", `{"name":"x"}`, e.cOp1, 403, api.CodeForbidden},
		{"unknown chat", "GET", "/v1/chats/999999", ``, e.cOp1, 404, api.CodeNotFound},
		{"bad id", "GET", "/v1/chats/abc", ``, e.cOp1, 400, api.CodeBadRequest},
		{"negative id", "GET", "/v1/chats/-3", ``, e.cOp1, 400, api.CodeBadRequest},
		{"unknown route", "GET", "/v1/nope", ``, e.cOp1, 404, api.CodeNotFound},
		{"wrong method", "PUT", p, `{}`, e.cOp1, 405, api.CodeBadRequest},
		{"bad filter", "GET", "/v1/chats?reason=bored", ``, e.cOp1, 400, api.CodeBadRequest},
		{"bad missed", "GET", "/v1/chats?missed=maybe", ``, e.cOp1, 400, api.CodeBadRequest},
		{"bad limit", "GET", "/v1/chats?limit=5000", ``, e.cOp1, 400, api.CodeBadRequest},
		{"bad date", "GET", "/v1/chats?from=yesterday", ``, e.cOp1, 400, api.CodeBadRequest},
		{"bad cursor", "GET", "/v1/chats?cursor=xyz", ``, e.cOp1, 400, api.CodeBadRequest},
		{"invalid transition", "PATCH", p, `{"state":"opened"}`, e.cOp1, 409, api.CodeInvalidTransition},
		{"login unknown field", "POST", "/v1/login", `{"email":"a","password":"b","otp":1}`, nil, 400, api.CodeUnknownField},
		{"bad join mode", "POST", "/v1/calls/1/join", `{"mode":"spy"}`, e.cOp1, 404, api.CodeNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, eb := raw(t, e, c.c, c.method, c.path, c.body)
			if status != c.status || eb.Error.Code != c.code || eb.Error.Message == "" {
				t.Fatalf("%d %+v, want %d %s", status, eb, c.status, c.code)
			}
		})
	}
	// Nothing was changed by the failures.
	got, err := e.cOp1.Chat(ctx, chat.ID)
	if err != nil || got.State != api.ChatOpened || len(got.Tags) != 0 {
		t.Fatalf("chat after bad input = %+v %v", got, err)
	}
	if ms, _ := e.cOp1.Memos(ctx, chat.ID); len(ms) != 0 {
		t.Fatalf("memos after bad input: %d", len(ms))
	}
}

func TestConcurrentTagsLoseNothing(t *testing.T) {
	e := newEnv(t)
	chat := e.chat(e.ch1.ID, "+4950", nil)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := e.cOp1
			if i%2 == 1 {
				c = e.cSup
			}
			if _, err := c.AddTag(ctx, chat.ID, fmt.Sprintf("tag-%02d", i)); err != nil {
				errs <- err
			}
			if _, err := c.AddMemo(ctx, chat.ID, fmt.Sprintf("memo %d", i)); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := e.cOp1.Chat(ctx, chat.ID)
	if err != nil || len(got.Tags) != 50 {
		t.Fatalf("%d tags (%v), want 50", len(got.Tags), err)
	}
	ms, _ := e.cOp1.Memos(ctx, chat.ID)
	evs, _ := e.cOp1.ChatEvents(ctx, chat.ID)
	if len(ms) != 50 || len(evs) != 101 { // created + 50 tagged + 50 memos
		t.Fatalf("%d memos, %d events", len(ms), len(evs))
	}
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t)
	if err := e.cNo.Healthz(ctx); err != nil {
		t.Fatal(err)
	}
	e.cOp1.Chats(ctx, api.ChatQuery{})
	if status, _ := raw(t, e, nil, "GET", "/metrics", ""); status != 404 {
		t.Fatalf("/metrics on the API listener: %d, want 404 (it has its own listener)", status)
	}
	msrv := httptest.NewServer(e.api.MetricsHandler())
	defer msrv.Close()
	resp, err := http.Get(msrv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`meetd_http_requests_total{code="200",route="GET /v1/chats"}`, "meetd_ws_clients", "meetd_events_total"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
