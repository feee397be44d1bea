// Package smstest is a fake SMS provider: a real HTTP server on loopback that
// speaks the API automation.Sender uses, fails on purpose when told to, and
// records what it delivered (deduplicated by Idempotency-Key, as a real
// provider does).
package smstest

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Fault is what the provider does to one request.
type Fault int

const (
	OK        Fault = iota
	Fail500         // answers 500 without delivering
	Timeout         // delivers, then hangs past the client's timeout (the response is lost)
	Reset           // closes the connection without answering or delivering
	Reject400       // a permanent error
)

// Message is one delivered SMS.
type Message struct {
	ID, From, To, Body, Key string
}

// Provider is the fake.
type Provider struct {
	*httptest.Server
	mu        sync.Mutex
	faults    []Fault // consumed in order, then OK
	byKey     map[string]Message
	delivered []Message
	Requests  int
	Hang      time.Duration
	Token     string // required bearer token when set
}

// New starts the provider on 127.0.0.1.
func New() *Provider {
	p := &Provider{byKey: map[string]Message{}, Hang: 2 * time.Second}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	return p
}

// Script queues faults for the next requests.
func (p *Provider) Script(f ...Fault) {
	p.mu.Lock()
	p.faults = append(p.faults, f...)
	p.mu.Unlock()
}

// Delivered returns the distinct messages delivered, in order.
func (p *Provider) Delivered() []Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Message(nil), p.delivered...)
}

func (p *Provider) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if p.Token != "" && r.Header.Get("Authorization") != "Bearer "+p.Token {
		http.Error(w, "bad credentials", http.StatusUnauthorized)
		return
	}
	var in struct{ From, To, Body string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.To == "" || in.Body == "" {
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	p.mu.Lock()
	p.Requests++
	f := OK
	if len(p.faults) > 0 {
		f, p.faults = p.faults[0], p.faults[1:]
	}
	deliver := func() Message {
		if m, ok := p.byKey[key]; ok && key != "" {
			return m
		}
		m := Message{ID: "msg-" + strconv.Itoa(len(p.delivered)+1), From: in.From, To: in.To, Body: in.Body, Key: key}
		p.delivered = append(p.delivered, m)
		if key != "" {
			p.byKey[key] = m
		}
		return m
	}
	var m Message
	switch f {
	case OK, Timeout:
		m = deliver()
	}
	p.mu.Unlock()
	switch f {
	case Fail500:
		http.Error(w, "upstream trouble", http.StatusInternalServerError)
	case Reject400:
		http.Error(w, "invalid destination number", http.StatusBadRequest)
	case Reset:
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				if tc, ok := c.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				_ = c.Close()
				return
			}
		}
		http.Error(w, "reset", http.StatusInternalServerError)
	case Timeout:
		select {
		case <-time.After(p.Hang):
		case <-r.Context().Done():
		}
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"id": m.ID})
	}
}
