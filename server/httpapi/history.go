package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/store"
)

// parseTime reads RFC 3339 or YYYY-MM-DD (UTC).
func parseTime(name, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, s); err != nil {
			return t, api.Errorf(api.CodeBadRequest, "%s=%q: want RFC 3339 or YYYY-MM-DD", name, s)
		}
	}
	return t, nil
}

// ParseCallQuery reads the history parameters of GET /v1/calls?live=false
// (channel is checked by the caller).
func ParseCallQuery(v url.Values) (api.CallQuery, error) {
	var q api.CallQuery
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := v.Get(p.name); s != "" {
			t, err := parseTime(p.name, s)
			if err != nil {
				return q, err
			}
			*p.dst = &t
		}
	}
	if q.From != nil && q.To != nil && !q.To.After(*q.From) {
		return q, api.Errorf(api.CodeBadRequest, "to must be after from")
	}
	if s := v.Get("cursor"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err != nil || n <= 0 {
			return q, api.Errorf(api.CodeBadRequest, "invalid cursor %q", s)
		}
		q.Cursor = s
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return q, api.Errorf(api.CodeBadRequest, "limit=%q: want 1-200", s)
		}
		q.Limit = n
	}
	return q, nil
}

func (a *API) callHistory(w http.ResponseWriter, r *http.Request, me *Me, channel int64) {
	q, err := ParseCallQuery(r.URL.Query())
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	q.ChannelID = channel
	a.view(w, r, func(tx store.Tx) (any, error) {
		return tx.ListCalls(q, me.Channels())
	})
}

// chatCounts answers GET /v1/chats/counts with the filters of GET /v1/chats
// (state, missed, cursor and limit are ignored: the counts split by them).
func (a *API) chatCounts(w http.ResponseWriter, r *http.Request, me *Me) {
	q, ok := a.chatQuery(w, r, me)
	if !ok {
		return
	}
	a.view(w, r, func(tx store.Tx) (any, error) {
		return tx.ChatCounts(q, me.Channels())
	})
}
