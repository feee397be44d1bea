package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/meet-dev/meet/api"
)

// WebSocket tickets. Browsers cannot set an Authorization header on a
// WebSocket, and a bearer token in the URL ends up in proxy logs; so a
// client that cannot send the header asks POST /v1/ws/ticket (with the
// header) for a ticket and opens GET /v1/ws?ticket=…. A ticket is random,
// single use and lives TicketTTL; it stands for the token it was issued
// under, so logging out also ends what it opened.

// TicketTTL is how long a WebSocket ticket may wait to be used.
const TicketTTL = 30 * time.Second

const maxTickets = 10000

type wsTicket struct {
	tokenHash []byte
	expires   time.Time
}

type ticketBook struct {
	mu sync.Mutex
	m  map[string]wsTicket
}

func (b *ticketBook) issue(tokenHash []byte, now time.Time) (string, error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	t := base64.RawURLEncoding.EncodeToString(raw)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]wsTicket{}
	}
	if len(b.m) >= maxTickets {
		for k, v := range b.m {
			if !now.Before(v.expires) {
				delete(b.m, k)
			}
		}
		if len(b.m) >= maxTickets {
			return "", api.Errorf(api.CodeRateLimited, "too many WebSocket tickets outstanding, retry shortly")
		}
	}
	b.m[string(hashToken(t))] = wsTicket{tokenHash: tokenHash, expires: now.Add(TicketTTL)}
	return t, nil
}

// redeem uses a ticket up: the token hash it stands for, or nil.
func (b *ticketBook) redeem(t string, now time.Time) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := string(hashToken(t))
	v, ok := b.m[k]
	if !ok {
		return nil
	}
	delete(b.m, k)
	if !now.Before(v.expires) {
		return nil
	}
	return v.tokenHash
}

func (a *API) wsTicket(w http.ResponseWriter, r *http.Request, me *Me) {
	t, err := a.tickets.issue(me.tokenHash, a.now())
	if err != nil {
		WriteError(w, a.log, err)
		return
	}
	WriteJSON(w, http.StatusOK, api.WSTicket{Ticket: t, ExpiresInS: int(TicketTTL / time.Second)})
}

// checkUpgrade answers a request to /v1/ws that is no WebSocket handshake
// with a JSON error (the WebSocket library would answer in plain text).
func checkUpgrade(w http.ResponseWriter, r *http.Request) error {
	hasToken := func(h, want string) bool {
		for _, v := range r.Header.Values(h) {
			for _, t := range strings.Split(v, ",") {
				if strings.EqualFold(strings.TrimSpace(t), want) {
					return true
				}
			}
		}
		return false
	}
	if !hasToken("Connection", "upgrade") || !hasToken("Upgrade", "websocket") {
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "websocket")
		e := api.Errorf(api.CodeBadRequest, "GET /v1/ws needs a WebSocket upgrade (Connection: Upgrade, Upgrade: websocket)")
		e.Status = http.StatusUpgradeRequired
		return e
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		return api.Errorf(api.CodeBadRequest, "unsupported WebSocket version %q (want 13)", r.Header.Get("Sec-WebSocket-Version"))
	}
	if k, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key")); err != nil || len(k) != 16 {
		return api.Errorf(api.CodeBadRequest, "invalid Sec-WebSocket-Key")
	}
	return nil
}
