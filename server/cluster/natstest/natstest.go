// Package natstest starts a real NATS server with JetStream inside a test
// (github.com/nats-io/nats-server/v2, the same server as the nats-server
// binary) on 127.0.0.1 and a free port.
package natstest

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a running NATS server.
type Server struct {
	*server.Server
	t   testing.TB
	dir string
}

// Start runs a JetStream-enabled NATS server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, dir: t.TempDir()}
	s.Server = s.run(-1)
	t.Cleanup(func() { s.Shutdown() })
	return s
}

func (s *Server) run(port int) *server.Server {
	s.t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: s.dir,
		NoLog: true, NoSigs: true, MaxPayload: 1 << 20})
	if err != nil {
		s.t.Fatalf("nats server: %v", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		s.t.Fatalf("nats server not ready")
	}
	return ns
}

// URL is the client URL, nats://127.0.0.1:PORT.
func (s *Server) URL() string { return s.ClientURL() }

// Restart stops the server and starts it again on the same port and
// storage (clients reconnect; JetStream keeps its streams).
func (s *Server) Restart() {
	s.t.Helper()
	var p int
	if _, err := fmt.Sscanf(s.ClientURL(), "nats://127.0.0.1:%d", &p); err != nil {
		s.t.Fatalf("parse nats url %q: %v", s.ClientURL(), err)
	}
	s.Shutdown()
	s.WaitForShutdown()
	s.Server = s.run(p)
}
