package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/meet-dev/meet/internal/sdnotify"
	"github.com/meet-dev/meet/server"
	"github.com/meet-dev/meet/server/store"
)

func addDBFlag(cmd *cobra.Command) {
	cmd.Flags().String("db", server.DefaultDBPath(), "database: a SQLite file path (or sqlite:PATH) or a postgres://user:password@host/dbname URL (MEETD_DB)")
}

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server: HTTP API and WebSocket (TLS when --tls-cert and --tls-key are set), and the phone side when --sip is set",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := config(cmd)
			if err != nil {
				return err
			}
			cfg := server.Config{
				DBPath:   v.GetString("db"),
				HTTPAddr: v.GetString("http"),
				TLSCert:  v.GetString("tls-cert"),
				TLSKey:   v.GetString("tls-key"),
				TokenTTL: v.GetDuration("token-ttl"),
				// The default address may be held by another meetd: then no metrics, with a warning.
				MetricsAddr: v.GetString("metrics"), MetricsOptional: !cmd.Flags().Changed("metrics") && !v.IsSet("metrics"),
			}
			level := slog.LevelInfo
			if err := level.UnmarshalText([]byte(v.GetString("log-level"))); err != nil {
				return fmt.Errorf("--log-level: %w", err)
			}
			log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			feat, err := featuresFromViper(v)
			if err != nil {
				return err
			}
			if n, err := applyMemoryLimit(v); err != nil {
				return err
			} else if n > 0 {
				log.Info("soft memory limit", "bytes", n)
			}
			srv, err := newServer(cfg, log, feat)
			if err != nil {
				return err
			}
			if err := srv.Listen(); err != nil {
				srv.Close()
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "meetd listening on %s (database %s)\n", srv.URL(), dsnString(cfg.DBPath))
			stopPprof, err := startPprof(v, log)
			if err != nil {
				srv.Close()
				return err
			}
			defer stopPprof()
			if path := v.GetString("cpu-profile"); path != "" {
				f, err := os.Create(path)
				if err != nil {
					srv.Close()
					return fmt.Errorf("--cpu-profile: %w", err)
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					srv.Close()
					return fmt.Errorf("--cpu-profile: %w", err)
				}
				defer pprof.StopCPUProfile()
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if path := v.GetString("mem-profile"); path != "" {
				// Written when meetd is told to stop, before it shuts down:
				// what the run left held (calls, transactions, caches).
				written := make(chan struct{})
				go func() {
					defer close(written)
					<-ctx.Done()
					if err := writeHeapProfile(path); err != nil {
						log.Warn("--mem-profile", "err", err)
					}
				}()
				defer func() { stop(); <-written }()
			}
			// Type=notify: systemd starts units ordered after meetd once
			// its sockets are bound (HTTP and SIP accept from here on).
			if sent, err := sdnotify.Notify(sdnotify.Ready); err != nil {
				log.Warn("telling systemd meetd is ready", "err", err)
			} else if sent {
				log.Info("told systemd meetd is ready")
			}
			err = srv.Run(ctx)
			_, _ = sdnotify.Notify(sdnotify.Stopping)
			return err
		},
	}
	addDBFlag(cmd)
	f := cmd.Flags()
	f.String("metrics", "127.0.0.1:9464", "listen address of the Prometheus /metrics endpoint, apart from the API (\"off\": none)")
	f.String("http", "127.0.0.1:8080", "HTTP listen address (MEETD_HTTP)")
	f.String("tls-cert", "", "PEM certificate file: serve HTTPS (with --tls-key)")
	f.String("tls-key", "", "PEM private key file")
	f.Duration("token-ttl", 7*24*time.Hour, "lifetime of login tokens")
	f.String("log-level", "info", "debug, info, warn or error")
	f.String("cpu-profile", "", "write a Go CPU profile of the whole run to this file (benchmarks, go tool pprof)")
	f.String("mem-profile", "", "write a Go heap profile (what is held when told to stop, what was allocated over the run) to this file (benchmarks, go tool pprof)")
	addFeatureFlags(f)
	addClusterFlags(f)
	addDebugFlags(f)
	return cmd
}

// dsnString is a --db value for messages: a Postgres URL without its password.
func dsnString(dsn string) string {
	d, err := store.ParseDSN(dsn)
	if err != nil {
		return dsn
	}
	return d.String()
}

// runCtx is the context of a short command.
func runCtx(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// writeHeapProfile writes the heap profile after a collection, so its
// in-use figures are what the run left held.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
