package httpapi_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/server/eventbus"
	"github.com/meet-dev/meet/server/httpapi"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/store"
	"github.com/meet-dev/meet/server/store/sqlite"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const password = "secret-pass"

// env is a real API on 127.0.0.1 over a real SQLite file.
type env struct {
	t        *testing.T
	path     string
	db       *sqlite.DB
	bus      *eventbus.Bus
	in       *inbox.Service
	api      *httpapi.API
	srv      *httptest.Server
	ch1, ch2 api.Channel
	team     api.Team
	// staff: op1 (ch1), op2 (ch2), sup (ch1, supervisor), admin
	op1, op2, sup, adm          api.Staff
	cOp1, cOp2, cSup, cAdm, cNo *client.Client
}

func newEnv(t *testing.T, opts ...httpapi.Option) *env {
	t.Helper()
	e := &env{t: t, path: filepath.Join(t.TempDir(), "meet.db"), bus: eventbus.New()}
	db, err := sqlite.Open(e.path, sqlite.WithLogger(quiet), sqlite.WithOnCommit(e.bus.Publish), sqlite.WithBusyTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	e.db = db
	e.in = inbox.New(db, inbox.WithLogger(quiet))
	opts = append([]httpapi.Option{httpapi.WithLogger(quiet), httpapi.WithInbox(e.in)}, opts...)
	e.api = httpapi.New(db, e.bus, opts...)
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(func() {
		e.srv.Close()
		e.api.CloseWebSockets()
		db.Close()
	})
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	e.ch1, err = e.in.CreateChannel(ctx, 0, api.Channel{Name: "support", Numbers: []string{"+100"}})
	must(err)
	e.ch2, err = e.in.CreateChannel(ctx, 0, api.Channel{Name: "sales", Numbers: []string{"+200"}})
	must(err)
	mk := func(email string, role api.Role, chans ...int64) api.Staff {
		s := api.Staff{Email: email, Role: role, Channels: chans}
		must(db.Update(ctx, func(tx store.Tx) error { return tx.CreateStaff(&s, fixtureHash()) }))
		return s
	}
	e.op1 = mk("op1@example.com", api.RoleOperator, e.ch1.ID)
	e.op2 = mk("op2@example.com", api.RoleOperator, e.ch2.ID)
	e.sup = mk("sup@example.com", api.RoleSupervisor, e.ch1.ID)
	e.adm = mk("admin@example.com", api.RoleAdmin)
	e.team, err = e.in.CreateTeam(ctx, 0, api.Team{ChannelID: e.ch1.ID, Name: "first", Members: []int64{e.op1.ID}})
	must(err)
	e.cOp1, e.cOp2, e.cSup, e.cAdm = e.token(e.op1), e.token(e.op2), e.token(e.sup), e.token(e.adm)
	e.cNo = client.New(e.srv.URL)
	return e
}

var (
	hashOnce sync.Once
	pwHash   string
)

// fixtureHash is the argon2id hash of password, computed once per run.
func fixtureHash() string {
	hashOnce.Do(func() {
		var err error
		if pwHash, err = inbox.HashPassword(password); err != nil {
			panic(err)
		}
	})
	return pwHash
}

// token gives a client a fresh bearer token straight from the store (the
// login route itself is tested in TestLoginLogoutAndTokens).
func (e *env) token(s api.Staff) *client.Client {
	e.t.Helper()
	raw := make([]byte, 32)
	rand.Read(raw)
	tok := base64.RawURLEncoding.EncodeToString(raw)
	h := sha256.Sum256([]byte(tok))
	err := e.db.Update(context.Background(), func(tx store.Tx) error {
		return tx.CreateToken(s.ID, h[:], time.Now().Add(24*time.Hour))
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return client.New(e.srv.URL, client.WithToken(tok))
}

func (e *env) login(email string) *client.Client {
	e.t.Helper()
	c := client.New(e.srv.URL)
	if _, err := c.Login(context.Background(), email, password); err != nil {
		e.t.Fatalf("login %s: %v", email, err)
	}
	return c
}

// chat creates a chat the way the call lifecycle does (store + event).
func (e *env) chat(channel int64, number string, mut func(*api.Chat)) api.Chat {
	e.t.Helper()
	c := api.Chat{ChannelID: channel, Customer: api.Customer{Number: number, Name: "Caller " + number}}
	if mut != nil {
		mut(&c)
	}
	err := e.db.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.CreateChat(&c); err != nil {
			return err
		}
		return tx.Append(&api.Event{Type: api.EvChatCreated, ChannelID: c.ChannelID, ChatID: c.ID})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// call creates a call in a chat.
func (e *env) call(chat api.Chat, state api.CallState) api.Call {
	e.t.Helper()
	c := api.Call{ChatID: chat.ID, ChannelID: chat.ChannelID, Direction: api.Inbound, From: chat.Customer.Number, State: state}
	err := e.db.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.CreateCall(&c); err != nil {
			return err
		}
		ch, err := tx.Chat(chat.ID)
		if err != nil {
			return err
		}
		ch.LastCallID = &c.ID
		if err := tx.UpdateChat(&ch); err != nil {
			return err
		}
		return tx.Append(&api.Event{Type: api.EvCallCreated, ChannelID: c.ChannelID, ChatID: c.ChatID, CallID: c.ID})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func wantCode(t *testing.T, err error, code api.Code) {
	t.Helper()
	if got := api.CodeOf(err); got != code {
		t.Fatalf("got %s (%v), want %s", got, err, code)
	}
	var ae *api.Error
	if code != api.CodeInternal && (!asAPI(err, &ae) || ae.Status != code.Status()) {
		t.Fatalf("status of %v: want %d", err, code.Status())
	}
}

// proxy is a TCP relay whose connections a test can cut.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, b)
			p.mu.Unlock()
			go func() { io.Copy(b, c); b.Close() }()
			go func() { io.Copy(c, b); c.Close() }()
		}
	}()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) url() string { return "http://" + p.ln.Addr().String() }

// cut closes every relayed connection.
func (p *proxy) cut() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.conns)
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	return n
}

func newServer(t *testing.T, a *httpapi.API) string {
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.CloseWebSockets() })
	return srv.URL
}
