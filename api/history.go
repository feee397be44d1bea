package api

// Routes added next to api/routes.go:
//
//	GET /v1/calls?live=false&channel&from&to&cursor&limit → CallList (history, newest first; live=true or no live → []Call as before)
//	GET /v1/chats/counts?<the filters of GET /v1/chats>   → ChatCounts (state, missed, cursor, limit ignored)

import "time"

// CallQuery filters GET /v1/calls?live=false (call history, newest first).
type CallQuery struct {
	ChannelID int64      `json:"channel_id,omitempty"`
	From      *time.Time `json:"from,omitempty"` // created at or after
	To        *time.Time `json:"to,omitempty"`   // created before
	Cursor    string     `json:"cursor,omitempty"`
	Limit     int        `json:"limit,omitempty"` // 1-200, default 50
}

// CallList is one page of call history, newest first; NextCursor is empty on
// the last page.
type CallList struct {
	Calls      []Call `json:"calls"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// ChatCounts are the exact sizes of the inbox tabs under a filter
// (GET /v1/chats/counts): chats per state, and missed chats in any state.
type ChatCounts struct {
	Opened  int `json:"opened"`
	Snoozed int `json:"snoozed"`
	Closed  int `json:"closed"`
	Missed  int `json:"missed"`
}
