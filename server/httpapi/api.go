// Package httpapi serves meetd's REST API, the /v1/ws event and signalling
// socket and /healthz (and, on a separate listener, /metrics). Routes are listed in api/routes.go; roles
// are enforced on every route: operators and supervisors see only their
// channels, admin routes need the admin role.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/eventbus"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/store"
	"github.com/prometheus/client_golang/prometheus"
)

// HandlerFunc is an authenticated handler.
type HandlerFunc func(w http.ResponseWriter, r *http.Request, me *Me)

// Auth wraps an authenticated handler: it checks the bearer token and that
// the caller's role is at least role, and counts the request in /metrics.
type Auth func(role api.Role, h HandlerFunc) http.Handler

// API is the HTTP front of meetd.
type API struct {
	st       store.Store
	bus      *eventbus.Bus
	inbox    *inbox.Service
	calls    CallControl
	sig      Signaller
	guidance GuidanceStore
	audit    Auditor        // call recording downloads (callcentre.go); nil refuses them
	files    RecordingFiles // where recordings are read from (callcentre.go)
	log      *slog.Logger
	now      func() time.Time
	tokenTTL time.Duration
	ping     time.Duration
	wsBuffer int
	extra    []func(*http.ServeMux, Auth)
	mux      *http.ServeMux
	metrics  *metrics
	wsCtx    context.Context // cancelled by CloseWebSockets
	wsStop   context.CancelFunc
	wsWG     sync.WaitGroup
	limits   LoginLimits
	guard    *LoginGuard
	tickets  ticketBook
}

// Option configures New.
type Option func(*API)

// WithCallControl plugs in the call lifecycle (nil: call routes answer 503 unavailable).
func WithCallControl(c CallControl) Option { return func(a *API) { a.calls = c } }

// WithSignaller plugs in WebRTC signalling (nil: rtc.offer answers an unavailable error).
func WithSignaller(s Signaller) Option { return func(a *API) { a.sig = s } }

// WithGuidanceStore plugs in guidance upload (nil: the route answers 503 unavailable).
func WithGuidanceStore(g GuidanceStore) Option { return func(a *API) { a.guidance = g } }

// WithInbox uses an existing inbox service (default: inbox.New(store)).
func WithInbox(s *inbox.Service) Option { return func(a *API) { a.inbox = s } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(a *API) { a.log = l } }

// WithClock injects the clock (token expiry).
func WithClock(now func() time.Time) Option { return func(a *API) { a.now = now } }

// WithTokenTTL sets how long a login token lives (default 7 days).
func WithTokenTTL(d time.Duration) Option { return func(a *API) { a.tokenTTL = d } }

// WithPingInterval sets the WebSocket keep-alive interval (default 20 s);
// each ping also re-checks that the token is still valid.
func WithPingInterval(d time.Duration) Option { return func(a *API) { a.ping = d } }

// WithRoutes lets another package add routes (stats, exports, automations):
// fn gets the mux and the Auth wrapper, e.g.
//
//	mux.Handle("GET /v1/stats", auth(api.RoleSupervisor, statsHandler))
func WithRoutes(fn func(mux *http.ServeMux, auth Auth)) Option {
	return func(a *API) { a.extra = append(a.extra, fn) }
}

// WithLoginLimits sets the login flood limits (zero fields: defaults).
func WithLoginLimits(l LoginLimits) Option { return func(a *API) { a.limits = l } }

// WithRegistry registers the metrics in reg (default: a new registry with
// the Go and process collectors).
func WithRegistry(reg *prometheus.Registry) Option {
	return func(a *API) { a.metrics = newMetrics(reg) }
}

