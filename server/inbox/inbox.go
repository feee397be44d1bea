// Package inbox holds the business rules of the inbox and of administration:
// chat state changes, snoozes, tags, memos, messages, followers, customer
// edits, staff settings, channels, numbers, hours, teams and accounts. Every
// state change is validated here and written with its event in one store
// transaction.
package inbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// Service applies inbox and admin rules on a store.
type Service struct {
	st       store.Store
	now      func() time.Time
	log      *slog.Logger
	presence presence
}

// Option configures New.
type Option func(*Service)

// WithClock injects the clock (snooze checks, wake-ups).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// New returns a Service over st.
func New(st store.Store, opts ...Option) *Service {
	s := &Service{st: st, now: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Store is the underlying store.
func (s *Service) Store() store.Store { return s.st }

func data(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

func (s *Service) update(ctx context.Context, fn func(store.Tx) error) error {
	return s.st.Update(ctx, fn)
}

// appendChat writes an event about a chat.
func appendChat(tx store.Tx, c api.Chat, typ api.EventType, actor, staff int64, d any) error {
	return tx.Append(&api.Event{Type: typ, ChannelID: c.ChannelID, ChatID: c.ID, ActorID: actor, StaffID: staff, Data: data(d)})
}

func badRequest(format string, args ...any) error {
	return api.Errorf(api.CodeBadRequest, format, args...)
}
