package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/internal/i18n"
	"github.com/stretchr/testify/require"
)

// apiStub answers the few routes the script commands use, recording the
// queries it got, so the flag → request → output path is checked end to end
// through the real client.
type apiStub struct {
	mu      sync.Mutex
	queries []string
}

func (s *apiStub) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	write := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		require.NoError(t, json.NewEncoder(w).Encode(v))
	}
	mux.HandleFunc("POST /v1/login", func(w http.ResponseWriter, r *http.Request) {
		var req api.LoginRequest
		require.NoError(t, json.NewDecoder(r.Body).Decode(&req))
		if req.Password != "right" {
			w.WriteHeader(http.StatusUnauthorized)
			write(w, api.ErrorBody{Error: api.Error{Code: api.CodeUnauthorized, Message: "bad login"}})
			return
		}
		write(w, api.LoginResponse{Token: "tok-1", Expires: time.Now().Add(time.Hour), Staff: api.Staff{ID: 3, Name: "Ann", Role: api.RoleOperator}})
	})
	mux.HandleFunc("GET /v1/chats", func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "Bearer tok-1", r.Header.Get("Authorization"))
		s.mu.Lock()
		s.queries = append(s.queries, r.URL.RawQuery)
		s.mu.Unlock()
		of := int64(2)
		write(w, api.ChatList{Chats: []api.Chat{
			{ID: 9, State: api.ChatClosed, Missed: true, MissedReason: api.ReasonNoOperator, Customer: api.Customer{Number: "+8190"}, Tags: []string{"vip"}},
			{ID: 8, State: api.ChatOpened, Customer: api.Customer{Name: "Taro", Number: "+8191"}, CallbackOf: &of},
		}})
	})
	mux.HandleFunc("POST /v1/chats/{id}/callback", func(w http.ResponseWriter, r *http.Request) {
		write(w, api.CallbackResult{Chat: api.Chat{ID: 10}, Call: api.Call{ID: 77, To: "+8190"}})
	})
	mux.HandleFunc("POST /v1/calls", func(w http.ResponseWriter, r *http.Request) {
		var d api.DialRequest
		require.NoError(t, json.NewDecoder(r.Body).Decode(&d))
		write(w, api.CallbackResult{Chat: api.Chat{ID: 11}, Call: api.Call{ID: 78, To: d.To}})
	})
	mux.HandleFunc("GET /v1/exports/calls.csv", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.queries = append(s.queries, r.URL.RawQuery)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/csv")
		_, _ = w.Write([]byte(strings.Join(api.ExportColumns, ",") + "\n"))
	})
	return mux
}

func runMeet(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetIn(strings.NewReader(""))
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestScriptCommandsAgainstTheAPI(t *testing.T) {
	stub := &apiStub{}
	srv := httptest.NewServer(stub.handler(t))
	defer srv.Close()
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials.json")
	t.Setenv("MEET_CREDENTIALS", creds)

	_, err := runMeet(t, "login", "--server", srv.URL, "--email", "ann@example.com", "--password", "wrong")
	require.ErrorContains(t, err, "wrong e-mail or password")
	out, err := runMeet(t, "login", "--server", srv.URL, "--email", "ann@example.com", "--password", "right")
	require.NoError(t, err)
	require.Contains(t, out, "logged in to "+srv.URL+" as Ann")
	st, err := os.Stat(creds)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	out, err = runMeet(t, "chats", "--missed", "--reason", "noOperator", "--tag", "vip")
	require.NoError(t, err)
	require.Contains(t, out, "noOperator")
	require.Contains(t, out, "Taro (+8191)")
	require.Contains(t, stub.queries[0], "missed=true")
	require.Contains(t, stub.queries[0], "reason=noOperator")
	require.Contains(t, stub.queries[0], "tag=vip")

	out, err = runMeet(t, "chats", "--json")
	require.NoError(t, err)
	var chats []api.Chat
	require.NoError(t, json.Unmarshal([]byte(out), &chats))
	require.Len(t, chats, 2)

	out, err = runMeet(t, "callback", "9")
	require.NoError(t, err)
	require.Contains(t, out, "chat 10 (callback of 9), call 77")
	_, err = runMeet(t, "callback", "nine")
	require.ErrorContains(t, err, "not a chat id")

	out, err = runMeet(t, "call", "+81312345678")
	require.NoError(t, err)
	require.Contains(t, out, "calling +81312345678: chat 11, call 78")

	file := filepath.Join(dir, "out.csv")
	_, err = runMeet(t, "export", "--from", "2026-11-01", "--to", "2026-11-30", "--purpose", "audit", "--out", file)
	require.NoError(t, err)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(b), "chat_id,call_id,direction"))
	require.Contains(t, stub.queries[len(stub.queries)-1], "purpose=audit")
	_, err = runMeet(t, "export", "--from", "2026-11-01", "--to", "2026-11-30")
	require.ErrorContains(t, err, "--purpose is required")

	_, err = runMeet(t, "chats", "--server", "http://127.0.0.1:1")
	require.ErrorContains(t, err, "logged in to "+srv.URL)
}

// Export reads days the way the TUI's filters do (issue 17 §10).
func TestExportTakesTheSameDaysAsFilters(t *testing.T) {
	p, err := exportParams("yesterday", "today", "caller-left", "audit", 0, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	from, _ := time.Parse(time.RFC3339, p.Get("from"))
	to, _ := time.Parse(time.RFC3339, p.Get("to"))
	if to.Sub(from) != 48*time.Hour || p.Get("reason") != "userLeft" {
		t.Errorf("yesterday..today = %s..%s reason %s", from, to, p.Get("reason"))
	}
	if _, err := exportParams("7d", "2026-13-01", "", "audit", 0, time.UTC); err == nil {
		t.Error("a bad day accepted")
	}
}

// meet chats in Japanese: headers and states translated, columns aligned
// by display cells with Japanese names.
func TestChatsTableInJapaneseAlignsByCells(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.Local)
	chats := []api.Chat{
		{ID: 1, Updated: at, Customer: api.Customer{Name: "山田太郎", Number: "+81311112222"}, State: api.ChatOpened, Tags: []string{"vip"}},
		{ID: 22, Updated: at, Customer: api.Customer{Number: "+81322223333"}, State: api.ChatClosed, Missed: true, MissedReason: api.ReasonUserLeft},
	}
	var b strings.Builder
	if err := printChats(&b, chats, i18n.New(i18n.Japanese)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "顧客") || !strings.Contains(lines[1], "対応中") || !strings.Contains(lines[2], "終了済み") {
		t.Fatalf("table:\n%s", b.String())
	}
	col := func(l, word string) int { return ansi.StringWidth(l[:strings.Index(l, word)]) }
	if col(lines[1], "対応中") != col(lines[0], "状態") || col(lines[2], "終了済み") != col(lines[0], "状態") {
		t.Errorf("the state column does not line up:\n%s", b.String())
	}
}