// New builds the API over a store and the event bus its OnCommit feeds.
func New(st store.Store, bus *eventbus.Bus, opts ...Option) *API {
	a := &API{st: st, bus: bus, log: slog.Default(), now: time.Now, tokenTTL: 7 * 24 * time.Hour,
		ping: 20 * time.Second, wsBuffer: 1024, files: localFiles{}}
	for _, o := range opts {
		o(a)
	}
	if a.inbox == nil {
		a.inbox = inbox.New(st, inbox.WithLogger(a.log))
	}
	if a.metrics == nil {
		a.metrics = newMetrics(nil)
	}
	a.guard = NewLoginGuard(a.limits, a.now)
	a.metrics.registerBus(bus)
	a.wsCtx, a.wsStop = context.WithCancel(context.Background())
	a.mux = http.NewServeMux()
	a.routes()
	for _, fn := range a.extra {
		fn(a.mux, a.auth)
	}
	return a
}

// Handler is the root handler.
func (a *API) Handler() http.Handler { return a.mux }

// Inbox is the inbox service the API uses.
func (a *API) Inbox() *inbox.Service { return a.inbox }

// CloseWebSockets ends every WebSocket session and waits for them (the
// HTTP server's Shutdown does not wait for hijacked connections).
func (a *API) CloseWebSockets() {
	a.wsStop()
	a.wsWG.Wait()
}

// MetricsHandler serves the Prometheus metrics. It is not on Handler:
// meetd serves it on its own --metrics listener (loopback by default).
func (a *API) MetricsHandler() http.Handler { return a.metrics.handler() }

// Registry holds the API's Prometheus metrics.
func (a *API) Registry() *prometheus.Registry { return a.metrics.reg }

const (
	operator   = api.RoleOperator
	supervisor = api.RoleSupervisor
	admin      = api.RoleAdmin
)

