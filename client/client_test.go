package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/client"
	"github.com/meet-dev/meet/server/httpapi"
)

func TestChatValuesRoundTrip(t *testing.T) {
	yes, who := true, int64(7)
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	q := api.ChatQuery{ChannelID: 3, Medium: api.MediumPhone, State: api.ChatClosed, Missed: &yes, Reason: api.ReasonRingTimeout,
		Tag: "vip", AssigneeID: &who, From: &from, To: &to, Q: "Müller & Söhne", Cursor: "123", Limit: 20}
	got, err := httpapi.ParseChatQuery(client.ChatValues(q), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, q) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, q)
	}
}

func TestErrorsKeepServerCodes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.EscapedPath() {
		case "/v1/chats/1":
			httpapi.WriteError(w, nil, api.Errorf(api.CodeStorageUnavailable, "database is locked"))
		case "/v1/chats/2/tags/a%2Fb":
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(`{"id":2,"tags":[]}`))
		default:
			http.Error(w, "gateway exploded", http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	c := client.New(srv.URL + "/")
	_, err := c.Chat(context.Background(), 1)
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Code != api.CodeStorageUnavailable || ae.Status != 503 || ae.Message != "database is locked" {
		t.Fatalf("err = %#v", err)
	}
	if !errors.Is(err, &api.Error{Code: api.CodeStorageUnavailable}) {
		t.Fatal("errors.Is on the code")
	}
	if ch, err := c.RemoveTag(context.Background(), 2, "a/b"); err != nil || ch.ID != 2 {
		t.Fatalf("escaped tag path: %+v %v", ch, err)
	}
	_, err = c.Me(context.Background())
	if !errors.As(err, &ae) || ae.Code != api.CodeInternal || ae.Status != 502 {
		t.Fatalf("non-JSON error = %#v", err)
	}
	if err := c.ExportCalls(context.Background(), "xml", nil, nil); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("bad export format: %v", err)
	}
}
