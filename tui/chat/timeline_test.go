package chat

import (
	"io"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/tui/common"
	"github.com/stretchr/testify/require"
)

func TestTimelineInWords(t *testing.T) {
	ctx := common.NewContext(common.NewStyles(io.Discard, false), common.MustDefaultKeys())
	ctx.Me = api.Staff{ID: 1, Name: "Ann"}
	ctx.Staff[2] = api.Staff{ID: 2, Name: "Bob"}
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	ctx.Now = func() time.Time { return at.Add(time.Hour) }
	ev := func(i int, typ api.EventType, staff, actor int64, data string) api.Event {
		e := api.Event{ID: int64(i), Type: typ, At: at.Add(time.Duration(i) * time.Second), ChatID: 5, CallID: 50, StaffID: staff, ActorID: actor}
		if data != "" {
			e.Data = []byte(data)
		}
		return e
	}
	answered := at.Add(10 * time.Second)
	calls := []api.Call{{ID: 50, ChatID: 5, Direction: api.Inbound, From: "+8190", To: "+8150", Answered: &answered, DurationS: 95}}
	evs := []api.Event{
		ev(1, api.EvCallCreated, 0, 0, ""),
		ev(2, api.EvCallGuidance, 0, 0, `{"kind":"greeting"}`),
		ev(3, api.EvCallRinging, 2, 0, ""),
		ev(4, api.EvCallRingEnded, 2, 0, `{"outcome":"timeout"}`),
		ev(5, api.EvCallAnswered, 1, 1, ""),
		ev(6, api.EvCallJoined, 1, 1, `{"mode":"talk","mute_on_join":true}`),
		ev(7, api.EvCallInvited, 2, 1, `{"by":1}`),
		ev(8, api.EvCallJoined, 2, 2, `{"mode":"listen"}`),
		ev(9, api.EvCallLeft, 2, 2, ""),
		ev(10, api.EvCallDTMF, 0, 0, `{"digit":"5"}`),
		ev(11, api.EvCallEnded, 0, 0, `{"detail":"caller hung up"}`),
		ev(12, api.EvChatLinked, 0, 2, `{"callback_chat_id":9,"by":2}`),
		ev(13, api.EvChatTagged, 0, 1, `{"tag":"vip"}`),
		ev(14, api.EvMemoAdded, 0, 1, ""), // drawn from the memo list instead
		ev(15, api.EvCallEnded, 0, 0, `{"missed_reason":"userLeft"}`),
	}
	memos := []api.Memo{{StaffID: 1, Text: "refund", Created: at.Add(13500 * time.Millisecond)}}
	msgs := []api.Message{{StaffID: 2, Text: "on it", Created: at.Add(8500 * time.Millisecond)}}
	items := Timeline(ctx, 5, evs, calls, memos, msgs)
	var texts []string
	for _, it := range items {
		texts = append(texts, it.Text)
	}
	require.Equal(t, []string{
		"inbound call from +8190 to +8150",
		"played greeting guidance",
		"rang Bob",
		"Bob did not answer",
		"answered by you",
		"you joined (talk), muted on join",
		"you invited Bob",
		"Bob joined (listen)",
		"Bob » on it",
		"Bob left",
		"caller pressed 5",
		"call ended after 1:35 (caller hung up)",
		"called back by Bob → chat #9",
		"you tagged \"vip\"",
		"memo by you: refund",
		"missed: caller hung up while waiting",
	}, texts)
	require.EqualValues(t, 9, items[12].Link)

	m := New(ctx)
	m.SetSize(80, 20)
	m.Set(Data{Chat: api.Chat{ID: 5, Customer: api.Customer{Number: "+8190"}, Callbacks: []int64{9}}, Events: evs, Calls: calls, Memos: memos, Messages: msgs})
	require.EqualValues(t, 9, m.LinkNext())
	require.EqualValues(t, 0, m.LinkBack())
	require.Contains(t, m.View(), "] → called back in chat #9")
}

// The timeline does not blame the operator: a customer hanging up ends the
// call without "you left"; an outbound call is answered by the customer;
// a supervisor's mode switch is one line.
func TestTimelineSaysWhoDidIt(t *testing.T) {
	ctx := common.NewContext(common.NewStyles(io.Discard, false), common.MustDefaultKeys())
	ctx.Me = api.Staff{ID: 1, Name: "Ann"}
	ctx.Staff[2] = api.Staff{ID: 2, Name: "Sue"}
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	ctx.Now = func() time.Time { return at.Add(time.Hour) }
	ev := func(sec int, typ api.EventType, staff int64, data string) api.Event {
		e := api.Event{Type: typ, At: at.Add(time.Duration(sec) * time.Second), ChatID: 5, CallID: 60, StaffID: staff, ActorID: staff}
		if data != "" {
			e.Data = []byte(data)
		}
		return e
	}
	answered := at.Add(3 * time.Second)
	calls := []api.Call{{ID: 60, ChatID: 5, Direction: api.Outbound, From: "+8150", To: "+8190", Answered: &answered, DurationS: 27}}
	evs := []api.Event{
		ev(0, api.EvCallCreated, 0, ""),
		ev(1, api.EvCallJoined, 1, `{"mode":"talk"}`),
		ev(3, api.EvCallAnswered, 1, `{"direction":"outbound"}`),
		ev(5, api.EvCallJoined, 2, `{"mode":"listen"}`),
		ev(8, api.EvCallLeft, 2, ""),
		ev(8, api.EvCallJoined, 2, `{"mode":"whisper"}`),
		ev(30, api.EvCallLeft, 1, ""),
		ev(30, api.EvCallLeft, 2, ""),
		ev(30, api.EvCallEnded, 0, `{"detail":"caller hung up"}`),
	}
	var texts []string
	for _, it := range Timeline(ctx, 5, evs, calls, nil, nil) {
		texts = append(texts, it.Text)
	}
	require.Equal(t, []string{
		"outbound call to +8190 by system",
		"you joined (talk)",
		"+8190 answered",
		"Sue joined (listen)",
		"Sue switched to whisper",
		"call ended after 0:27 (caller hung up)",
	}, texts)
}

