package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/meet-dev/meet/api"
)

// CallHistory is GET /v1/calls?live=false: calls of the caller's channels,
// newest first; pass NextCursor back as q.Cursor for the next page.
func (c *Client) CallHistory(ctx context.Context, q api.CallQuery) (api.CallList, error) {
	v := url.Values{"live": {"false"}}
	if q.ChannelID != 0 {
		v.Set("channel", id(q.ChannelID))
	}
	if q.From != nil {
		v.Set("from", q.From.Format(time.RFC3339Nano))
	}
	if q.To != nil {
		v.Set("to", q.To.Format(time.RFC3339Nano))
	}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out api.CallList
	return out, c.do(ctx, http.MethodGet, "/v1/calls", v, nil, &out)
}

// ChatCounts is GET /v1/chats/counts: the exact tab counts (opened, snoozed,
// closed, missed) of the caller's channels under the filters of q; q's
// state, missed, cursor and limit are not sent (the counts split by them).
func (c *Client) ChatCounts(ctx context.Context, q api.ChatQuery) (api.ChatCounts, error) {
	q.State, q.Missed, q.Cursor, q.Limit = "", nil, "", 0
	var out api.ChatCounts
	return out, c.do(ctx, http.MethodGet, "/v1/chats/counts", ChatValues(q), nil, &out)
}
