package storetest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// testSearchTextCases: free text is a case-insensitive substring of the
// customer name or number or of a memo, also beyond ASCII, and characters
// with a meaning in LIKE patterns match themselves.
func testSearchTextCases(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	f := seed(t, db)
	ctx := context.Background()
	err := db.Update(ctx, func(tx store.Tx) error {
		for i, name := range []string{"ÉMILE Zola", "100% Sicher_GmbH", `Back\slash`, "田中太郎", "Ødegård"} {
			c := api.Chat{ChannelID: f.channel.ID, Customer: api.Customer{Number: fmt.Sprintf("+8190%04d", i), Name: name}}
			if err := tx.CreateChat(&c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{
		"émile": 1, "ZOLA": 1, "% s": 1, "%": 1, "_": 1, "r_g": 1, `\s`: 1, `k\slash`: 1, "田中": 1, "中太郎": 1,
		"ødegå": 1, "ØDEGÅRD": 1, "\x00müller\x01": 1, "\xffzola": 1, "\x00": 6, "\x7f\xfe": 6, "+8190": 5, "00003": 1, "zzz": 0, "bob müller": 1, "MÜLLER": 1, "b": 3,
	} {
		var l api.ChatList
		if err := db.View(ctx, func(tx store.Tx) (err error) { l, err = tx.SearchChats(api.ChatQuery{Q: q, Limit: 100}, nil); return }); err != nil {
			t.Fatalf("q=%q: %v", q, err)
		}
		if len(l.Chats) != want {
			names := []string{}
			for _, c := range l.Chats {
				names = append(names, c.Customer.Name)
			}
			t.Errorf("q=%q: %d chats %q, want %d", q, len(l.Chats), names, want)
		}
	}
	// Renaming a customer re-indexes the name.
	err = db.Update(ctx, func(tx store.Tx) error {
		c, err := tx.Customer(f.chat.Customer.ID)
		if err != nil {
			return err
		}
		c.Name = "Roberta Ñandú"
		return tx.UpdateCustomer(&c)
	})
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{"ñandú": 1, "müller": 0, "ROBERTA": 1, "bob m": 0} {
		var l api.ChatList
		db.View(ctx, func(tx store.Tx) (err error) { l, err = tx.SearchChats(api.ChatQuery{Q: q}, nil); return })
		if len(l.Chats) != want {
			t.Errorf("after rename q=%q: %d chats, want %d", q, len(l.Chats), want)
		}
	}
}

// testHostileText: text with a NUL or invalid UTF-8 (a SIP display name,
// say) is stored without failing the transaction and found again.
func testHostileText(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	f := seed(t, db)
	ctx := context.Background()
	var c api.Chat
	err := db.Update(ctx, func(tx store.Tx) error {
		c = api.Chat{ChannelID: f.channel.ID, Customer: api.Customer{Number: "+4917\x00999", Name: "Eve\xff\xfe Null\x00"}}
		if err := tx.CreateChat(&c); err != nil {
			return err
		}
		return tx.AddMemo(&api.Memo{ChatID: c.ID, StaffID: f.staff.ID, Text: "bad \xc3\x28 bytes"})
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(ctx, func(tx store.Tx) error {
		got, err := tx.Chat(c.ID)
		if err != nil || !strings.HasPrefix(got.Customer.Name, "Eve") {
			t.Errorf("chat back: %+v %v", got.Customer, err)
		}
		l, err := tx.SearchChats(api.ChatQuery{Q: "null"}, nil)
		if err != nil || len(l.Chats) != 1 || l.Chats[0].ID != c.ID {
			t.Errorf("search: %d chats %v", len(l.Chats), err)
		}
		return nil
	})
}

func testTokensAndTexts(t *testing.T, h Harness) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	db := h.Open(t, Options{Now: func() time.Time { return now }})
	f := seed(t, db)
	ctx := context.Background()
	hash := []byte("0123456789abcdef0123456789abcdef")
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateToken(f.staff.ID, hash, now.Add(time.Hour)); err != nil {
			return err
		}
		if err := tx.AddMessage(&api.Message{ChatID: f.chat.ID, StaffID: f.staff.ID, Text: "call him back"}); err != nil {
			return err
		}
		if err := tx.AddMemo(&api.Memo{ChatID: f.chat.ID, StaffID: f.staff.ID, Text: "first"}); err != nil {
			return err
		}
		if err := tx.SetGuidance(f.channel.ID, api.GuidanceWait, []byte{1, 2, 3, 4}); err != nil {
			return err
		}
		if err := tx.SetGuidance(f.channel.ID, api.GuidanceWait, []byte{5, 6}); err != nil {
			return err
		}
		if err := tx.SetHours(f.channel.ID, api.Hours{Weekly: []api.Span{}}); err != nil {
			return err
		}
		if err := tx.AddNumber(f.channel.ID, "+4930123"); err != nil { // already its own: no error
			return err
		}
		c := api.Customer{ID: f.chat.Customer.ID, Name: "Bob", Profile: map[string]string{"plan": "gold"}, Tags: []string{"vip"}}
		return tx.UpdateCustomer(&c)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		if id, err := tx.TokenStaff(hash, now); err != nil || id != f.staff.ID {
			t.Errorf("token staff = %d, %v", id, err)
		}
		if _, err := tx.TokenStaff(hash, now.Add(2*time.Hour)); api.CodeOf(err) != api.CodeUnauthorized {
			t.Errorf("expired token: %v", err)
		}
		ms, err := tx.Messages(f.chat.ID)
		if err != nil || len(ms) != 1 || ms[0].Text != "call him back" || !ms[0].Created.Equal(now) {
			t.Errorf("messages = %+v %v", ms, err)
		}
		memos, err := tx.Memos(f.chat.ID)
		if err != nil || len(memos) != 1 || memos[0].Text != "first" {
			t.Errorf("memos = %+v %v", memos, err)
		}
		if pcm, err := tx.Guidance(f.channel.ID, api.GuidanceWait); err != nil || len(pcm) != 2 || pcm[0] != 5 {
			t.Errorf("guidance = %v %v", pcm, err)
		}
		cu, err := tx.CustomerByNumber("+4917000")
		if err != nil || cu.Name != "Bob" || cu.Profile["plan"] != "gold" || len(cu.Tags) != 1 {
			t.Errorf("customer = %+v %v", cu, err)
		}
		chs, err := tx.CustomerChannels(cu.ID)
		if err != nil || len(chs) != 1 || chs[0] != f.channel.ID {
			t.Errorf("customer channels = %v %v", chs, err)
		}
		cs, err := tx.ListChannels()
		if err != nil || len(cs) != 1 || len(cs[0].Numbers) != 1 {
			t.Errorf("channels = %+v %v", cs, err)
		}
		ts, err := tx.ListTeams(0)
		if err != nil || len(ts) != 1 || len(ts[0].Members) != 1 {
			t.Errorf("teams = %+v %v", ts, err)
		}
		evs, err := tx.ChatEvents(f.chat.ID)
		if err != nil || len(evs) != 1 || evs[0].Type != api.EvChatCreated {
			t.Errorf("chat events = %+v %v", evs, err)
		}
		if last, err := tx.LastEventID(); err != nil || last != evs[0].ID {
			t.Errorf("last event = %d %v", last, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx store.Tx) error { return tx.RevokeToken(hash) })
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx store.Tx) error {
		_, err := tx.TokenStaff(hash, now)
		return err
	})
	if api.CodeOf(err) != api.CodeUnauthorized {
		t.Errorf("revoked token: %v", err)
	}
	// An event's data survives byte for byte; a read-only transaction cannot append.
	data := []byte(`{"b": 1,  "a": [true]}`)
	var ev api.Event
	err = db.Update(ctx, func(tx store.Tx) error {
		ev = api.Event{Type: api.EvChatTagged, ChatID: f.chat.ID, Data: data}
		return tx.Append(&ev)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(ctx, func(tx store.Tx) error {
		evs, err := tx.EventsSince(ev.ID-1, 1)
		if err != nil || len(evs) != 1 || string(evs[0].Data) != string(data) || !evs[0].At.Equal(now) {
			t.Errorf("event back = %+v %v", evs, err)
		}
		if err := tx.Append(&api.Event{Type: api.EvChatTagged}); err == nil {
			t.Error("append in a read-only transaction succeeded")
		}
		return nil
	})
}

func testReports(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	f := seed(t, db)
	ctx := context.Background()
	base := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	var callIDs []int64
	err := db.Update(ctx, func(tx store.Tx) error {
		if err := tx.AddTag(f.chat.ID, "vip"); err != nil {
			return err
		}
		if err := tx.AddTag(f.chat.ID, "billing"); err != nil {
			return err
		}
		for i := 0; i < 5; i++ {
			ans := base.Add(time.Duration(i)*time.Hour + 10*time.Second)
			c := api.Call{ChatID: f.chat.ID, ChannelID: f.channel.ID, Direction: api.Inbound, From: "+4917000", To: "+4930123",
				State: api.CallEnded, Created: base.Add(time.Duration(i) * time.Hour), AssigneeID: &f.staff.ID, DurationS: 30 + i}
			if i%2 == 0 {
				c.Answered = &ans
			} else {
				c.MissedReason = api.ReasonNoOperator
			}
			if err := tx.CreateCall(&c); err != nil {
				return err
			}
			callIDs = append(callIDs, c.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all := store.ExportFilter{From: base, To: base.Add(24 * time.Hour)}
	var calls []api.Call
	if err := db.StreamCalls(ctx, all, func(c store.CallStat) error {
		if c.MenuPath != "" {
			t.Errorf("call %d of a chat without a menu has path %q", c.ID, c.MenuPath)
		}
		calls = append(calls, c.Call)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 5 || calls[0].ID != callIDs[0] || calls[0].Answered == nil || calls[1].MissedReason != api.ReasonNoOperator {
		t.Fatalf("streamed calls %+v", calls)
	}
	var rows []api.ExportRow
	missed := all
	missed.Reason = api.ReasonNoOperator
	err = db.StreamExport(ctx, missed, func(r *api.ExportRow) error {
		c := *r
		c.Tags = append([]string(nil), r.Tags...)
		sort.Strings(c.Tags)
		rows = append(rows, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Channel != "support" || rows[0].Assignee != "Ann" || fmt.Sprint(rows[0].Tags) != "[billing vip]" ||
		rows[0].DurationS != 31 || rows[0].From != "+4917000" || rows[0].CallbackOf != nil || !rows[0].Created.Equal(base.Add(time.Hour)) {
		t.Fatalf("export rows %+v", rows)
	}
	testReportsByMenuPath(t, db, f, base.Add(48*time.Hour))
	none := all
	none.Channels = []int64{}
	n := 0
	if err := db.StreamExport(ctx, none, func(*api.ExportRow) error { n++; return nil }); err != nil || n != 0 {
		t.Fatalf("no visible channels: %d rows %v", n, err)
	}

	for i := 0; i < 3; i++ {
		e := api.AuditEntry{StaffID: f.staff.ID, Action: "export.calls.csv", Purpose: fmt.Sprint("audit ", i), Rows: int64(i)}
		if err := db.AddAudit(ctx, &e); err != nil || e.ID == 0 || e.At.IsZero() {
			t.Fatalf("audit: %+v %v", e, err)
		}
	}
	audit, err := db.ListAudit(ctx, 2)
	if err != nil || len(audit) != 2 || audit[0].Purpose != "audit 2" || audit[1].Rows != 1 {
		t.Fatalf("audit list %+v %v", audit, err)
	}

	rules := []api.Automation{
		{Name: "sms missed", Enabled: true, When: api.AutomationCond{Outcome: "missed", TagsExclude: []string{"blacklist"}},
			Actions: []api.AutomationStep{{Type: "sms", Template: "Sorry {{chat_url}}"}}},
		{Name: "tag", Enabled: false, Actions: []api.AutomationStep{{Type: "tag", Tag: "x"}, {Type: "close"}}},
	}
	if _, err := db.PutAutomations(ctx, f.channel.ID, rules); err != nil {
		t.Fatal(err)
	}
	got, err := db.Automations(ctx, f.channel.ID)
	if err != nil || len(got) != 2 || got[0].Name != "sms missed" || got[0].When.TagsExclude[0] != "blacklist" ||
		got[1].Enabled || len(got[1].Actions) != 2 || got[0].ID == 0 {
		t.Fatalf("automations %+v %v", got, err)
	}
	if _, err := db.PutAutomations(ctx, f.channel.ID, rules[:1]); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Automations(ctx, f.channel.ID); len(got) != 1 {
		t.Fatalf("replaced automations %+v", got)
	}
	if _, err := db.PutAutomations(ctx, 9999, rules); api.CodeOf(err) != api.CodeNotFound {
		t.Fatalf("automations of a missing channel: %v", err)
	}
}

func testAutomationCursorAndOutbox(t *testing.T, h Harness) {
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	db := h.Open(t, Options{Now: func() time.Time { return now }})
	f := seed(t, db)
	ctx := context.Background()
	var ids []int64
	err := db.Update(ctx, func(tx store.Tx) error {
		at := tx
		if cur, err := at.AutomationCursor(); err != nil || cur != 0 {
			t.Errorf("new cursor = %d %v", cur, err)
		}
		if err := at.SetAutomationCursor(7); err != nil {
			return err
		}
		if err := at.SetAutomationCursor(3); err != nil { // never backwards
			return err
		}
		for i := 0; i < 3; i++ {
			m := api.SMS{ChatID: f.chat.ID, To: "+4917000", From: "+4930123", Body: fmt.Sprint("hello ", i)}
			if err := at.EnqueueSMS(&m); err != nil {
				return err
			}
			if m.ID == 0 || m.Status != "queued" {
				t.Errorf("queued %+v", m)
			}
			ids = append(ids, m.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(ctx, func(tx store.Tx) error {
		if cur, err := tx.AutomationCursor(); err != nil || cur != 7 {
			t.Errorf("cursor = %d %v, want 7", cur, err)
		}
		return nil
	})
	due, err := db.DueSMS(ctx, now, 10)
	if err != nil || len(due) != 3 || due[0].ID != ids[0] || due[0].NextAt == nil || !due[0].NextAt.Equal(now) {
		t.Fatalf("due %+v %v", due, err)
	}
	if err := db.MarkSMSSent(ctx, ids[0], now, "prov-1"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSMSRetry(ctx, ids[1], 1, now.Add(time.Minute), "503"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSMSFailed(ctx, ids[2], 12, "gave up"); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkSMSSent(ctx, 9999, now, "x"); api.CodeOf(err) != api.CodeNotFound {
		t.Fatalf("mark missing sms: %v", err)
	}
	if due, _ := db.DueSMS(ctx, now, 10); len(due) != 0 {
		t.Fatalf("due after marking %+v", due)
	}
	if due, _ := db.DueSMS(ctx, now.Add(time.Minute), 10); len(due) != 1 || due[0].ID != ids[1] || due[0].Attempts != 1 || due[0].LastErr != "503" {
		t.Fatalf("due after the retry delay %+v", due)
	}
	list, err := db.ListSMS(ctx, f.chat.ID)
	if err != nil || len(list) != 3 || list[0].Status != "sent" || list[0].SentAt == nil || list[0].Attempts != 1 ||
		list[2].Status != "failed" || list[2].Attempts != 12 {
		t.Fatalf("chat sms %+v %v", list, err)
	}
	if all, err := db.ListSMS(ctx, 0); err != nil || len(all) != 3 || all[0].ID != ids[2] {
		t.Fatalf("outbox %+v %v", all, err)
	}
	db.View(ctx, func(tx store.Tx) error {
		evs, err := tx.ChatEvents(f.chat.ID)
		n := 0
		for _, e := range evs {
			if e.Type == api.EvSMSStatus && e.ChannelID == f.channel.ID {
				n++
			}
		}
		if err != nil || n != 3 {
			t.Errorf("%d sms.status events (%v), want 3", n, err)
		}
		return nil
	})
}

// testReportsByMenuPath: calls carry their chat's IVR path, and the
// menu_path filter keeps a path and the paths below it, not its siblings
// or paths that merely start with the same digit.
func testReportsByMenuPath(t *testing.T, db store.DB, f fixture, at time.Time) {
	ctx := context.Background()
	paths := []string{"1", "1/2", "2", "", "1/2/3"}
	err := db.Update(ctx, func(tx store.Tx) error {
		for i, p := range paths {
			chat := api.Chat{ChannelID: f.channel.ID, Customer: api.Customer{Number: fmt.Sprintf("+4917100%d", i)}, MenuPath: p}
			if err := tx.CreateChat(&chat); err != nil {
				return err
			}
			if p != "" {
				chat.MenuPath = p
				if err := tx.UpdateChat(&chat); err != nil {
					return err
				}
			}
			c := api.Call{ChatID: chat.ID, ChannelID: f.channel.ID, Direction: api.Inbound, From: chat.Customer.Number, To: "+4930123",
				State: api.CallEnded, Created: at.Add(time.Duration(i) * time.Minute)}
			if err := tx.CreateCall(&c); err != nil {
				return err
			}
			c.HeldS = 5 * i
			if err := tx.UpdateCall(&c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	window := store.ExportFilter{From: at, To: at.Add(time.Hour)}
	for _, x := range []struct {
		path string
		want []string
	}{{"", paths}, {"1", []string{"1", "1/2", "1/2/3"}}, {"1/2", []string{"1/2", "1/2/3"}}, {"2", []string{"2"}}, {"3", nil}} {
		fl := window
		fl.MenuPath = x.path
		var got []string
		if err := db.StreamCalls(ctx, fl, func(c store.CallStat) error { got = append(got, c.MenuPath); return nil }); err != nil {
			t.Fatal(err)
		}
		var rows []string
		if err := db.StreamExport(ctx, fl, func(r *api.ExportRow) error {
			rows = append(rows, r.MenuPath)
			if want := 5 * (len(rows) - 1); x.path == "" && r.HeldS != want {
				t.Errorf("export row %d held %d s, want %d", len(rows), r.HeldS, want)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(x.want) || fmt.Sprint(rows) != fmt.Sprint(x.want) {
			t.Errorf("menu path %q: calls %q, export %q; want %q", x.path, got, rows, x.want)
		}
	}
}

// testSearchCommonText: text matching more customers than a store looks up
// by id (a common surname, a common run of digits) finds, page by page,
// the same chats, newest first, as a plain substring scan.
func testSearchCommonText(t *testing.T, h Harness) {
	db := h.Open(t, Options{})
	f := seed(t, db)
	ctx := context.Background()
	const n = 2300 // past the stores' 2,000 matches looked up by id
	err := db.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			name := fmt.Sprintf("Common Person %d", i)
			if i%700 == 0 {
				name = fmt.Sprintf("Rare Zebra %d", i)
			}
			number := fmt.Sprintf("+4917%07d", i)
			if i%1000 == 1 {
				number = fmt.Sprintf("Anonymous%d", i)
			}
			c := api.Chat{ChannelID: f.channel.ID, Customer: api.Customer{Number: number, Name: name}}
			if err := tx.CreateChat(&c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pages := func(q string) []api.Chat {
		var out []api.Chat
		cursor := ""
		for {
			var l api.ChatList
			if err := db.View(ctx, func(tx store.Tx) (err error) {
				l, err = tx.SearchChats(api.ChatQuery{Q: q, Limit: 200, Cursor: cursor}, nil)
				return
			}); err != nil {
				t.Fatalf("q=%q: %v", q, err)
			}
			out = append(out, l.Chats...)
			if cursor = l.NextCursor; cursor == "" {
				return out
			}
		}
	}
	all := pages("")
	if len(all) < n {
		t.Fatalf("%d chats listed, want at least %d", len(all), n)
	}
	for _, q := range []string{"common", "PERSON", "COMMON PERSON 20", "zebra", "4917000", "0002099", "son 1", "anon", "nobody"} {
		var want, got []int64
		for _, c := range all {
			if strings.Contains(strings.ToLower(c.Customer.Name), strings.ToLower(q)) || strings.Contains(strings.ToLower(c.Customer.Number), strings.ToLower(q)) {
				want = append(want, c.ID)
			}
		}
		for _, c := range pages(q) {
			got = append(got, c.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("q=%q: %d chats, want %d", q, len(got), len(want))
		}
	}
}
