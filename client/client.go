// Package client is the typed Go client of meetd's API (api/routes.go) and
// its reconnecting event stream. Errors from the server come back as
// *api.Error carrying the server's code.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meet-dev/meet/api"
)

// Client talks to one meetd.
type Client struct {
	base *url.URL
	http *http.Client
	mu   sync.RWMutex
	tok  string
}

// Option configures New.
type Option func(*Client)

// WithToken sets a bearer token from an earlier login.
func WithToken(tok string) Option { return func(c *Client) { c.tok = tok } }

// WithHTTPClient sets the HTTP client (timeouts, TLS roots).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// New returns a client of the meetd at baseURL ("http://127.0.0.1:8080").
func New(baseURL string, opts ...Option) *Client {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || u.Host == "" {
		u = &url.URL{Scheme: "http", Host: baseURL}
	}
	c := &Client{base: u, http: &http.Client{Timeout: 30 * time.Second}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Token is the current bearer token.
func (c *Client) Token() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tok
}

// SetToken replaces the bearer token.
func (c *Client) SetToken(tok string) {
	c.mu.Lock()
	c.tok = tok
	c.mu.Unlock()
}

// BaseURL is the server's base URL.
func (c *Client) BaseURL() string { return c.base.String() }

func (c *Client) url(path string, q url.Values) string {
	s := strings.TrimRight(c.base.String(), "/") + path // path is already escaped
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	return s
}

// do sends a request; body is JSON-encoded unless it is an io.Reader; out is
// decoded from JSON unless it is an io.Writer (copied) or nil.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case io.Reader:
		rd, ctype = b, "application/octet-stream"
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return err
		}
		rd, ctype = bytes.NewReader(buf), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path, q), rd)
	if err != nil {
		return err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if tok := c.Token(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return readError(resp)
	}
	switch o := out.(type) {
	case nil:
		io.Copy(io.Discard, resp.Body)
		return nil
	case io.Writer:
		_, err := io.Copy(o, resp.Body)
		return err
	default:
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return fmt.Errorf("%s %s: decoding response: %w", method, path, err)
		}
		return nil
	}
}

func readError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body api.ErrorBody
	if err := json.Unmarshal(b, &body); err == nil && body.Error.Code != "" {
		e := body.Error
		e.Status = resp.StatusCode
		return &e
	}
	code := api.CodeInternal
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		code = api.CodeUnauthorized
	case http.StatusForbidden:
		code = api.CodeForbidden
	case http.StatusNotFound:
		code = api.CodeNotFound
	case http.StatusServiceUnavailable:
		code = api.CodeUnavailable
	case http.StatusRequestEntityTooLarge:
		code = api.CodeTooLarge
	}
	return &api.Error{Code: code, Message: fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b))), Status: resp.StatusCode}
}

func id(v int64) string { return strconv.FormatInt(v, 10) }

// Login exchanges email and password for a token, which the client keeps.
func (c *Client) Login(ctx context.Context, email, password string) (api.LoginResponse, error) {
	var out api.LoginResponse
	err := c.do(ctx, http.MethodPost, "/v1/login", nil, api.LoginRequest{Email: email, Password: password}, &out)
	if err == nil {
		c.SetToken(out.Token)
	}
	return out, err
}

// Logout revokes the token and forgets it.
func (c *Client) Logout(ctx context.Context) error {
	err := c.do(ctx, http.MethodPost, "/v1/logout", nil, nil, nil)
	if err == nil {
		c.SetToken("")
	}
	return err
}

// Healthz checks the server.
func (c *Client) Healthz(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/healthz", nil, nil, nil)
}

func (c *Client) Me(ctx context.Context) (api.Staff, error) {
	var out api.Staff
	return out, c.do(ctx, http.MethodGet, "/v1/me", nil, nil, &out)
}

func (c *Client) Settings(ctx context.Context) (api.Settings, error) {
	var out api.Settings
	return out, c.do(ctx, http.MethodGet, "/v1/me/settings", nil, nil, &out)
}

func (c *Client) PutSettings(ctx context.Context, s api.Settings) (api.Settings, error) {
	var out api.Settings
	return out, c.do(ctx, http.MethodPut, "/v1/me/settings", nil, s, &out)
}

func (c *Client) StaffList(ctx context.Context) ([]api.Staff, error) {
	var out []api.Staff
	return out, c.do(ctx, http.MethodGet, "/v1/staff", nil, nil, &out)
}

func (c *Client) StaffEligibility(ctx context.Context, staffID int64) (api.StaffEligibility, error) {
	var out api.StaffEligibility
	return out, c.do(ctx, http.MethodGet, "/v1/staff/"+id(staffID)+"/eligibility", nil, nil, &out)
}

