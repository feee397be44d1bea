package main

import (
	"context"
	"log/slog"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/tui"
)

// backend is the client as the TUI's Backend.
type backend struct{ *client.Client }

var _ tui.Backend = backend{}

// streamEvents adapts *client.Stream to tui.Events.
type streamEvents struct {
	s      *client.Stream
	status chan tui.ConnStatus
}

func (e *streamEvents) Events() <-chan api.Event      { return e.s.Events() }
func (e *streamEvents) Status() <-chan tui.ConnStatus { return e.status }

// openEvents starts the event stream at the newest event; the TUI reloads
// its lists on the first Connected so nothing falls between.
func openEvents(ctx context.Context, c *client.Client, log *slog.Logger) (tui.Events, *client.Stream, func()) {
	ctx, cancel := context.WithCancel(ctx)
	s := c.Stream(ctx, 0)
	e := &streamEvents{s: s, status: make(chan tui.ConnStatus, 16)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case st := <-s.Status():
				var out tui.ConnStatus
				switch st.State {
				case client.Connected:
					out.State = tui.Connected
				case client.Reconnecting:
					out = tui.ConnStatus{State: tui.Reconnecting, Err: st.Err}
				case client.Closed:
					return
				default:
					out.State = tui.Connecting
				}
				log.Debug("stream status", "state", st.State.String(), "last_event_id", st.LastEventID, "err", st.Err)
				select {
				case e.status <- out:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return e, s, func() {
		cancel()
		s.Close()
		<-done
	}
}
