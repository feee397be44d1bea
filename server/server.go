// Package server runs meetd's HTTP side: the API over an open store, event
// bus and inbox, plus the background loops the composition root hands it,
// until its context ends. It builds nothing concrete itself: cmd/meetd opens
// the store, builds the phone side, statistics and automations, and passes
// them in as options.
//
//	srv, err := server.New(cfg, db, bus, inbox.New(db),
//		server.WithCallControl(tel.Calls),
//		server.WithRoutes(stats.Routes(...)),
//		server.WithRunner(tel.Run))
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
	"sync"
	"time"

	"github.com/meet-dev/meet/server/eventbus"
	"github.com/meet-dev/meet/server/httpapi"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/store"
	"github.com/prometheus/client_golang/prometheus"
)

// Store is what the server needs of the store: transactions, and handing
// events that other processes (`meetd admin`) wrote to the bus.
type Store interface {
	store.Store
	// SyncExternal hands events other processes appended to the store's
	// commit hook, in id order and once.
	SyncExternal(ctx context.Context) error
}

// Server is one meetd instance.
type Server struct {
	cfg       Config
	log       *slog.Logger
	st        Store
	bus       *eventbus.Bus
	inbox     *inbox.Service
	apiOpts   []httpapi.Option
	metrics   []prometheus.Collector // registered in the API's registry (WithCollectors)
	runners   []func(context.Context) error
	api       *httpapi.API
	ln        net.Listener
	metricsLn net.Listener
	mu        sync.Mutex
}

// Option configures New.
type Option func(*Server)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithCallControl plugs in the call lifecycle (server/calls).
func WithCallControl(c httpapi.CallControl) Option {
	return func(s *Server) { s.apiOpts = append(s.apiOpts, httpapi.WithCallControl(c)) }
}

// WithSignaller plugs in WebRTC signalling (server/room).
func WithSignaller(sig httpapi.Signaller) Option {
	return func(s *Server) { s.apiOpts = append(s.apiOpts, httpapi.WithSignaller(sig)) }
}

// WithGuidanceStore plugs in guidance upload (server/room).
func WithGuidanceStore(g httpapi.GuidanceStore) Option {
	return func(s *Server) { s.apiOpts = append(s.apiOpts, httpapi.WithGuidanceStore(g)) }
}

// WithAudit audits call recording downloads (httpapi.WithAudit).
func WithAudit(a httpapi.Auditor) Option {
	return func(s *Server) { s.apiOpts = append(s.apiOpts, httpapi.WithAudit(a)) }
}

// WithRecordingFiles serves recordings from f (httpapi.WithRecordingFiles).
func WithRecordingFiles(f httpapi.RecordingFiles) Option {
	return func(s *Server) { s.apiOpts = append(s.apiOpts, httpapi.WithRecordingFiles(f)) }
}

// WithRoutes adds an HTTP area's routes (stats and exports, automations).
func WithRoutes(fn func(*http.ServeMux, httpapi.Auth)) Option {
	return func(s *Server) { s.apiOpts = append(s.apiOpts, httpapi.WithRoutes(fn)) }
}

// WithCollectors adds collectors to the /metrics registry.
func WithCollectors(cs ...prometheus.Collector) Option {
	return func(s *Server) { s.metrics = append(s.metrics, cs...) }
}

// WithRunner adds a background loop that Run starts and waits for; an error
// from it stops the server.
func WithRunner(fn func(context.Context) error) Option {
	return func(s *Server) { s.runners = append(s.runners, fn) }
}

// New builds the API over an open store (it does not listen yet). The
// store's committed events must reach bus; the server owns st from here and
// closes it when Run returns (or on Close).
func New(cfg Config, st Store, bus *eventbus.Bus, in *inbox.Service, opts ...Option) (*Server, error) {
	if err := cfg.Defaults(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: slog.Default(), st: st, bus: bus, inbox: in}
	for _, o := range opts {
		o(s)
	}
	apiOpts := append([]httpapi.Option{httpapi.WithLogger(s.log), httpapi.WithInbox(in), httpapi.WithTokenTTL(cfg.TokenTTL)},
		s.apiOpts...)
	s.api = httpapi.New(st, bus, apiOpts...)
	s.api.Registry().MustRegister(s.metrics...)
	return s, nil
}

// Store is the open store.
func (s *Server) Store() store.Store { return s.st }

// Bus is the event bus fed by committed transactions.
func (s *Server) Bus() *eventbus.Bus { return s.bus }

// Inbox is the inbox service.
func (s *Server) Inbox() *inbox.Service { return s.inbox }

// Logger is the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// API is the HTTP API.
func (s *Server) API() *httpapi.API { return s.api }

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
		s.st.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := newHTTPServer(s.api.Handler(), s.log)
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
	ln := s.ln
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			s.ln.Close()
			s.st.Close()
			return fmt.Errorf("TLS certificate: %w", err)
		}
		// TLS below the JSON-error wrapper, so net/http's own answers are
		// rewritten before encryption (HTTP/1.1 only; WebSockets need it anyway).
		ln = tls.NewListener(ln, &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert},
			NextProtos: []string{"http/1.1"}})
	}
	go func() {
		if err := srv.Serve(httpapi.JSONErrors(ln)); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	msrv := s.serveMetrics(errc)
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
	if msrv != nil {
		msrv.Close()
	}
	s.api.CloseWebSockets()
	wg.Wait()
	return errors.Join(runErr, s.st.Close())
}

// newHTTPServer is the HTTP server with meetd's limits: headers within 10 s
// and 64 KiB, request bodies within 5 min, idle keep-alives closed after
// 2 min. (No WriteTimeout: WebSockets and exports stream for longer; the
// WebSocket session has its own ping deadline.)
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// serveMetrics serves /metrics on its own listener (Config.MetricsAddr).
func (s *Server) serveMetrics(errc chan<- error) *http.Server {
	if s.cfg.MetricsAddr == "" || s.cfg.MetricsAddr == "off" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		if s.cfg.MetricsOptional {
			s.log.Warn("metrics listener not started", "addr", s.cfg.MetricsAddr, "err", err)
			return nil
		}
		errc <- fmt.Errorf("metrics listener %s: %w", s.cfg.MetricsAddr, err)
		return nil
	}
	s.mu.Lock()
	s.metricsLn = ln
	s.mu.Unlock()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.api.MetricsHandler())
	srv := newHTTPServer(mux, s.log)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	s.log.Info("metrics serving", "addr", ln.Addr().String())
	return srv
}

// MetricsAddr is the bound address of the metrics listener (nil when off
// or not yet started).
func (s *Server) MetricsAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.metricsLn == nil {
		return nil
	}
	return s.metricsLn.Addr()
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
			if err := s.st.SyncExternal(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("picking up events of other processes", "err", err)
			}
		}
	}
}

// Close releases the store of a server that was never Run.
func (s *Server) Close() error { return s.st.Close() }
