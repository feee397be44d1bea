package httpapi

import (
	"bytes"
	"encoding/json"
	"net"
	"strconv"
	"strings"

	"github.com/meet-dev/meet/api"
)

// Go's http.Server answers some requests before any handler runs: 431 for
// headers over MaxHeaderBytes, 400 for a malformed request line or header
// (e.g. control bytes in a token), 501 for an unknown transfer encoding.
// It writes those as plain text straight to the connection. JSONErrors
// wraps the listener so these answers carry the same JSON error body as
// every other error of the API.

// serverErrorHeaders is what net/http puts between its status line and
// the text of a response it writes itself (net/http/server.go).
const serverErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// JSONErrors wraps ln (plain TCP, or a tls.NewListener) so the errors
// net/http writes itself become JSON.
func JSONErrors(ln net.Listener) net.Listener { return &jsonErrListener{Listener: ln} }

type jsonErrListener struct{ net.Listener }

func (l *jsonErrListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrConn{Conn: c}, nil
}

type jsonErrConn struct {
	net.Conn
}

func (c *jsonErrConn) Write(b []byte) (int, error) {
	if out, ok := rewriteServerError(b); ok {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// rewriteServerError turns one of net/http's own plain-text answers into
// a JSON error response; ok is false for anything else.
func rewriteServerError(b []byte) ([]byte, bool) {
	if !bytes.HasPrefix(b, []byte("HTTP/1.1 ")) {
		return nil, false
	}
	i := bytes.Index(b, []byte(serverErrorHeaders))
	if i < 0 || bytes.IndexByte(b[:i], '\n') >= 0 { // the headers must follow the status line directly
		return nil, false
	}
	statusLine := string(b[len("HTTP/1.1 "):i])
	text := strings.TrimSpace(string(b[i+len(serverErrorHeaders):]))
	codeStr, reason, _ := strings.Cut(statusLine, " ")
	status, err := strconv.Atoi(codeStr)
	if err != nil || status < 400 {
		return nil, false
	}
	code := api.CodeBadRequest
	msg := "malformed HTTP request"
	switch status {
	case 431:
		code, msg = api.CodeTooLarge, "request headers are too large"
	case 501:
		msg = "unsupported transfer encoding"
	}
	if _, detail, ok := strings.Cut(text, ": "); ok && status == 400 {
		msg += ": " + detail
	}
	body, _ := json.Marshal(api.ErrorBody{Error: api.Error{Code: code, Message: msg}})
	body = append(body, '\n')
	if reason, _, _ = strings.Cut(reason, ":"); reason == "" {
		reason = "Bad Request"
	}
	var out bytes.Buffer
	out.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + reason + "\r\n")
	out.WriteString("Content-Type: application/json\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	out.Write(body)
	return out.Bytes(), true
}