func (c *Client) Channels(ctx context.Context) ([]api.Channel, error) {
	var out []api.Channel
	return out, c.do(ctx, http.MethodGet, "/v1/channels", nil, nil, &out)
}

// ChatValues encodes a ChatQuery as GET /v1/chats parameters.
func ChatValues(q api.ChatQuery) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("medium", string(q.Medium))
	set("state", string(q.State))
	if q.Missed != nil {
		v.Set("missed", strconv.FormatBool(*q.Missed))
	}
	set("reason", string(q.Reason))
	set("tag", q.Tag)
	if q.AssigneeID != nil {
		v.Set("assignee", id(*q.AssigneeID))
	}
	if q.From != nil {
		v.Set("from", q.From.Format(time.RFC3339Nano))
	}
	if q.To != nil {
		v.Set("to", q.To.Format(time.RFC3339Nano))
	}
	set("q", q.Q)
	if q.ChannelID != 0 {
		v.Set("channel", id(q.ChannelID))
	}
	set("cursor", q.Cursor)
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

func (c *Client) Chats(ctx context.Context, q api.ChatQuery) (api.ChatList, error) {
	var out api.ChatList
	return out, c.do(ctx, http.MethodGet, "/v1/chats", ChatValues(q), nil, &out)
}

func (c *Client) Chat(ctx context.Context, chatID int64) (api.Chat, error) {
	var out api.Chat
	return out, c.do(ctx, http.MethodGet, "/v1/chats/"+id(chatID), nil, nil, &out)
}

func (c *Client) PatchChat(ctx context.Context, chatID int64, p api.ChatPatch) (api.Chat, error) {
	var out api.Chat
	return out, c.do(ctx, http.MethodPatch, "/v1/chats/"+id(chatID), nil, p, &out)
}

func (c *Client) ChatEvents(ctx context.Context, chatID int64) ([]api.Event, error) {
	var out []api.Event
	return out, c.do(ctx, http.MethodGet, "/v1/chats/"+id(chatID)+"/events", nil, nil, &out)
}

func (c *Client) ChatCalls(ctx context.Context, chatID int64) ([]api.Call, error) {
	var out []api.Call
	return out, c.do(ctx, http.MethodGet, "/v1/chats/"+id(chatID)+"/calls", nil, nil, &out)
}

func (c *Client) AddTag(ctx context.Context, chatID int64, tag string) (api.Chat, error) {
	var out api.Chat
	return out, c.do(ctx, http.MethodPost, "/v1/chats/"+id(chatID)+"/tags", nil, api.TagBody{Tag: tag}, &out)
}

func (c *Client) RemoveTag(ctx context.Context, chatID int64, tag string) (api.Chat, error) {
	var out api.Chat
	return out, c.do(ctx, http.MethodDelete, "/v1/chats/"+id(chatID)+"/tags/"+url.PathEscape(tag), nil, nil, &out)
}

func (c *Client) AddFollower(ctx context.Context, chatID, staffID int64) (api.Chat, error) {
	var out api.Chat
	return out, c.do(ctx, http.MethodPost, "/v1/chats/"+id(chatID)+"/followers", nil, api.InviteRequest{StaffID: staffID}, &out)
}

func (c *Client) Memos(ctx context.Context, chatID int64) ([]api.Memo, error) {
	var out []api.Memo
	return out, c.do(ctx, http.MethodGet, "/v1/chats/"+id(chatID)+"/memos", nil, nil, &out)
}

func (c *Client) AddMemo(ctx context.Context, chatID int64, text string) (api.Memo, error) {
	var out api.Memo
	return out, c.do(ctx, http.MethodPost, "/v1/chats/"+id(chatID)+"/memos", nil, api.TextBody{Text: text}, &out)
}

func (c *Client) Messages(ctx context.Context, chatID int64) ([]api.Message, error) {
	var out []api.Message
	return out, c.do(ctx, http.MethodGet, "/v1/chats/"+id(chatID)+"/messages", nil, nil, &out)
}

func (c *Client) AddMessage(ctx context.Context, chatID int64, text string) (api.Message, error) {
	var out api.Message
	return out, c.do(ctx, http.MethodPost, "/v1/chats/"+id(chatID)+"/messages", nil, api.TextBody{Text: text}, &out)
}

func (c *Client) Callback(ctx context.Context, chatID int64) (api.CallbackResult, error) {
	var out api.CallbackResult
	return out, c.do(ctx, http.MethodPost, "/v1/chats/"+id(chatID)+"/callback", nil, nil, &out)
}

func (c *Client) Customer(ctx context.Context, customerID int64) (api.Customer, error) {
	var out api.Customer
	return out, c.do(ctx, http.MethodGet, "/v1/customers/"+id(customerID), nil, nil, &out)
}

