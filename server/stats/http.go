package stats

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/httpapi"
	"github.com/meet-dev/meet/server/store"
)

// Routes adds statistics, exports and the audit log to the API
// (server.WithRoutes(stats.Routes(...))).
func Routes(svc *Service, rep store.Reports, log *slog.Logger) func(*http.ServeMux, httpapi.Auth) {
	h := &handlers{svc: svc, rep: rep, log: log}
	return func(mux *http.ServeMux, auth httpapi.Auth) {
		mux.Handle("GET /v1/stats", auth(api.RoleSupervisor, h.stats))
		mux.Handle("GET /v1/exports/calls.csv", auth(api.RoleSupervisor, h.export("csv")))
		mux.Handle("GET /v1/exports/calls.jsonl", auth(api.RoleSupervisor, h.export("jsonl")))
		mux.Handle("GET /v1/exports/audit", auth(api.RoleAdmin, h.audit))
	}
}

type handlers struct {
	svc *Service
	rep store.Reports
	log *slog.Logger
}

// parseTime accepts RFC 3339 or a plain date (midnight UTC).
func parseTime(v url.Values, key string, required bool) (time.Time, error) {
	s := v.Get(key)
	if s == "" {
		if required {
			return time.Time{}, api.Errorf(api.CodeBadRequest, "%s is required (RFC 3339 or YYYY-MM-DD)", key)
		}
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, api.Errorf(api.CodeBadRequest, "%s=%q: want RFC 3339 or YYYY-MM-DD", key, s)
}

func parseID(v url.Values, key string) (int64, error) {
	s := v.Get(key)
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return 0, api.Errorf(api.CodeBadRequest, "%s=%q is not an id", key, s)
	}
	return id, nil
}

func (h *handlers) stats(w http.ResponseWriter, r *http.Request, me *httpapi.Me) {
	v := r.URL.Query()
	q := api.StatsQuery{Interval: v.Get("interval"), MenuPath: v.Get("menu_path")}
	var err error
	if q.From, err = parseTime(v, "from", true); err == nil {
		if q.To, err = parseTime(v, "to", true); err == nil {
			if q.ChannelID, err = parseID(v, "channel"); err == nil {
				if q.TeamID, err = parseID(v, "team"); err == nil && v.Get("sl") != "" {
					q.ServiceLevelS, err = strconv.Atoi(v.Get("sl"))
					if err != nil || q.ServiceLevelS <= 0 {
						err = api.Errorf(api.CodeBadRequest, "sl=%q: want a positive number of seconds", v.Get("sl"))
					}
				}
			}
		}
	}
	if err != nil {
		httpapi.WriteError(w, h.log, err)
		return
	}
	st, err := h.svc.Stats(r.Context(), q, me.Channels())
	if err != nil {
		httpapi.WriteError(w, h.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, st)
}

func (h *handlers) export(format string) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, me *httpapi.Me) {
		v := r.URL.Query()
		req := ExportRequest{StaffID: me.ID(), Format: format, Purpose: v.Get("purpose"),
			Filter: store.ExportFilter{Reason: api.MissedReason(v.Get("reason")), Channels: me.Channels(), MenuPath: v.Get("menu_path")}}
		var err error
		if req.Filter.From, err = parseTime(v, "from", true); err == nil {
			if req.Filter.To, err = parseTime(v, "to", true); err == nil {
				if req.Filter.ChannelID, err = parseID(v, "channel"); err == nil {
					req.Filter.TeamID, err = parseID(v, "team")
				}
			}
		}
		if err == nil {
			err = req.Validate()
		}
		if err == nil && req.Filter.ChannelID != 0 && !me.CanSee(req.Filter.ChannelID) {
			err = api.Errorf(api.CodeForbidden, "channel %d is not yours", req.Filter.ChannelID)
		}
		if err != nil {
			httpapi.WriteError(w, h.log, err)
			return
		}
		rw, _ := NewRowWriter(format, nil)
		w.Header().Set("Content-Type", rw.ContentType())
		w.Header().Set("Content-Disposition", `attachment; filename="calls.`+format+`"`)
		n, err := h.svc.Export(r.Context(), req, w)
		if err != nil {
			// Headers are gone; the audit entry holds the row count.
			h.log.Warn("export broke off", "staff_id", me.ID(), "rows", n, "err", err)
			return
		}
		h.log.Info("export", "staff_id", me.ID(), "rows", n, "purpose", req.Purpose)
	}
}

func (h *handlers) audit(w http.ResponseWriter, r *http.Request, _ *httpapi.Me) {
	limit, err := httpapi.QueryInt(r.URL.Query(), "limit", 0, 1, 1000)
	if err != nil {
		httpapi.WriteError(w, h.log, err)
		return
	}
	list, err := h.rep.ListAudit(r.Context(), limit)
	if err != nil {
		httpapi.WriteError(w, h.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, list)
}
