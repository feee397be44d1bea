package chat

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
)

// Item is one line of the timeline.
type Item struct {
	At   time.Time
	Kind string // "call", "chat", "memo", "message"
	Text string
	Link int64 // a chat this line links to, 0 for none
}

// Timeline merges events, memos and messages into time order, in words.
func Timeline(ctx *common.Context, chatID int64, evs []api.Event, calls []api.Call, memos []api.Memo, msgs []api.Message) []Item {
	byCall := map[int64]api.Call{}
	for _, c := range calls {
		byCall[c.ID] = c
	}
	var items []Item
	for i, e := range evs {
		if e.Type == api.EvCallLeft {
			next, ok := afterLeaves(evs, i)
			switch {
			case ok && next.Type == api.EvCallEnded && !next.At.After(e.At.Add(time.Second)) && endDetail(next) != "everyone left":
				continue // the call ended and took everyone out: the end line says why, nobody "left"
			case ok && next.Type == api.EvCallJoined && next.StaffID == e.StaffID && !next.At.After(e.At.Add(time.Second)):
				continue // a mode switch: the joined line that follows says it
			}
		}
		if e.Type == api.EvCallJoined && i > 0 {
			if prev, ok := prevOfCall(evs, i); ok && prev.Type == api.EvCallLeft && prev.StaffID == e.StaffID && !e.At.After(prev.At.Add(time.Second)) {
				var d evData
				_ = json.Unmarshal(e.Data, &d)
				items = append(items, Item{At: e.At, Kind: "call", Text: ctx.T("%[1]s switched to %[2]s", ctx.StaffName(e.StaffID), ctx.T(string(orTalk(d.Mode))))})
				continue
			}
		}
		if it, ok := describe(ctx, chatID, e, byCall); ok {
			items = append(items, it)
		}
	}
	for _, m := range memos {
		items = append(items, Item{At: m.Created, Kind: "memo", Text: ctx.T("memo by %[1]s: %[2]s", ctx.StaffName(m.StaffID), m.Text)})
	}
	for _, m := range msgs {
		items = append(items, Item{At: m.Created, Kind: "message", Text: ctx.T("%[1]s %[2]s %[3]s", ctx.StaffName(m.StaffID), ctx.Styles.G.Quote, m.Text)})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].At.Before(items[j].At) })
	return items
}

// afterLeaves is the first event of evs[i]'s call after it that is not
// another call.left within the same second (an ending takes everyone out
// at once).
func afterLeaves(evs []api.Event, i int) (api.Event, bool) {
	for j := i + 1; j < len(evs); j++ {
		e := evs[j]
		if e.CallID != evs[i].CallID {
			continue
		}
		if e.Type == api.EvCallLeft && !e.At.After(evs[i].At.Add(time.Second)) {
			continue
		}
		return e, true
	}
	return api.Event{}, false
}

// prevOfCall is the event before evs[i] of the same call.
func prevOfCall(evs []api.Event, i int) (api.Event, bool) {
	for j := i - 1; j >= 0; j-- {
		if evs[j].CallID == evs[i].CallID {
			return evs[j], true
		}
	}
	return api.Event{}, false
}

func endDetail(e api.Event) string {
	var d evData
	_ = json.Unmarshal(e.Data, &d)
	return d.Detail
}

func orTalk(m api.JoinMode) api.JoinMode {
	if m == "" {
		return api.ModeTalk
	}
	return m
}

type evData struct {
	Kind           string           `json:"kind"`
	Outcome        api.RingOutcome  `json:"outcome"`
	Mode           api.JoinMode     `json:"mode"`
	MuteOnJoin     bool             `json:"mute_on_join"`
	By             int64            `json:"by"`
	Digit          string           `json:"digit"`
	MissedReason   api.MissedReason `json:"missed_reason"`
	Detail         string           `json:"detail"`
	CallbackChatID int64            `json:"callback_chat_id"`
	CallbackOf     int64            `json:"callback_of"`
	Tag            string           `json:"tag"`
	State          api.ChatState    `json:"state"`
	SnoozedUntil   *time.Time       `json:"snoozed_until"`
	AssigneeID     *int64           `json:"assignee_id"`
	Name           string           `json:"name"`
	Status         string           `json:"status"`
	Error          string           `json:"error"`
}