func (c *Client) PatchCustomer(ctx context.Context, customerID int64, p api.CustomerPatch) (api.Customer, error) {
	var out api.Customer
	return out, c.do(ctx, http.MethodPatch, "/v1/customers/"+id(customerID), nil, p, &out)
}

// Calls lists live calls (live must be true: history is per chat), of one
// channel or (channelID 0) of all the caller's channels.
// Calls lists live calls, or with live false the newest page of call history
// (CallHistory pages further).
func (c *Client) Calls(ctx context.Context, live bool, channelID int64) ([]api.Call, error) {
	if !live {
		l, err := c.CallHistory(ctx, api.CallQuery{ChannelID: channelID})
		return l.Calls, err
	}
	v := url.Values{"live": {"true"}}
	if channelID != 0 {
		v.Set("channel", id(channelID))
	}
	var out []api.Call
	return out, c.do(ctx, http.MethodGet, "/v1/calls", v, nil, &out)
}

func (c *Client) Call(ctx context.Context, callID int64) (api.Call, error) {
	var out api.Call
	return out, c.do(ctx, http.MethodGet, "/v1/calls/"+id(callID), nil, nil, &out)
}

func (c *Client) Dial(ctx context.Context, req api.DialRequest) (api.CallbackResult, error) {
	var out api.CallbackResult
	return out, c.do(ctx, http.MethodPost, "/v1/calls", nil, req, &out)
}

func (c *Client) Accept(ctx context.Context, callID int64) (api.JoinResult, error) {
	var out api.JoinResult
	return out, c.do(ctx, http.MethodPost, "/v1/calls/"+id(callID)+"/accept", nil, nil, &out)
}

func (c *Client) Decline(ctx context.Context, callID int64) error {
	return c.do(ctx, http.MethodPost, "/v1/calls/"+id(callID)+"/decline", nil, nil, nil)
}

func (c *Client) Join(ctx context.Context, callID int64, mode api.JoinMode) (api.JoinResult, error) {
	var out api.JoinResult
	return out, c.do(ctx, http.MethodPost, "/v1/calls/"+id(callID)+"/join", nil, api.JoinRequest{Mode: mode}, &out)
}

func (c *Client) Invite(ctx context.Context, callID, staffID int64) error {
	return c.do(ctx, http.MethodPost, "/v1/calls/"+id(callID)+"/invite", nil, api.InviteRequest{StaffID: staffID}, nil)
}

func (c *Client) Leave(ctx context.Context, callID int64) error {
	return c.do(ctx, http.MethodPost, "/v1/calls/"+id(callID)+"/leave", nil, nil, nil)
}

func (c *Client) Hangup(ctx context.Context, callID int64) error {
	return c.do(ctx, http.MethodPost, "/v1/calls/"+id(callID)+"/hangup", nil, nil, nil)
}

func (c *Client) CallEligibility(ctx context.Context, callID int64) (api.Eligibility, error) {
	var out api.Eligibility
	return out, c.do(ctx, http.MethodGet, "/v1/calls/"+id(callID)+"/eligibility", nil, nil, &out)
}

// Stats fetches GET /v1/stats.
func (c *Client) Stats(ctx context.Context, q api.StatsQuery) (api.Stats, error) {
	v := url.Values{}
	if !q.From.IsZero() {
		v.Set("from", q.From.Format(time.RFC3339))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.Format(time.RFC3339))
	}
	if q.Interval != "" {
		v.Set("interval", q.Interval)
	}
	if q.ChannelID != 0 {
		v.Set("channel", id(q.ChannelID))
	}
	if q.TeamID != 0 {
		v.Set("team", id(q.TeamID))
	}
	if q.ServiceLevelS != 0 {
		v.Set("sl", strconv.Itoa(q.ServiceLevelS))
	}
	if q.MenuPath != "" {
		v.Set("menu_path", q.MenuPath)
	}
	var out api.Stats
	return out, c.do(ctx, http.MethodGet, "/v1/stats", v, nil, &out)
}

// ExportCalls streams the raw call export (format csv or jsonl) into w.
// params carry from, to, reason, channel and the required purpose.
func (c *Client) ExportCalls(ctx context.Context, format string, params url.Values, w io.Writer) error {
	if format != "csv" && format != "jsonl" {
		return api.Errorf(api.CodeBadRequest, "export format %q: want csv or jsonl", format)
	}
	return c.do(ctx, http.MethodGet, "/v1/exports/calls."+format, params, nil, w)
}

// ExportAudit lists the export audit log.
func (c *Client) ExportAudit(ctx context.Context) ([]api.AuditEntry, error) {
	var out []api.AuditEntry
	return out, c.do(ctx, http.MethodGet, "/v1/exports/audit", nil, nil, &out)
}
