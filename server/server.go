// Package server is meetd's composition root: it opens the store, the event
// bus and the HTTP API, lets the call lifecycle, media and trunk plug in, and
// runs everything until its context ends.
//
//	srv, err := server.New(cfg,
//		server.WithSetup(func(s *server.Server) error {
//			lc := calls.New(s.Store(), ...)      // needs the store and bus
//			s.SetCallControl(lc)
//			s.Go(lc.Run)                        // background loops
//			return nil
//		}))
//	err = srv.Run(ctx)
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/meet-dev/meet/server/eventbus"
	"github.com/meet-dev/meet/server/httpapi"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/store/sqlite"
)

// Server is one meetd instance.
type Server struct {
	cfg      Config
	log      *slog.Logger
	db       *sqlite.DB
	bus      *eventbus.Bus
	inbox    *inbox.Service
	calls    httpapi.CallControl
	sig      httpapi.Signaller
	guidance httpapi.GuidanceStore
	routes   []func(*http.ServeMux, httpapi.Auth)
	setup    []func(*Server) error
	runners  []func(context.Context) error
	api      *httpapi.API
	ln       net.Listener
	mu       sync.Mutex
}

// Option configures New.
type Option func(*Server)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithCallControl plugs in the call lifecycle (server/calls).
func WithCallControl(c httpapi.CallControl) Option { return func(s *Server) { s.calls = c } }

// WithSignaller plugs in WebRTC signalling (server/room).
func WithSignaller(sig httpapi.Signaller) Option { return func(s *Server) { s.sig = sig } }

// WithGuidanceStore plugs in guidance upload (server/room).
func WithGuidanceStore(g httpapi.GuidanceStore) Option { return func(s *Server) { s.guidance = g } }

// WithRoutes adds HTTP routes (stats, exports, automations).
func WithRoutes(fn func(*http.ServeMux, httpapi.Auth)) Option {
	return func(s *Server) { s.routes = append(s.routes, fn) }
}

// WithSetup runs fn once the store and bus are open, before the API is
// built: the place to construct components that need them and plug them in
// with the Set* methods and Go.
func WithSetup(fn func(*Server) error) Option {
	return func(s *Server) { s.setup = append(s.setup, fn) }
}

// New opens the store and bus and builds the API (it does not listen yet).
func New(cfg Config, opts ...Option) (*Server, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: slog.Default(), bus: eventbus.New()}
	for _, o := range opts {
		o(s)
	}
	if err := os.MkdirAll(filepath.Dir(cfg.DBPath), 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	db, err := sqlite.Open(cfg.DBPath, sqlite.WithLogger(s.log), sqlite.WithBusyTimeout(cfg.BusyTimeout),
		sqlite.WithOnCommit(s.bus.Publish))
	if err != nil {
		return nil, err
	}
	s.db = db
	s.inbox = inbox.New(db, inbox.WithLogger(s.log))
	for _, fn := range s.setup {
		if err := fn(s); err != nil {
			db.Close()
			return nil, err
		}
	}
	apiOpts := []httpapi.Option{httpapi.WithLogger(s.log), httpapi.WithInbox(s.inbox), httpapi.WithTokenTTL(cfg.TokenTTL)}
	if s.calls != nil {
		apiOpts = append(apiOpts, httpapi.WithCallControl(s.calls))
	}
	if s.sig != nil {
		apiOpts = append(apiOpts, httpapi.WithSignaller(s.sig))
	}
	if s.guidance != nil {
		apiOpts = append(apiOpts, httpapi.WithGuidanceStore(s.guidance))
	}
	for _, fn := range s.routes {
		apiOpts = append(apiOpts, httpapi.WithRoutes(fn))
	}
	s.api = httpapi.New(db, s.bus, apiOpts...)
	return s, nil
}

// Store is the open database.
func (s *Server) Store() *sqlite.DB { return s.db }

// Bus is the event bus fed by committed transactions.
func (s *Server) Bus() *eventbus.Bus { return s.bus }

// Inbox is the inbox service.
func (s *Server) Inbox() *inbox.Service { return s.inbox }

// Logger is the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// API is the HTTP API.
func (s *Server) API() *httpapi.API { return s.api }

// SetCallControl plugs in the call lifecycle (call from a WithSetup hook).
func (s *Server) SetCallControl(c httpapi.CallControl) { s.calls = c }

// SetSignaller plugs in WebRTC signalling (call from a WithSetup hook).
func (s *Server) SetSignaller(sig httpapi.Signaller) { s.sig = sig }

// SetGuidanceStore plugs in guidance upload (call from a WithSetup hook).
func (s *Server) SetGuidanceStore(g httpapi.GuidanceStore) { s.guidance = g }

// AddRoutes adds HTTP routes (call from a WithSetup hook).
func (s *Server) AddRoutes(fn func(*http.ServeMux, httpapi.Auth)) { s.routes = append(s.routes, fn) }

// Go registers a background loop that Run starts and waits for; an error
// from it stops the server.
func (s *Server) Go(fn func(context.Context) error) { s.runners = append(s.runners, fn) }

// Listen binds the HTTP address (Run calls it when needed).
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.HTTPAddr, err)
	}
	s.ln = ln
	return nil
}

// Addr is the bound HTTP address (after Listen or Run).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// URL is the base URL of the API (after Listen).
func (s *Server) URL() string {
	scheme := "http"
	if s.cfg.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + s.Addr().String()
}

// Run serves until ctx ends, then shuts down and closes the store.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		s.db.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &http.Server{Handler: s.api.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	var wg sync.WaitGroup
	errc := make(chan error, len(s.runners)+2)
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.inbox.RunSnoozeLoop(ctx, s.cfg.SnoozeInterval)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.syncExternal(ctx)
	}()
	for _, fn := range s.runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				errc <- err
			}
		}()
	}
	go func() {
		var err error
		if s.cfg.TLSCert != "" {
			srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			err = srv.ServeTLS(s.ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			err = srv.Serve(s.ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	s.log.Info("meetd serving", "addr", s.ln.Addr().String(), "tls", s.cfg.TLSCert != "", "db", s.cfg.DBPath)
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
		s.log.Error("stopping", "err", runErr)
	}
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	s.api.CloseWebSockets()
	wg.Wait()
	return errors.Join(runErr, s.db.Close())
}

// syncExternal announces events that `meetd admin` (another process) wrote.
func (s *Server) syncExternal(ctx context.Context) {
	t := time.NewTicker(s.cfg.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.db.SyncExternal(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("picking up events of other processes", "err", err)
			}
		}
	}
}

// Close releases the store of a server that was never Run.
func (s *Server) Close() error { return s.db.Close() }