func describe(ctx *common.Context, chatID int64, e api.Event, calls map[int64]api.Call) (Item, bool) {
	var d evData
	if len(e.Data) > 0 {
		_ = json.Unmarshal(e.Data, &d) // unknown shapes leave fields empty; the line still reads
	}
	who := ctx.StaffName(e.StaffID)
	actor := ctx.StaffName(e.ActorID)
	it := Item{At: e.At, Kind: "call"}
	switch e.Type {
	case api.EvCallCreated:
		c, ok := calls[e.CallID]
		switch {
		case ok && c.Direction == api.Outbound:
			it.Text = ctx.T("outbound call to %s by %s", c.To, actor)
		case ok:
			it.Text = ctx.T("inbound call from %s to %s", c.From, c.To)
		default:
			it.Text = ctx.T("call started")
		}
	case api.EvCallGuidance:
		it.Text = ctx.T("played %s guidance", ctx.T(d.Kind))
	case api.EvCallWaiting:
		it.Text = ctx.T("caller waiting for an operator")
	case api.EvCallEligibility:
		var el api.Eligibility
		if json.Unmarshal(e.Data, &el) != nil {
			return it, false
		}
		it.Text = eligibilityText(ctx, el)
	case api.EvCallRinging:
		it.Text = ctx.T("rang %s", who)
	case api.EvCallRingEnded:
		switch d.Outcome {
		case api.RingAccepted:
			it.Text = ctx.T("%s accepted", who)
		case api.RingDeclined:
			it.Text = ctx.T("%s declined", who)
		case api.RingTimedOut:
			it.Text = ctx.T("%s did not answer", who)
		default:
			it.Text = ctx.T("stopped ringing %s", who)
		}
	case api.EvCallDialing:
		it.Text = ctx.T("dialing the customer")
	case api.EvCallAnswered:
		if c, ok := calls[e.CallID]; ok && c.Direction == api.Outbound {
			it.Text = ctx.T("%s answered", c.To) // the customer picked up our call
		} else {
			it.Text = ctx.T("answered by %s", who)
		}
	case api.EvCallJoined:
		mode := string(d.Mode)
		if mode == "" {
			mode = string(api.ModeTalk)
		}
		it.Text = ctx.T("%s joined (%s)", who, ctx.T(mode))
		if d.MuteOnJoin {
			it.Text = ctx.T("%s joined (%s), muted on join", who, ctx.T(mode))
		}
	case api.EvCallLeft:
		it.Text = ctx.T("%s left", who)
	case api.EvCallInvited:
		it.Text = ctx.T("%s invited %s", ctx.StaffName(max(d.By, e.ActorID)), who)
	case api.EvCallDTMF:
		it.Text = ctx.T("caller pressed %s", d.Digit)
	case api.EvCallMenu, api.EvCallMenuChosen:
		it.Text = menuText(e)
	case api.EvCallRecorded:
		var d struct {
			DurationMS int64 `json:"duration_ms"`
		}
		_ = json.Unmarshal(e.Data, &d)
		it.Text = ctx.T("call recorded (%[1]s)", common.Clock(time.Duration(d.DurationMS)*time.Millisecond))
	case api.EvRecordingDeleted:
		var d api.RecordingDeleted
		_ = json.Unmarshal(e.Data, &d)
		if d.Kind == api.RecordingVoicemail {
			it.Text = ctx.T("voicemail deleted after %d days (retention)", d.Days)
		} else {
			it.Text = ctx.T("call recording deleted after %d days (retention)", d.Days)
		}
	case api.EvCallVoicemail:
		var d struct {
			ID         int64 `json:"recording_id"`
			DurationMS int64 `json:"duration_ms"`
		}
		_ = json.Unmarshal(e.Data, &d)
		if d.ID == 0 {
			it.Text = ctx.T("voicemail: the caller left no message")
		} else {
			it.Text = ctx.T("voicemail left (%[1]s)", common.Clock(time.Duration(d.DurationMS)*time.Millisecond))
		}
	case api.EvCallTransferStarted, api.EvCallConsultAnswered, api.EvCallTransferred, api.EvCallTransferFailed, api.EvCallTransferCancelled, api.EvCallTransferRecalled:
		it.Text = transferText(ctx, e)
	case api.EvCallHeld:
		it.Text = ctx.T("%[1]s put the call on hold", actor)
	case api.EvCallResumed:
		it.Text = ctx.T("%[1]s resumed the call", actor)
	case api.EvCallEnded:
		if d.MissedReason != "" {
			it.Text = ctx.T("missed: %s", ctx.T(common.ReasonText(d.MissedReason)))
		} else {
			it.Text = ctx.T("call ended")
			if c, ok := calls[e.CallID]; ok && c.Answered != nil {
				it.Text = ctx.T("call ended after %s", common.Clock(time.Duration(c.DurationS)*time.Second))
			}
		}
		if d.Detail != "" {
			it.Text = ctx.T("%[1]s (%[2]s)", it.Text, ctx.T(d.Detail))
		}
	case api.EvChatCreated:
		it.Kind, it.Text = "chat", ctx.T("chat opened")
	case api.EvChatUpdated:
		it.Kind = "chat"
		switch {
		case d.State == api.ChatSnoozed && d.SnoozedUntil != nil:
			it.Text = ctx.T("%s snoozed until %s", actor, common.DateTime(ctx, d.SnoozedUntil.In(ctx.Now().Location())))
		case d.State != "":
			it.Text = ctx.T("%s set %s", actor, ctx.T(string(d.State)))
		case d.AssigneeID != nil:
			it.Text = ctx.T("%s assigned it to %s", actor, ctx.StaffName(*d.AssigneeID))
		default:
			it.Text = ctx.T("%s updated the chat", actor)
		}
	case api.EvChatTagged:
		it.Kind, it.Text = "chat", ctx.T("%s tagged %q", actor, d.Tag)
	case api.EvChatUntagged:
		it.Kind, it.Text = "chat", ctx.T("%s removed tag %q", actor, d.Tag)
	case api.EvChatFollowed:
		it.Kind, it.Text = "chat", ctx.T("%s follows the chat", who)
	case api.EvChatLinked:
		it.Kind = "chat"
		by := ctx.StaffName(max(d.By, e.ActorID))
		switch {
		case d.CallbackChatID != 0 && d.CallbackChatID != chatID:
			it.Text, it.Link = ctx.T("called back by %[1]s %[2]s chat #%[3]d", by, ctx.Styles.G.Arrow, d.CallbackChatID), d.CallbackChatID
		case d.CallbackOf != 0:
			it.Text, it.Link = ctx.T("callback of chat #%d by %s", d.CallbackOf, by), d.CallbackOf
		default:
			it.Text = ctx.T("linked to another chat by %s", by)
		}
	case api.EvAutomationRun:
		it.Kind, it.Text = "chat", ctx.T("automation ran")
		if d.Name != "" {
			it.Text = ctx.T("automation ran: %s", d.Name)
		}
	case api.EvSMSStatus:
		it.Kind, it.Text = "chat", ctx.T("SMS %s", ctx.T(d.Status))
		if d.Error != "" {
			it.Text = ctx.T("SMS %[1]s: %[2]s", ctx.T(d.Status), d.Error)
		}
	default: // memos and messages come from their own lists
		return it, false
	}
	return it, true
}

