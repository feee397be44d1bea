package api

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is a stable error code; clients switch on it, never on messages.
type Code string

const (
	CodeBadRequest         Code = "bad_request"
	CodeInvalidJSON        Code = "invalid_json"
	CodeUnknownField       Code = "unknown_field"
	CodeTooLarge           Code = "too_large"
	CodeUnauthorized       Code = "unauthorized"
	CodeForbidden          Code = "forbidden"
	CodeNotFound           Code = "not_found"
	CodeGone               Code = "gone" // existed, deleted on purpose (e.g. a recording past retention)
	CodeConflict           Code = "conflict"
	CodeInvalidTransition  Code = "invalid_transition"
	CodeStorageUnavailable Code = "storage_unavailable" // locked database, disk trouble
	CodeReadOnly           Code = "read_only"           // database file not writable
	CodeUnsupportedMedia   Code = "unsupported_media"   // e.g. a guidance file we cannot read
	CodeUnavailable        Code = "unavailable"         // trunk or media not configured / down
	CodeRateLimited        Code = "rate_limited"        // too many attempts: retry after the Retry-After header
	CodeInternal           Code = "internal"
)

// Status is the HTTP status that goes with a code.
func (c Code) Status() int {
	switch c {
	case CodeBadRequest, CodeInvalidJSON, CodeUnknownField:
		return http.StatusBadRequest
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeGone:
		return http.StatusGone
	case CodeConflict, CodeInvalidTransition:
		return http.StatusConflict
	case CodeUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case CodeStorageUnavailable, CodeReadOnly, CodeUnavailable:
		return http.StatusServiceUnavailable
	case CodeRateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// Error is the JSON error body: {"error":{"code":"…","message":"…"}}.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"-"`
}

// ErrorBody wraps Error on the wire.
type ErrorBody struct {
	Error Error `json:"error"`
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Is makes errors.Is(err, &Error{Code: X}) match on the code alone.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
	}
	return false
}

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: code.Status()}
}

// Sentinels for errors.Is.
var (
	ErrNotFound          = &Error{Code: CodeNotFound}
	ErrConflict          = &Error{Code: CodeConflict}
	ErrInvalidTransition = &Error{Code: CodeInvalidTransition}
	ErrForbidden         = &Error{Code: CodeForbidden}
	ErrUnauthorized      = &Error{Code: CodeUnauthorized}
)

// CodeOf returns the code of err, or CodeInternal when it carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}