func (a *API) routes() {
	m := a.mux
	m.Handle("GET /healthz", a.public(a.healthz))
	m.Handle("POST /v1/login", a.public(a.login))
	m.Handle("POST /v1/logout", a.auth(operator, a.logout))
	m.Handle("GET /v1/me", a.auth(operator, a.getMe))
	m.Handle("GET /v1/me/settings", a.auth(operator, a.getSettings))
	m.Handle("PUT /v1/me/settings", a.auth(operator, a.putSettings))
	m.Handle("GET /v1/staff", a.auth(operator, a.listStaff))
	m.Handle("GET /v1/staff/{id}/eligibility", a.auth(operator, a.staffEligibility))
	m.Handle("GET /v1/channels", a.auth(operator, a.listChannels))

	m.Handle("GET /v1/chats", a.auth(operator, a.listChats))
	m.Handle("GET /v1/chats/counts", a.auth(operator, a.chatCounts))
	m.Handle("GET /v1/chats/{id}", a.auth(operator, a.getChat))
	m.Handle("GET /v1/recordings/{id}", a.auth(operator, a.recording))
	m.Handle("PATCH /v1/chats/{id}", a.auth(operator, a.patchChat))
	m.Handle("GET /v1/chats/{id}/events", a.auth(operator, a.chatEvents))
	m.Handle("GET /v1/chats/{id}/calls", a.auth(operator, a.chatCalls))
	m.Handle("POST /v1/chats/{id}/tags", a.auth(operator, a.addTag))
	m.Handle("DELETE /v1/chats/{id}/tags/{tag}", a.auth(operator, a.removeTag))
	m.Handle("POST /v1/chats/{id}/followers", a.auth(operator, a.addFollower))
	m.Handle("GET /v1/chats/{id}/memos", a.auth(operator, a.listMemos))
	m.Handle("POST /v1/chats/{id}/memos", a.auth(operator, a.addMemo))
	m.Handle("GET /v1/chats/{id}/messages", a.auth(operator, a.listMessages))
	m.Handle("POST /v1/chats/{id}/messages", a.auth(operator, a.addMessage))
	m.Handle("POST /v1/chats/{id}/callback", a.auth(operator, a.callback))
	m.Handle("GET /v1/customers/{id}", a.auth(operator, a.getCustomer))
	m.Handle("PATCH /v1/customers/{id}", a.auth(operator, a.patchCustomer))

	m.Handle("GET /v1/calls", a.auth(operator, a.listCalls))
	m.Handle("POST /v1/calls", a.auth(operator, a.dial))
	m.Handle("GET /v1/calls/{id}", a.auth(operator, a.getCall))
	m.Handle("POST /v1/calls/{id}/accept", a.auth(operator, a.accept))
	m.Handle("POST /v1/calls/{id}/decline", a.auth(operator, a.decline))
	m.Handle("POST /v1/calls/{id}/join", a.auth(operator, a.join))
	m.Handle("POST /v1/calls/{id}/invite", a.auth(operator, a.invite))
	m.Handle("POST /v1/calls/{id}/leave", a.auth(operator, a.callAction(CallControl.Leave)))
	m.Handle("POST /v1/calls/{id}/hangup", a.auth(operator, a.callAction(CallControl.Hangup)))
	m.Handle("POST /v1/calls/{id}/hold", a.auth(operator, a.callAction(CallControl.Hold)))
	m.Handle("POST /v1/calls/{id}/resume", a.auth(operator, a.callAction(CallControl.Resume)))
	m.Handle("GET /v1/teams", a.auth(operator, a.listTeams))
	m.Handle("POST /v1/calls/{id}/transfer", a.auth(operator, a.transferCall))
	m.Handle("POST /v1/calls/{id}/transfer/complete", a.auth(operator, a.completeTransfer))
	m.Handle("POST /v1/calls/{id}/transfer/cancel", a.auth(operator, a.cancelTransfer))
	m.Handle("GET /v1/calls/{id}/eligibility", a.auth(operator, a.callEligibility))

	m.Handle("GET /v1/ws", a.auth(operator, a.serveWS))
	m.Handle("POST /v1/ws/ticket", a.auth(operator, a.wsTicket))

	m.Handle("GET /v1/admin/channels", a.auth(admin, a.adminListChannels))
	m.Handle("POST /v1/admin/channels", a.auth(admin, a.adminCreateChannel))
	m.Handle("PATCH /v1/admin/channels/{id}", a.auth(admin, a.adminPatchChannel))
	m.Handle("POST /v1/admin/channels/{id}/numbers", a.auth(admin, a.adminAddNumber))
	m.Handle("PUT /v1/admin/channels/{id}/hours", a.auth(admin, a.adminSetHours))
	m.Handle("POST /v1/admin/channels/{id}/guidance/{kind}", a.auth(admin, a.adminGuidance))
	m.Handle("GET /v1/admin/channels/{id}/menu", a.auth(admin, a.adminGetMenu))
	m.Handle("PUT /v1/admin/channels/{id}/menu", a.auth(admin, a.adminPutMenu))
	m.Handle("DELETE /v1/admin/channels/{id}/menu", a.auth(admin, a.adminDeleteMenu))
	m.Handle("GET /v1/admin/teams", a.auth(admin, a.adminListTeams))
	m.Handle("POST /v1/admin/teams", a.auth(admin, a.adminCreateTeam))
	m.Handle("POST /v1/admin/teams/{id}/members", a.auth(admin, a.adminAddMember))
	m.Handle("GET /v1/admin/staff", a.auth(admin, a.adminListStaff))
	m.Handle("POST /v1/admin/staff", a.auth(admin, a.adminCreateStaff))

	// Anything else under /v1 is a JSON 404 / 405, not the mux's text page.
	m.Handle("/v1/", a.public(a.noRoute))
	m.Handle("/", a.public(a.noRoute))
}

func (a *API) healthz(w http.ResponseWriter, r *http.Request, _ *Me) {
	var last int64
	err := a.st.View(r.Context(), func(tx store.Tx) (err error) { last, err = tx.LastEventID(); return })
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "last_event_id": last})
}

// noRoute answers 405 when the path exists with other methods, else 404.
func (a *API) noRoute(w http.ResponseWriter, r *http.Request, _ *Me) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := a.mux.Handler(probe); pattern != "" && pattern != "/v1/" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		e := api.Errorf(api.CodeBadRequest, "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))
		e.Status = http.StatusMethodNotAllowed
		WriteError(w, nil, e)
		return
	}
	WriteError(w, nil, api.Errorf(api.CodeNotFound, "no route %s %s", r.Method, r.URL.Path))
}