func eligibilityText(ctx *common.Context, el api.Eligibility) string {
	if !el.InOperation {
		return ctx.T("outside operating hours")
	}
	var rung []string
	for _, id := range el.Eligible {
		rung = append(rung, ctx.StaffName(id))
	}
	s := ctx.T("to ring: %s", strings.Join(rung, ", "))
	if len(rung) == 0 {
		s = ctx.T("nobody could be rung")
	}
	if len(el.NotEligible) > 0 {
		var not []string
		for _, n := range el.NotEligible {
			not = append(not, ctx.T("%[1]s (%[2]s)", ctx.StaffName(n.StaffID), ctx.T(common.IneligibleText(n.Reason))))
		}
		s = ctx.T("%[1]s; not rung: %[2]s", s, strings.Join(not, ", "))
	}
	return s
}

// menuText describes the caller's way through the IVR menu.
func menuText(e api.Event) string {
	if e.Type == api.EvCallMenu {
		var d struct {
			Node    string `json:"node"`
			Try     int    `json:"try"`
			Invalid bool   `json:"invalid"`
		}
		_ = json.Unmarshal(e.Data, &d)
		switch {
		case d.Invalid:
			return "menu " + d.Node + ": invalid key, prompt again"
		case d.Try > 1:
			return "menu " + d.Node + ": no key, prompt again"
		}
		return "menu " + d.Node + ": prompt played"
	}
	var ch api.MenuChoice
	_ = json.Unmarshal(e.Data, &ch)
	path := ch.Path
	if path == "" {
		path = "no key"
	}
	text := fmt.Sprintf("menu chose %s (keys %s)", ch.Action.String(), path)
	if ch.Reason == "default" {
		text += ", default after no valid key"
	}
	return text
}

// transferText words a transfer event: who passed the call to whom, blind
// or attended, and how it ended.
func transferText(ctx *common.Context, e api.Event) string {
	var d api.TransferEvent
	_ = json.Unmarshal(e.Data, &d)
	to := d.To.String()
	switch {
	case d.To.StaffID != 0:
		to = ctx.StaffName(d.To.StaffID)
	case d.To.TeamID != 0:
		to = ctx.T("team #%d", d.To.TeamID)
	case d.To.Number != "":
		to = d.To.Number
	}
	by, who := ctx.StaffName(d.By), ctx.StaffName(e.StaffID)
	switch e.Type {
	case api.EvCallTransferStarted:
		if d.Mode == api.TransferAttended {
			return ctx.T("%[1]s put the caller on hold to consult %[2]s (attended transfer)", by, to)
		}
		return ctx.T("%[1]s transferred the call to %[2]s (blind)", by, to)
	case api.EvCallConsultAnswered:
		return ctx.T("consult answered by %[1]s (asked by %[2]s)", who, by)
	case api.EvCallTransferred:
		return ctx.T("transfer done: the caller is with %[1]s, from %[2]s (%[3]s)", who, by, ctx.T(string(d.Mode)))
	case api.EvCallTransferCancelled:
		return ctx.T("%[1]s cancelled the transfer to %[2]s: the caller is back with them", by, to)
	case api.EvCallTransferRecalled:
		return ctx.T("nobody took the transfer to %[2]s (%[3]s): ringing %[1]s again", by, to, ctx.T(d.Reason))
	}
	if d.Reason == api.TransferRecalled {
		return ctx.T("%[1]s took the call back: nobody took the transfer to %[2]s", by, to)
	}
	return ctx.T("transfer from %[1]s to %[2]s failed: %[3]s", by, to, ctx.T(d.Reason))
}
