package automation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/meet-dev/meet/api"
)

// ProviderConfig says how to reach the SMS provider's HTTP API.
type ProviderConfig struct {
	BaseURL string // e.g. https://sms.example.com
	// Token is sent as "Authorization: Bearer"; with Username it is a basic-auth password.
	Username string
	Token    string
	From     string // sender number
	Timeout  time.Duration
}

// Sender is a real HTTP client of the provider API:
//
//	POST {BaseURL}/v1/messages  {"from","to","body"}
//	Idempotency-Key: meet-sms-<outbox id>
//
// 2xx with {"id":"…"} is success. The idempotency key makes a retry after a
// lost response (timeout, reset, our own restart) a no-op at the provider, so
// nothing is sent twice.
type Sender struct {
	cfg  ProviderConfig
	http *http.Client
}

// NewSender checks the config and builds a sender.
func NewSender(cfg ProviderConfig, hc *http.Client) (*Sender, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("sms: provider base URL is empty")
	}
	if cfg.From == "" {
		return nil, errors.New("sms: sender number (from) is empty")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if hc == nil {
		hc = &http.Client{}
	}
	return &Sender{cfg: cfg, http: hc}, nil
}

// From is the configured sender number.
func (s *Sender) From() string { return s.cfg.From }

// SendError is a failed send; Permanent ones are not retried.
type SendError struct {
	Status    int
	Permanent bool
	Err       error
}

func (e *SendError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("sms provider answered %d: %v", e.Status, e.Err)
	}
	return fmt.Sprintf("sms provider: %v", e.Err)
}
func (e *SendError) Unwrap() error { return e.Err }

// Send delivers one message; it returns the provider's message id.
func (s *Sender) Send(ctx context.Context, m api.SMS) (string, error) {
	body, _ := json.Marshal(map[string]string{"from": m.From, "to": m.To, "body": m.Body})
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.BaseURL+"/v1/messages", bytes.NewReader(body))
	if err != nil {
		return "", &SendError{Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "meet-sms-"+strconv.FormatInt(m.ID, 10))
	if s.cfg.Username != "" {
		req.SetBasicAuth(s.cfg.Username, s.cfg.Token)
	} else if s.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return "", &SendError{Err: err} // timeouts, resets: retry
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		var out struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(data, &out)
		return out.ID, nil
	}
	msg := string(bytes.TrimSpace(data))
	if len(msg) > 200 {
		msg = msg[:200]
	}
	retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests
	return "", &SendError{Status: resp.StatusCode, Permanent: !retry, Err: errors.New(msg)}
}

// Outbox is the durable queue the worker drains (implemented by the store).
type Outbox interface {
	// DueSMS lists queued messages whose next attempt is due.
	DueSMS(ctx context.Context, now time.Time, limit int) ([]api.SMS, error)
	MarkSMSSent(ctx context.Context, id int64, at time.Time, providerID string) error
	MarkSMSRetry(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error
	MarkSMSFailed(ctx context.Context, id int64, attempts int, lastErr string) error
}

// Worker drains the outbox with retries and back-off.
type Worker struct {
	out         Outbox
	send        func(context.Context, api.SMS) (string, error)
	now         func() time.Time
	log         *slog.Logger
	poll        time.Duration
	maxAttempts int
	backoff     func(attempt int) time.Duration
	wake        chan struct{}
}

// WorkerOption configures a Worker.
type WorkerOption func(*Worker)

// WithClock injects the clock.
func WithClock(now func() time.Time) WorkerOption { return func(w *Worker) { w.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) WorkerOption { return func(w *Worker) { w.log = l } }

// WithPoll sets how often the outbox is polled when not woken.
func WithPoll(d time.Duration) WorkerOption { return func(w *Worker) { w.poll = d } }

// WithBackoff sets the delay before attempt n+1 after n failures, and the attempt limit.
func WithBackoff(f func(attempt int) time.Duration, maxAttempts int) WorkerOption {
	return func(w *Worker) { w.backoff, w.maxAttempts = f, maxAttempts }
}

// DefaultBackoff doubles from 5 s up to 10 min.
func DefaultBackoff(attempt int) time.Duration { return Backoff(5 * time.Second)(attempt) }

// Backoff doubles from first up to 10 min.
func Backoff(first time.Duration) func(attempt int) time.Duration {
	return func(attempt int) time.Duration {
		d := first
		for i := 1; i < attempt && d < 10*time.Minute; i++ {
			d *= 2
		}
		return min(d, 10*time.Minute)
	}
}

// NewWorker builds a worker sending through send (usually (*Sender).Send).
func NewWorker(out Outbox, send func(context.Context, api.SMS) (string, error), opts ...WorkerOption) *Worker {
	w := &Worker{out: out, send: send, now: time.Now, log: slog.New(slog.DiscardHandler), poll: time.Second,
		maxAttempts: 12, backoff: DefaultBackoff, wake: make(chan struct{}, 1)}
	for _, o := range opts {
		o(w)
	}
	return w
}

// Wake makes the worker look at the outbox now (after a new message is queued).
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run drains the outbox until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.poll)
	defer t.Stop()
	for {
		w.Step(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

// Step sends every due message once; tests call it directly.
func (w *Worker) Step(ctx context.Context) {
	due, err := w.out.DueSMS(ctx, w.now(), 100)
	if err != nil {
		w.log.Warn("sms outbox", "err", err)
		return
	}
	// What happened to an attempt is recorded even when ctx ends meanwhile
	// (shutdown): the attempt count and last error survive the restart.
	rec := context.WithoutCancel(ctx)
	for _, m := range due {
		if ctx.Err() != nil {
			return
		}
		id, err := w.send(ctx, m)
		attempts := m.Attempts + 1
		if err == nil {
			if err := w.out.MarkSMSSent(rec, m.ID, w.now(), id); err != nil {
				w.log.Warn("sms mark sent", "sms_id", m.ID, "err", err)
			}
			w.log.Info("sms sent", "sms_id", m.ID, "chat_id", m.ChatID, "attempts", attempts)
			continue
		}
		var se *SendError
		permanent := errors.As(err, &se) && se.Permanent
		if permanent || attempts >= w.maxAttempts {
			w.log.Warn("sms failed", "sms_id", m.ID, "chat_id", m.ChatID, "attempts", attempts, "err", err)
			if err := w.out.MarkSMSFailed(rec, m.ID, attempts, err.Error()); err != nil {
				w.log.Warn("sms mark failed", "sms_id", m.ID, "err", err)
			}
			continue
		}
		next := w.now().Add(w.backoff(attempts))
		w.log.Info("sms retry", "sms_id", m.ID, "attempts", attempts, "next", next, "err", err)
		if err := w.out.MarkSMSRetry(rec, m.ID, attempts, next, err.Error()); err != nil {
			w.log.Warn("sms mark retry", "sms_id", m.ID, "err", err)
		}
	}
}
