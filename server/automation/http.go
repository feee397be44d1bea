package automation

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/httpapi"
	"github.com/meet-dev/meet/server/store"
)

// Routes adds the automations admin and the SMS outbox view to the API
// (server.WithRoutes(automation.Routes(...))).
func Routes(st store.Store, rep store.Reports, log *slog.Logger) func(*http.ServeMux, httpapi.Auth) {
	h := &handlers{st: st, rep: rep, log: log}
	return func(mux *http.ServeMux, auth httpapi.Auth) {
		mux.Handle("GET /v1/admin/channels/{id}/automations", auth(api.RoleAdmin, h.getAutomations))
		mux.Handle("PUT /v1/admin/channels/{id}/automations", auth(api.RoleAdmin, h.putAutomations))
		mux.Handle("GET /v1/admin/sms", auth(api.RoleSupervisor, h.sms))
	}
}

type handlers struct {
	st  store.Store
	rep store.Reports
	log *slog.Logger
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, api.Errorf(api.CodeBadRequest, "%q is not an id", r.PathValue("id"))
	}
	return id, nil
}

func (h *handlers) getAutomations(w http.ResponseWriter, r *http.Request, _ *httpapi.Me) {
	id, err := pathID(r)
	if err == nil {
		var list []api.Automation
		if list, err = h.rep.Automations(r.Context(), id); err == nil {
			httpapi.WriteJSON(w, http.StatusOK, list)
			return
		}
	}
	httpapi.WriteError(w, h.log, err)
}

func (h *handlers) putAutomations(w http.ResponseWriter, r *http.Request, _ *httpapi.Me) {
	id, err := pathID(r)
	var list []api.Automation
	if err == nil {
		err = httpapi.DecodeJSON(w, r, &list, 0)
	}
	for i := 0; err == nil && i < len(list); i++ {
		err = Validate(list[i])
	}
	if err == nil {
		list, err = h.rep.PutAutomations(r.Context(), id, list)
	}
	if err != nil {
		httpapi.WriteError(w, h.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, list)
}

func (h *handlers) sms(w http.ResponseWriter, r *http.Request, me *httpapi.Me) {
	var chatID int64
	var err error
	if s := r.URL.Query().Get("chat"); s != "" {
		if chatID, err = strconv.ParseInt(s, 10, 64); err != nil || chatID < 0 {
			err = api.Errorf(api.CodeBadRequest, "%s=%q is not an id", "chat", s)
		}
	}
	if err == nil && chatID == 0 && !me.Admin() {
		err = api.Errorf(api.CodeForbidden, "the whole outbox is for admins; give ?chat=ID")
	}
	if err == nil && chatID != 0 {
		err = h.st.View(r.Context(), func(tx store.Tx) error {
			c, err := tx.Chat(chatID)
			if err == nil && !me.CanSee(c.ChannelID) {
				err = api.Errorf(api.CodeNotFound, "chat %d not found", chatID)
			}
			return err
		})
	}
	if err != nil {
		httpapi.WriteError(w, h.log, err)
		return
	}
	list, err := h.rep.ListSMS(r.Context(), chatID)
	if err != nil {
		httpapi.WriteError(w, h.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, list)
}