// Retention: the chat says a voicemail or call recording expired, in the
// header and in the timeline, instead of offering to play it.
func TestExpiredRecordingsInTheChat(t *testing.T) {
	ctx := common.NewContext(common.NewStyles(io.Discard, false), common.MustDefaultKeys())
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	ctx.Now = func() time.Time { return at.Add(time.Hour) }
	expired := at.Add(30 * time.Minute)
	evs := []api.Event{
		{ID: 1, Type: api.EvCallVoicemail, At: at, ChatID: 5, CallID: 50, Data: []byte(`{"recording_id":3,"duration_ms":12000}`)},
		{ID: 2, Type: api.EvRecordingDeleted, At: expired, ChatID: 5, CallID: 50, Data: []byte(`{"recording_id":3,"kind":"voicemail","retention_days":7}`)},
		{ID: 3, Type: api.EvRecordingDeleted, At: expired, ChatID: 5, CallID: 50, Data: []byte(`{"recording_id":4,"kind":"call","retention_days":30}`)},
	}
	var texts []string
	for _, it := range Timeline(ctx, 5, evs, nil, nil, nil) {
		texts = append(texts, it.Text)
	}
	require.Equal(t, []string{"voicemail left (0:12)", "voicemail deleted after 7 days (retention)", "call recording deleted after 30 days (retention)"}, texts)

	chat := api.Chat{ID: 5, Customer: api.Customer{Number: "+8190"}, Voicemail: true, Recorded: true, MenuPath: "1/2",
		Recordings: []api.Recording{{ID: 3, Kind: api.RecordingVoicemail}, {ID: 4, Kind: api.RecordingCall}}}
	m := New(ctx)
	m.SetSize(120, 20)
	m.Set(Data{Chat: chat, Events: evs})
	require.Contains(t, m.View(), "voicemail: p plays")
	require.Contains(t, m.View(), "● recorded")
	require.Contains(t, m.View(), "menu keys 1/2")
	chat.Recordings[0].Expired, chat.Recordings[1].Expired = &expired, &expired
	m.Set(Data{Chat: chat, Events: evs})
	require.Contains(t, m.View(), "✉ voicemail expired (retention)")
	require.Contains(t, m.View(), "● recording expired (retention)")
	require.NotContains(t, m.View(), "plays")
}

// TestTimelineTransfers: the transfer events say who passed the call to
// whom, blind or attended, and how it ended.
func TestTimelineTransfers(t *testing.T) {
	ctx := common.NewContext(common.NewStyles(io.Discard, false), common.MustDefaultKeys())
	ctx.Me = api.Staff{ID: 1, Name: "Ann"}
	ctx.Staff[2] = api.Staff{ID: 2, Name: "Sue"}
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	ctx.Now = func() time.Time { return at.Add(time.Hour) }
	ev := func(sec int, typ api.EventType, staff int64, data string) api.Event {
		return api.Event{Type: typ, At: at.Add(time.Duration(sec) * time.Second), ChatID: 5, CallID: 60, StaffID: staff, ActorID: 2,
			Data: []byte(data)}
	}
	evs := []api.Event{
		ev(1, api.EvCallTransferStarted, 0, `{"mode":"attended","to":{"staff":1},"by":2}`),
		ev(2, api.EvCallConsultAnswered, 1, `{"mode":"attended","to":{"staff":1},"by":2}`),
		ev(3, api.EvCallTransferCancelled, 0, `{"mode":"attended","to":{"staff":1},"by":2}`),
		ev(4, api.EvCallTransferStarted, 0, `{"mode":"blind","to":{"team":7},"by":2}`),
		ev(5, api.EvCallTransferFailed, 0, `{"mode":"blind","to":{"team":7},"by":2,"reason":"ringTimeout"}`),
		ev(6, api.EvCallTransferred, 1, `{"mode":"blind","to":{"staff":1},"by":2}`),
	}
	var texts []string
	for _, it := range Timeline(ctx, 5, evs, nil, nil, nil) {
		texts = append(texts, it.Text)
	}
	require.Equal(t, []string{
		"Sue put the caller on hold to consult you (attended transfer)",
		"consult answered by you (asked by Sue)",
		"Sue cancelled the transfer to you: the caller is back with them",
		"Sue transferred the call to team #7 (blind)",
		"transfer from Sue to team #7 failed: ringTimeout",
		"transfer done: the caller is with you, from Sue (blind)",
	}, texts)
}
