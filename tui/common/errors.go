package common

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/meet-dev/meet/api"
)

// ErrorText says what went wrong in words a user can act on: the server's
// own message for an API error, "cannot reach meetd" for a network
// failure, never a raw Go error chain (the log file keeps that).
func ErrorText(ctx *Context, err error) string {
	var ae *api.Error
	var ne net.Error
	var oe *net.OpError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ae):
		switch ae.Code {
		case api.CodeForbidden:
			return ctx.T("not allowed for your role: %s", ae.Message)
		case api.CodeUnauthorized:
			return ctx.T("session expired or revoked: run `meet login` again")
		}
		return ae.Message
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return ctx.T("meetd did not answer in time (details in the log file)")
	case errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &oe) || errors.As(err, &ne):
		return ctx.T("meetd is not answering; retrying when it is back (details in the log file)")
	}
	return err.Error()
}
