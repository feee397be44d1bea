package httpapi

import (
	"errors"
	"io"
	"net/http"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// MaxGuidanceBytes limits guidance uploads.
const MaxGuidanceBytes = 64 << 20

func (a *API) adminListChannels(w http.ResponseWriter, r *http.Request, me *Me) {
	a.view(w, r, func(tx store.Tx) (any, error) { return tx.ListChannels() })
}

func (a *API) adminCreateChannel(w http.ResponseWriter, r *http.Request, me *Me) {
	var c api.Channel
	if err := DecodeJSON(w, r, &c, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	out, err := a.inbox.CreateChannel(r.Context(), me.ID(), c)
	a.reply(w, http.StatusCreated, out, err)
}

func (a *API) adminPatchChannel(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	var p api.ChannelPatch
	if err := DecodeJSON(w, r, &p, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	out, err := a.inbox.UpdateChannel(r.Context(), me.ID(), id, p)
	a.reply(w, http.StatusOK, out, err)
}

func (a *API) adminAddNumber(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	var b api.NumberBody
	if err := DecodeJSON(w, r, &b, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	out, err := a.inbox.AddNumber(r.Context(), me.ID(), id, b.Number)
	a.reply(w, http.StatusOK, out, err)
}

func (a *API) adminSetHours(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	var h api.Hours
	if err := DecodeJSON(w, r, &h, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	out, err := a.inbox.SetHours(r.Context(), me.ID(), id, h)
	a.reply(w, http.StatusOK, out, err)
}

var guidanceKinds = map[api.GuidanceKind]bool{api.GuidanceGreeting: true, api.GuidanceWait: true,
	api.GuidanceOutOfHours: true, api.GuidanceNotAccepting: true, api.GuidanceHold: true, api.GuidanceVoicemail: true, api.GuidanceRecording: true}

func (a *API) adminGuidance(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	kind := api.GuidanceKind(r.PathValue("kind"))
	if _, menu := api.MenuNodeOf(kind); !guidanceKinds[kind] && !menu {
		WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "unknown guidance kind %q (want greeting, wait, out-of-hours, not-accepting, hold, voicemail, recording or menu-NODE)", kind))
		return
	}
	if err := a.st.View(r.Context(), func(tx store.Tx) error { _, err := tx.Channel(id); return err }); err != nil {
		WriteError(w, a.log, err)
		return
	}
	if a.guidance == nil {
		WriteError(w, a.log, api.Errorf(api.CodeUnavailable, "guidance conversion is not running on this server"))
		return
	}
	tooLarge := api.Errorf(api.CodeTooLarge, "guidance file is larger than %d bytes", MaxGuidanceBytes)
	if r.ContentLength > MaxGuidanceBytes {
		WriteError(w, a.log, tooLarge)
		return
	}
	body := &limitBody{r: http.MaxBytesReader(w, r.Body, MaxGuidanceBytes)}
	if err := a.guidance.SetGuidance(r.Context(), id, kind, body); err != nil {
		var mbe *http.MaxBytesError
		if !errors.As(err, &mbe) && !body.hit && api.CodeOf(err) == api.CodeUnsupportedMedia {
			// The converter stops at the first bad byte; an upload over the
			// limit is still "too large", whatever it holds.
			io.Copy(io.Discard, body)
		}
		if errors.As(err, &mbe) || body.hit {
			err = tooLarge // the converter may wrap the read error as unsupported media
		}
		WriteError(w, a.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) adminListTeams(w http.ResponseWriter, r *http.Request, me *Me) {
	a.view(w, r, func(tx store.Tx) (any, error) { return tx.ListTeams(0) })
}

func (a *API) adminCreateTeam(w http.ResponseWriter, r *http.Request, me *Me) {
	var t api.Team
	if err := DecodeJSON(w, r, &t, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	out, err := a.inbox.CreateTeam(r.Context(), me.ID(), t)
	a.reply(w, http.StatusCreated, out, err)
}

func (a *API) adminAddMember(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	var b api.MemberBody
	if err := DecodeJSON(w, r, &b, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	out, err := a.inbox.AddTeamMember(r.Context(), me.ID(), id, b.StaffID)
	a.reply(w, http.StatusOK, out, err)
}

func (a *API) adminListStaff(w http.ResponseWriter, r *http.Request, me *Me) {
	a.listStaff(w, r, me)
}

func (a *API) adminCreateStaff(w http.ResponseWriter, r *http.Request, me *Me) {
	var req api.AdminStaffRequest
	if err := DecodeJSON(w, r, &req, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	out, err := a.inbox.CreateStaff(r.Context(), me.ID(), req)
	a.reply(w, http.StatusCreated, out, err)
}

// limitBody notes whether its http.MaxBytesReader hit the limit, however
// the reader's error is wrapped further up.
type limitBody struct {
	r   io.Reader
	hit bool
}

func (b *limitBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.hit = true
	}
	return n, err
}
