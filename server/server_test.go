package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/server"
	"github.com/meet-dev/meet/server/eventbus"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/store/sqlite"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// open builds a server over a fresh SQLite store at cfg.DBPath, as
// cmd/meetd does without its phone side.
func open(cfg server.Config) (*server.Server, error) {
	if err := os.MkdirAll(filepath.Dir(cfg.DBPath), 0o750); err != nil {
		return nil, err
	}
	bus := eventbus.New()
	db, err := sqlite.Open(cfg.DBPath, sqlite.WithLogger(quiet), sqlite.WithOnCommit(bus.Publish))
	if err != nil {
		return nil, err
	}
	srv, err := server.New(cfg, db, bus, inbox.New(db, inbox.WithLogger(quiet)), server.WithLogger(quiet))
	if err != nil {
		db.Close()
	}
	return srv, err
}

// start runs a server on 127.0.0.1:0 until the returned stop is called.
func start(t *testing.T, cfg server.Config) (*server.Server, func()) {
	t.Helper()
	cfg.HTTPAddr = "127.0.0.1:0"
	srv, err := open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	return srv, func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("server did not stop")
		}
	}
}

func TestStopAndRestartKeepsEverything(t *testing.T) {
	ctx := context.Background()
	cfg := server.Config{DBPath: filepath.Join(t.TempDir(), "data", "meetd.db")}
	srv, stop := start(t, cfg)
	ch, err := srv.Inbox().CreateChannel(ctx, 0, api.Channel{Name: "support", Numbers: []string{"+100"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Inbox().CreateStaff(ctx, 0, api.AdminStaffRequest{Email: "a@example.com", Password: "password1",
		Role: api.RoleAdmin, Channels: []int64{ch.ID}}); err != nil {
		t.Fatal(err)
	}
	c := client.New(srv.URL())
	if _, err := c.Login(ctx, "a@example.com", "password1"); err != nil {
		t.Fatal(err)
	}
	s := c.Stream(ctx, 0)
	waitState(t, s, client.Connected)
	if _, err := c.AdminSetHours(ctx, ch.ID, api.Hours{AlwaysOpen: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutSettings(ctx, api.Settings{MuteOnJoin: true}); err != nil {
		t.Fatal(err)
	}
	before := <-s.Events()
	stop() // the stream's server goes away: it must report reconnecting
	waitState(t, s, client.Reconnecting)
	s.Close()

	srv2, stop2 := start(t, cfg)
	defer stop2()
	c2 := client.New(srv2.URL(), client.WithToken(c.Token())) // tokens survive too
	chans, err := c2.Channels(ctx)
	if err != nil || len(chans) != 1 || !chans[0].Hours.AlwaysOpen || chans[0].Numbers[0] != "+100" {
		t.Fatalf("channels after restart = %+v %v", chans, err)
	}
	set, err := c2.Settings(ctx)
	if err != nil || !set.MuteOnJoin {
		t.Fatalf("settings after restart = %+v %v", set, err)
	}
	// A stream resuming from the last id it saw gets what came after.
	s2 := c2.Stream(ctx, before.ID)
	defer s2.Close()
	select {
	case ev := <-s2.Events():
		if ev.Type != api.EvSettingsUpdated || ev.ID != before.ID+1 {
			t.Fatalf("resumed with %+v after %d", ev, before.ID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event after restart")
	}
}

func TestNoGoroutinesLeftAfterStop(t *testing.T) {
	ctx := context.Background()
	base := runtime.NumGoroutine()
	srv, stop := start(t, server.Config{DBPath: filepath.Join(t.TempDir(), "m.db")})
	if _, err := srv.Inbox().CreateStaff(ctx, 0, api.AdminStaffRequest{Email: "a@example.com", Password: "password1", Role: api.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	c := client.New(srv.URL())
	if _, err := c.Login(ctx, "a@example.com", "password1"); err != nil {
		t.Fatal(err)
	}
	streams := []*client.Stream{c.Stream(ctx, 0), c.Stream(ctx, 0)}
	for _, s := range streams {
		waitState(t, s, client.Connected)
	}
	stop() // with the sockets still open
	for _, s := range streams {
		s.Close()
	}
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base+2 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left (base %d):\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAdminChangesFromAnotherProcessReachTheStream(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	srv, stop := start(t, server.Config{DBPath: path, SyncInterval: 50 * time.Millisecond})
	defer stop()
	if _, err := srv.Inbox().CreateStaff(ctx, 0, api.AdminStaffRequest{Email: "a@example.com", Password: "password1", Role: api.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	c := client.New(srv.URL())
	if _, err := c.Login(ctx, "a@example.com", "password1"); err != nil {
		t.Fatal(err)
	}
	s := c.Stream(ctx, 0)
	defer s.Close()
	waitState(t, s, client.Connected)
	other, err := sqlite.Open(path, sqlite.WithLogger(quiet)) // as `meetd admin` does
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := inbox.New(other).CreateChannel(ctx, 0, api.Channel{Name: "from-cli"}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-s.Events():
		if ev.Type != api.EvChannelUpdated {
			t.Fatalf("got %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the CLI's change never reached the stream")
	}
}

func waitState(t *testing.T, s *client.Stream, want client.State) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case st := <-s.Status():
			if st.State == want {
				return
			}
		case <-timeout:
			t.Fatalf("stream never reached %s", want)
		}
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	pool := selfSigned(t, cert, key)
	srv, stop := start(t, server.Config{DBPath: filepath.Join(dir, "m.db"), TLSCert: cert, TLSKey: key})
	defer stop()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if err := client.New(srv.URL(), client.WithHTTPClient(hc)).Healthz(context.Background()); err != nil {
		t.Fatalf("https healthz: %v", err)
	}
	if _, err := open(server.Config{DBPath: filepath.Join(dir, "m2.db"), TLSCert: cert}); err == nil {
		t.Fatal("a certificate without a key was accepted")
	}
}

func selfSigned(t *testing.T, certPath, keyPath string) *x509.CertPool {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "meetd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return pool
}
