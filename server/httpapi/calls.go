package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

var errNoCalls = api.Errorf(api.CodeUnavailable, "call handling is not running on this server")

// listCalls answers GET /v1/calls: live calls by default (a JSON array), call
// history with live=false (an api.CallList page, newest first).
func (a *API) listCalls(w http.ResponseWriter, r *http.Request, me *Me) {
	v := r.URL.Query()
	live := true
	if s := v.Get("live"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "live=%q: want true or false", s))
			return
		}
		live = b
	}
	var channel int64
	if s := v.Get("channel"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "channel=%q: want a channel id", s))
			return
		}
		if !me.CanSee(id) {
			WriteError(w, a.log, api.Errorf(api.CodeForbidden, "you are not a member of channel %d", id))
			return
		}
		channel = id
	}
	if !live {
		a.callHistory(w, r, me, channel)
		return
	}
	for _, p := range []string{"from", "to", "cursor", "limit"} {
		if v.Has(p) {
			WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "%s applies to call history (live=false), not to live calls", p))
			return
		}
	}
	a.view(w, r, func(tx store.Tx) (any, error) {
		calls, err := tx.LiveCalls(channel)
		if err != nil {
			return nil, err
		}
		out := make([]api.Call, 0, len(calls))
		for _, c := range calls {
			if me.CanSee(c.ChannelID) {
				out = append(out, c)
			}
		}
		return out, nil
	})
}

// callRoute resolves {id} to a call the caller may see, then runs fn.
func (a *API) callRoute(w http.ResponseWriter, r *http.Request, me *Me, needCalls bool, fn func(call api.Call)) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	var c api.Call
	err = a.st.View(r.Context(), func(tx store.Tx) (err error) {
		if c, err = tx.Call(id); err != nil {
			return err
		}
		if !me.CanSee(c.ChannelID) {
			return api.Errorf(api.CodeForbidden, "call %d is in channel %d, which is not yours", id, c.ChannelID)
		}
		return nil
	})
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	if needCalls && a.calls == nil {
		WriteError(w, a.log, errNoCalls)
		return
	}
	fn(c)
}

func (a *API) getCall(w http.ResponseWriter, r *http.Request, me *Me) {
	a.callRoute(w, r, me, false, func(c api.Call) { WriteJSON(w, http.StatusOK, c) })
}

func (a *API) dial(w http.ResponseWriter, r *http.Request, me *Me) {
	var req api.DialRequest
	if err := DecodeJSON(w, r, &req, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	if req.To == "" {
		WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "to is required"))
		return
	}
	if req.ChannelID == 0 {
		if len(me.Staff.Channels) != 1 {
			WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "channel_id is required (you are in %d channels)", len(me.Staff.Channels)))
			return
		}
		req.ChannelID = me.Staff.Channels[0]
	}
	if !me.CanSee(req.ChannelID) {
		WriteError(w, a.log, api.Errorf(api.CodeForbidden, "you are not a member of channel %d", req.ChannelID))
		return
	}
	if a.calls == nil {
		WriteError(w, a.log, errNoCalls)
		return
	}
	out, err := a.calls.Dial(r.Context(), me.ID(), req.ChannelID, req.To)
	a.reply(w, http.StatusCreated, out, err)
}

func (a *API) accept(w http.ResponseWriter, r *http.Request, me *Me) {
	a.callRoute(w, r, me, true, func(c api.Call) {
		out, err := a.calls.Accept(r.Context(), me.ID(), c.ID)
		a.reply(w, http.StatusOK, out, err)
	})
}

func (a *API) decline(w http.ResponseWriter, r *http.Request, me *Me) {
	a.callRoute(w, r, me, true, func(c api.Call) {
		a.reply(w, http.StatusNoContent, nil, a.calls.Decline(r.Context(), me.ID(), c.ID))
	})
}

func (a *API) join(w http.ResponseWriter, r *http.Request, me *Me) {
	a.callRoute(w, r, me, true, func(c api.Call) {
		var req api.JoinRequest
		if err := DecodeJSON(w, r, &req, 0); err != nil {
			WriteError(w, a.log, err)
			return
		}
		if req.Mode == "" {
			req.Mode = api.ModeTalk
		}
		if !req.Mode.Valid() {
			WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "unknown mode %q (want talk, listen, whisper or barge)", req.Mode))
			return
		}
		if req.Mode.Supervisory() && me.Role().Rank() < api.RoleSupervisor.Rank() {
			WriteError(w, a.log, api.Errorf(api.CodeForbidden, "joining to %s needs the supervisor role", req.Mode))
			return
		}
		out, err := a.calls.Join(r.Context(), me.ID(), c.ID, req.Mode)
		a.reply(w, http.StatusOK, out, err)
	})
}

func (a *API) invite(w http.ResponseWriter, r *http.Request, me *Me) {
	a.callRoute(w, r, me, true, func(c api.Call) {
		var req api.InviteRequest
		if err := DecodeJSON(w, r, &req, 0); err != nil {
			WriteError(w, a.log, err)
			return
		}
		if req.StaffID <= 0 {
			WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "staff_id is required"))
			return
		}
		a.reply(w, http.StatusNoContent, nil, a.calls.Invite(r.Context(), me.ID(), c.ID, req.StaffID))
	})
}

// callAction is the handler of a call action that answers 204 No Content:
// do (a CallControl method: leave, hangup, hold, resume) on the call the
// route names, by the staff member asking. A method expression, not a
// method value: calls is nil on a server without call handling.
func (a *API) callAction(do func(cc CallControl, ctx context.Context, staffID, callID int64) error) func(http.ResponseWriter, *http.Request, *Me) {
	return func(w http.ResponseWriter, r *http.Request, me *Me) {
		a.callRoute(w, r, me, true, func(c api.Call) {
			a.reply(w, http.StatusNoContent, nil, do(a.calls, r.Context(), me.ID(), c.ID))
		})
	}
}

func (a *API) callEligibility(w http.ResponseWriter, r *http.Request, me *Me) {
	a.callRoute(w, r, me, true, func(c api.Call) {
		out, err := a.calls.CallEligibility(r.Context(), c.ID)
		a.reply(w, http.StatusOK, out, err)
	})
}
