package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// addDebugFlags declares the opt-in debugging flags of `meetd serve`.
func addDebugFlags(fs *pflag.FlagSet) {
	fs.String("pprof", "", "serve Go's profiles (net/http/pprof: heap, allocs, goroutine, profile) on this loopback address, e.g. 127.0.0.1:6060 (empty: off)")
}

// errPprofNotLoopback refuses a --pprof address anyone else could reach:
// the profiles show memory contents such as call and caller data.
var errPprofNotLoopback = errors.New("--pprof: the address must be a loopback IP (127.0.0.0/8 or ::1), e.g. 127.0.0.1:6060")

// startPprof serves /debug/pprof/ on addr (a loopback IP and port) until
// the returned stop is called; "" serves nothing.
func startPprof(v *viper.Viper, log *slog.Logger) (stop func(), err error) {
	addr := v.GetString("pprof")
	if addr == "" {
		return func() {}, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, errPprofNotLoopback
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("--pprof listener stopped", "err", err)
		}
	}()
	log.Info("serving Go profiles", "addr", ln.Addr().String(), "path", "/debug/pprof/")
	return func() { _ = srv.Close() }, nil
}
