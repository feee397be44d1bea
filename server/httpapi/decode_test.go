package httpapi_test

import (
	"net/http/httptest"
	"strings"

	"github.com/meet-dev/meet/server/httpapi"
)

func decodeStrict(b []byte, v any) error {
	r := httptest.NewRequest("POST", "/", strings.NewReader(string(b)))
	return httpapi.DecodeJSON(httptest.NewRecorder(), r, v, 0)
}
