package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// Call-centre routes (api/callcentre.go).

// Auditor appends to the audit log (store.Reports does).
type Auditor interface {
	AddAudit(ctx context.Context, e *api.AuditEntry) error
}

// WithAudit audits call recording downloads like exports.
func WithAudit(a Auditor) Option { return func(api *API) { api.audit = a } }

// RecordingFiles opens a recording's audio: fs.ErrNotExist when there is
// no file to serve.
type RecordingFiles interface {
	Open(ctx context.Context, rec api.Recording) (io.ReadSeekCloser, error)
}

// localFiles serves recordings from this meetd's disk (a single meetd).
type localFiles struct{}

func (localFiles) Open(_ context.Context, rec api.Recording) (io.ReadSeekCloser, error) {
	return os.Open(rec.Path)
}

// WithRecordingFiles serves recordings from f instead of this meetd's own
// disk (a cluster: any node's recordings, through its archive).
func WithRecordingFiles(f RecordingFiles) Option { return func(api *API) { api.files = f } }

func (a *API) adminGetMenu(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	a.view(w, r, func(tx store.Tx) (any, error) {
		c, err := tx.Channel(id)
		if err != nil {
			return nil, err
		}
		if c.Menu == nil {
			return nil, api.Errorf(api.CodeNotFound, "channel %d has no menu", id)
		}
		return c.Menu, nil
	})
}

func (a *API) adminPutMenu(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	var m api.Menu
	if err := DecodeJSON(w, r, &m, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	menu := &m
	if m.Root == "" && len(m.Nodes) == 0 {
		menu = nil // {} removes the menu
	}
	out, err := a.inbox.SetMenu(r.Context(), me.ID(), id, menu)
	a.reply(w, http.StatusOK, out, err)
}

func (a *API) adminDeleteMenu(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	out, err := a.inbox.SetMenu(r.Context(), me.ID(), id, nil)
	a.reply(w, http.StatusOK, out, err)
}

// recording serves a voicemail or call recording as audio/wav to staff of
// its channel. Call recordings (not voicemails) need the supervisor role.
func (a *API) recording(w http.ResponseWriter, r *http.Request, me *Me) {
	id, err := pathID(r, "id")
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	var rec api.Recording
	if err := a.st.View(r.Context(), func(tx store.Tx) (err error) { rec, err = tx.Recording(id); return }); err != nil {
		WriteError(w, a.log, err)
		return
	}
	if !me.CanSee(rec.ChannelID) {
		WriteError(w, a.log, api.Errorf(api.CodeNotFound, "recording %d not found", id))
		return
	}
	if rec.Expired != nil {
		WriteError(w, a.log, api.Errorf(api.CodeGone, "%s %d expired on %s: its channel's retention deleted the file",
			rec.Kind, id, rec.Expired.UTC().Format(time.DateOnly)))
		return
	}
	var audit *api.AuditEntry
	if rec.Kind != api.RecordingVoicemail {
		purpose := strings.TrimSpace(r.URL.Query().Get("purpose"))
		switch {
		case me.Role().Rank() < api.RoleSupervisor.Rank():
			WriteError(w, a.log, api.Errorf(api.CodeForbidden, "call recordings are for supervisors"))
			return
		case purpose == "" || len(purpose) > 500:
			WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "say why you download call recording %d: ?purpose=WHY (1-500 characters; it is audited)", id))
			return
		case a.audit == nil:
			WriteError(w, a.log, api.Errorf(api.CodeUnavailable, "no audit log: call recordings cannot be downloaded"))
			return
		}
		audit = &api.AuditEntry{StaffID: me.ID(), At: time.Now().UTC(), Action: api.AuditRecordingDownload, Purpose: purpose,
			Filters: fmt.Sprintf("recording=%d call=%d chat=%d", rec.ID, rec.CallID, rec.ChatID), Rows: 1}
	}
	f, err := a.files.Open(r.Context(), rec)
	if err != nil {
		a.log.Warn("recording file unreadable", "recording_id", id, "path", rec.Path, "err", err)
		if errors.Is(err, fs.ErrNotExist) {
			WriteError(w, a.log, api.Errorf(api.CodeNotFound, "recording %d has no file on the server", id))
		} else {
			WriteError(w, a.log, api.Errorf(api.CodeUnavailable, "recording %d could not be read: %v", id, err))
		}
		return
	}
	// Audited once the file is there to serve, before any byte of it leaves.
	if audit != nil {
		if err := a.audit.AddAudit(r.Context(), audit); err != nil {
			f.Close()
			WriteError(w, a.log, err)
			return
		}
		a.log.Info("call recording downloaded", "staff_id", me.ID(), "recording_id", rec.ID, "purpose", audit.Purpose)
	}
	defer f.Close()
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Content-Disposition", "attachment; filename=\"recording-"+strconv.FormatInt(id, 10)+".wav\"")
	http.ServeContent(w, r, "", rec.Created, f)
}

// transferCall starts a blind or attended transfer (api/transfer.go).
func (a *API) transferCall(w http.ResponseWriter, r *http.Request, me *Me) {
	a.callRoute(w, r, me, true, func(c api.Call) {
		var req api.TransferRequest
		if err := DecodeJSON(w, r, &req, 0); err != nil {
			WriteError(w, a.log, err)
			return
		}
		out, err := a.calls.Transfer(r.Context(), me.ID(), c.ID, req)
		a.reply(w, http.StatusOK, out, err)
	})
}

func (a *API) completeTransfer(w http.ResponseWriter, r *http.Request, me *Me) {
	a.callRoute(w, r, me, true, func(c api.Call) {
		out, err := a.calls.CompleteTransfer(r.Context(), me.ID(), c.ID)
		a.reply(w, http.StatusOK, out, err)
	})
}

func (a *API) cancelTransfer(w http.ResponseWriter, r *http.Request, me *Me) {
	a.callRoute(w, r, me, true, func(c api.Call) {
		out, err := a.calls.CancelTransfer(r.Context(), me.ID(), c.ID)
		a.reply(w, http.StatusOK, out, err)
	})
}

// listTeams lists the teams of the caller's channels (transfer targets).
func (a *API) listTeams(w http.ResponseWriter, r *http.Request, me *Me) {
	a.view(w, r, func(tx store.Tx) (any, error) {
		all, err := tx.ListTeams(0)
		if err != nil {
			return nil, err
		}
		out := make([]api.Team, 0, len(all))
		for _, t := range all {
			if me.CanSee(t.ChannelID) {
				out = append(out, t)
			}
		}
		return out, nil
	})
}
