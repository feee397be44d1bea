package httpapi_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/httpapi"
)

// FuzzDecodeJSON: any body gives either a decoded value or an *api.Error
// with one of the input codes — never a panic or an internal error.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"state":"snoozed","snoozed_until":"2026-01-01T00:00:00Z"}`, `{"assignee_id":1e400}`,
		`{"state":1}`, `[`, `{"a":1}`, `null`, `{"weekly":[{"day":1,"start":"09:00","end":"18:00"}]}`, "\xff", `{"email":"\u0000"}`,
		`{"channels":[1,2,"x"]}`, `{"state":"opened"} x`, strings.Repeat("[", 10000)} {
		f.Add(s)
	}
	allowed := map[api.Code]bool{api.CodeInvalidJSON: true, api.CodeUnknownField: true, api.CodeBadRequest: true, api.CodeTooLarge: true}
	f.Fuzz(func(t *testing.T, body string) {
		for _, v := range []any{&api.ChatPatch{}, &api.AdminStaffRequest{}, &api.Hours{}, &api.Settings{}, &api.ChannelPatch{}} {
			r := httptest.NewRequest("POST", "/", strings.NewReader(body))
			err := httpapi.DecodeJSON(httptest.NewRecorder(), r, v, 4096)
			if err == nil {
				continue
			}
			var ae *api.Error
			if !errors.As(err, &ae) || !allowed[ae.Code] || ae.Message == "" {
				t.Fatalf("body %q into %T: %v", body, v, err)
			}
		}
	})
}
