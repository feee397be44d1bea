package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// ParseChatQuery reads the query of GET /v1/chats. assignee accepts an id,
// "me" or "none"; from/to accept RFC 3339 or YYYY-MM-DD (UTC).
func ParseChatQuery(v url.Values, me int64) (api.ChatQuery, error) {
	var q api.ChatQuery
	bad := func(f string, a ...any) (api.ChatQuery, error) { return q, api.Errorf(api.CodeBadRequest, f, a...) }
	if s := v.Get("medium"); s != "" {
		if api.Medium(s) != api.MediumPhone {
			return bad("unknown medium %q (want phone)", s)
		}
		q.Medium = api.Medium(s)
	}
	if s := v.Get("state"); s != "" {
		if !api.ChatState(s).Valid() {
			return bad("unknown state %q (want opened, snoozed or closed)", s)
		}
		q.State = api.ChatState(s)
	}
	if s := v.Get("missed"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return bad("missed=%q: want true or false", s)
		}
		q.Missed = &b
	}
	if s := v.Get("reason"); s != "" {
		if !api.MissedReason(s).Valid() {
			return bad("unknown reason %q (want notInOperation, noOperator, userLeft or ringTimeout)", s)
		}
		q.Reason = api.MissedReason(s)
	}
	q.Tag = strings.TrimSpace(v.Get("tag"))
	switch s := v.Get("assignee"); s {
	case "":
	case "me":
		q.AssigneeID = &me
	case "none", "0":
		zero := int64(0)
		q.AssigneeID = &zero
	default:
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id < 0 {
			return bad("assignee=%q: want a staff id, me or none", s)
		}
		q.AssigneeID = &id
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		s := v.Get(p.name)
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, s); err != nil {
				return bad("%s=%q: want RFC 3339 or YYYY-MM-DD", p.name, s)
			}
		}
		*p.dst = &t
	}
	if q.From != nil && q.To != nil && !q.To.After(*q.From) {
		return bad("to must be after from")
	}
	var err error
	if q.Q, err = api.SearchRule.Clean(v.Get("q")); err != nil {
		return q, err
	}
	if s := v.Get("channel"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return bad("channel=%q: want a channel id", s)
		}
		q.ChannelID = id
	}
	q.Cursor = v.Get("cursor")
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return bad("limit=%q: want 1-200", s)
		}
		q.Limit = n
	}
	return q, nil
}

// chatQuery parses the filters of GET /v1/chats for me; on bad input or a
// channel me cannot see it writes the error and returns false.
func (a *API) chatQuery(w http.ResponseWriter, r *http.Request, me *Me) (api.ChatQuery, bool) {
	q, err := ParseChatQuery(r.URL.Query(), me.ID())
	if err == nil && q.ChannelID != 0 && !me.CanSee(q.ChannelID) {
		err = api.Errorf(api.CodeForbidden, "you are not a member of channel %d", q.ChannelID)
	}
	if err != nil {
		WriteError(w, a.log, err)
		return q, false
	}
	return q, true
}

func (a *API) listChats(w http.ResponseWriter, r *http.Request, me *Me) {
	q, ok := a.chatQuery(w, r, me)
	if !ok {
		return
	}
	a.view(w, r, func(tx store.Tx) (any, error) { return tx.SearchChats(q, me.Channels()) })
}

// visibleChat loads a chat the caller may see.
func visibleChat(tx store.Tx, me *Me, id int64) (api.Chat, error) {
	c, err := tx.Chat(id)
	if err != nil {
		return c, err
	}
	if !me.CanSee(c.ChannelID) {
		return c, api.Errorf(api.CodeForbidden, "chat %d is in channel %d, which is not yours", id, c.ChannelID)
	}
	return c, nil
}

// chatRoute resolves {id} to a visible chat, then runs fn.
func (a *API) chatRoute(w http.ResponseWriter, r *http.Request, me *Me, fn func(chat api.Chat)) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	var c api.Chat
	if err := a.st.View(r.Context(), func(tx store.Tx) (err error) { c, err = visibleChat(tx, me, id); return }); err != nil {
		WriteError(w, a.log, err)
		return
	}
	fn(c)
}

func (a *API) reply(w http.ResponseWriter, status int, v any, err error) {
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	WriteJSON(w, status, v)
}

func (a *API) getChat(w http.ResponseWriter, r *http.Request, me *Me) {
	a.chatRoute(w, r, me, func(c api.Chat) {
		err := a.st.View(r.Context(), func(tx store.Tx) (err error) { c.Recordings, err = tx.ChatRecordings(c.ID); return })
		if err != nil {
			WriteError(w, a.log, err)
			return
		}
		WriteJSON(w, http.StatusOK, c)
	})
}

func (a *API) patchChat(w http.ResponseWriter, r *http.Request, me *Me) {
	a.chatRoute(w, r, me, func(c api.Chat) {
		var p api.ChatPatch
		if err := DecodeJSON(w, r, &p, 0); err != nil {
			WriteError(w, a.log, err)
			return
		}
		out, err := a.inbox.PatchChat(r.Context(), me.ID(), c.ID, p)
		a.reply(w, http.StatusOK, out, err)
	})
}

