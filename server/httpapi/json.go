package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/meet-dev/meet/api"
)

// MaxBodyBytes limits JSON request bodies.
const MaxBodyBytes = 1 << 20

// WriteJSON writes v with a status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(w).Encode(v)
	}
}

// WriteError writes err as {"error":{"code","message"}} with the code's status.
// Errors without an api code become 500 internal (logged, message hidden).
func WriteError(w http.ResponseWriter, log *slog.Logger, err error) {
	var ae *api.Error
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		ae = api.Errorf(api.CodeUnavailable, "request cancelled or timed out")
	default:
		if log != nil {
			log.Error("internal error", "err", err)
		}
		ae = api.Errorf(api.CodeInternal, "internal error")
	}
	status := ae.Status
	if status == 0 {
		status = ae.Code.Status()
	}
	WriteJSON(w, status, api.ErrorBody{Error: api.Error{Code: ae.Code, Message: ae.Message}})
}

// DecodeJSON reads exactly one JSON value into v: at most limit bytes (0:
// MaxBodyBytes), no unknown fields, nothing after it. Errors carry the codes
// invalid_json, unknown_field, too_large or bad_request (wrong types).
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	if limit <= 0 {
		limit = MaxBodyBytes
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	b, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return api.Errorf(api.CodeTooLarge, "request body is larger than %d bytes", limit)
		}
		return api.Errorf(api.CodeBadRequest, "reading body: %v", err)
	}
	return decodeBytes(b, v)
}

func decodeBytes(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return api.Errorf(api.CodeInvalidJSON, "request body is empty, want a JSON object")
	}
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return api.Errorf(api.CodeInvalidJSON, "request body is null, want a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return api.Errorf(api.CodeInvalidJSON, "unexpected data after the JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return api.Errorf(api.CodeInvalidJSON, "malformed JSON at byte %d: %v", syn.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return api.Errorf(api.CodeInvalidJSON, "JSON ends too early")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return api.Errorf(api.CodeBadRequest, "body must be a JSON %s, got %s", typeName(typ.Type.Kind().String()), typ.Value)
		}
		return api.Errorf(api.CodeBadRequest, "field %q must be %s, got %s", field, typeName(typ.Type.String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return api.Errorf(api.CodeUnknownField, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	// Errors from UnmarshalJSON / UnmarshalText methods (e.g. time.Time).
	return api.Errorf(api.CodeBadRequest, "invalid value: %v", err)
}

func typeName(t string) string {
	switch {
	case strings.Contains(t, "int"), strings.Contains(t, "float"):
		return "a number"
	case t == "string" || strings.HasSuffix(t, "State") || strings.HasSuffix(t, "Role") || strings.HasSuffix(t, "Mode"):
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "map"), t == "struct":
		return "an object"
	}
	return fmt.Sprintf("of type %s", t)
}

// QueryInt reads an optional integer query parameter: def when absent,
// a bad_request error unless it is a whole number in [lo, hi].
func QueryInt(v url.Values, name string, def, lo, hi int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, api.Errorf(api.CodeBadRequest, "%s=%q: want a whole number from %d to %d", name, s, lo, hi)
	}
	return n, nil
}