func (a *API) chatEvents(w http.ResponseWriter, r *http.Request, me *Me) {
	a.chatRoute(w, r, me, func(c api.Chat) {
		a.view(w, r, func(tx store.Tx) (any, error) { return tx.ChatEvents(c.ID) })
	})
}

func (a *API) chatCalls(w http.ResponseWriter, r *http.Request, me *Me) {
	a.chatRoute(w, r, me, func(c api.Chat) {
		a.view(w, r, func(tx store.Tx) (any, error) { return tx.ChatCalls(c.ID) })
	})
}

func (a *API) addTag(w http.ResponseWriter, r *http.Request, me *Me) {
	a.chatRoute(w, r, me, func(c api.Chat) {
		var b api.TagBody
		if err := DecodeJSON(w, r, &b, 0); err != nil {
			WriteError(w, a.log, err)
			return
		}
		out, err := a.inbox.AddTag(r.Context(), me.ID(), c.ID, b.Tag)
		a.reply(w, http.StatusOK, out, err)
	})
}

func (a *API) removeTag(w http.ResponseWriter, r *http.Request, me *Me) {
	a.chatRoute(w, r, me, func(c api.Chat) {
		out, err := a.inbox.RemoveTag(r.Context(), me.ID(), c.ID, r.PathValue("tag"))
		a.reply(w, http.StatusOK, out, err)
	})
}

func (a *API) addFollower(w http.ResponseWriter, r *http.Request, me *Me) {
	a.chatRoute(w, r, me, func(c api.Chat) {
		var b api.InviteRequest
		if err := DecodeJSON(w, r, &b, 0); err != nil {
			WriteError(w, a.log, err)
			return
		}
		if b.StaffID <= 0 {
			WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "staff_id is required"))
			return
		}
		out, err := a.inbox.AddFollower(r.Context(), me.ID(), c.ID, b.StaffID)
		a.reply(w, http.StatusOK, out, err)
	})
}

func (a *API) listMemos(w http.ResponseWriter, r *http.Request, me *Me) {
	a.chatRoute(w, r, me, func(c api.Chat) {
		a.view(w, r, func(tx store.Tx) (any, error) { return tx.Memos(c.ID) })
	})
}

func (a *API) addMemo(w http.ResponseWriter, r *http.Request, me *Me) {
	a.chatRoute(w, r, me, func(c api.Chat) {
		var b api.TextBody
		if err := DecodeJSON(w, r, &b, 0); err != nil {
			WriteError(w, a.log, err)
			return
		}
		out, err := a.inbox.AddMemo(r.Context(), me.ID(), c.ID, b.Text)
		a.reply(w, http.StatusCreated, out, err)
	})
}

func (a *API) listMessages(w http.ResponseWriter, r *http.Request, me *Me) {
	a.chatRoute(w, r, me, func(c api.Chat) {
		a.view(w, r, func(tx store.Tx) (any, error) { return tx.Messages(c.ID) })
	})
}

func (a *API) addMessage(w http.ResponseWriter, r *http.Request, me *Me) {
	a.chatRoute(w, r, me, func(c api.Chat) {
		var b api.TextBody
		if err := DecodeJSON(w, r, &b, 0); err != nil {
			WriteError(w, a.log, err)
			return
		}
		out, err := a.inbox.AddMessage(r.Context(), me.ID(), c.ID, b.Text)
		a.reply(w, http.StatusCreated, out, err)
	})
}

func (a *API) callback(w http.ResponseWriter, r *http.Request, me *Me) {
	a.chatRoute(w, r, me, func(c api.Chat) {
		if a.calls == nil {
			WriteError(w, a.log, errNoCalls)
			return
		}
		out, err := a.calls.Callback(r.Context(), me.ID(), c.ID)
		a.reply(w, http.StatusCreated, out, err)
	})
}

func (a *API) visibleCustomer(w http.ResponseWriter, r *http.Request, me *Me) (int64, bool) {
	id, err := pathID(r, "id")
	if err == nil {
		err = a.st.View(r.Context(), func(tx store.Tx) error {
			if _, err := tx.Customer(id); err != nil {
				return err
			}
			if me.Admin() {
				return nil
			}
			chans, err := tx.CustomerChannels(id)
			if err != nil {
				return err
			}
			for _, c := range chans {
				if me.CanSee(c) {
					return nil
				}
			}
			return api.Errorf(api.CodeForbidden, "customer %d has no chat in your channels", id)
		})
	}
	if err != nil {
		WriteError(w, a.log, err)
		return 0, false
	}
	return id, true
}

func (a *API) getCustomer(w http.ResponseWriter, r *http.Request, me *Me) {
	if id, ok := a.visibleCustomer(w, r, me); ok {
		a.view(w, r, func(tx store.Tx) (any, error) { return tx.Customer(id) })
	}
}

func (a *API) patchCustomer(w http.ResponseWriter, r *http.Request, me *Me) {
	id, ok := a.visibleCustomer(w, r, me)
	if !ok {
		return
	}
	var p api.CustomerPatch
	if err := DecodeJSON(w, r, &p, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	out, err := a.inbox.PatchCustomer(r.Context(), me.ID(), id, p)
	a.reply(w, http.StatusOK, out, err)
}
