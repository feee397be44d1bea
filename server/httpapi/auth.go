package httpapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/server/inbox"
	"github.com/meet-dev/meet/server/seclog"
	"github.com/meet-dev/meet/server/store"
)

// Me is the authenticated caller.
type Me struct {
	Staff     api.Staff
	tokenHash []byte
	channels  map[int64]bool
}

// ID is the caller's staff id.
func (m *Me) ID() int64 { return m.Staff.ID }

// Role is the caller's role.
func (m *Me) Role() api.Role { return m.Staff.Role }

// Admin reports whether the caller is an admin (admins see every channel).
func (m *Me) Admin() bool { return m.Staff.Role == api.RoleAdmin }

// CanSee reports whether the caller may see things of channel id.
func (m *Me) CanSee(channelID int64) bool { return m.Admin() || m.channels[channelID] }

// Channels is the caller's channel set for store queries; nil means all (admin).
func (m *Me) Channels() []int64 {
	if m.Admin() {
		return nil
	}
	// Never nil for a non-admin: nil would mean every channel.
	return append(make([]int64, 0, len(m.Staff.Channels)), m.Staff.Channels...)
}

// SeesEvent reports whether an event may be sent to the caller: events of
// the caller's channels, events about the caller, and channel-less events
// other than someone else's settings.
func (m *Me) SeesEvent(e api.Event) bool {
	if m.Admin() || e.StaffID == m.Staff.ID {
		return true
	}
	if e.ChannelID != 0 {
		return m.channels[e.ChannelID]
	}
	return e.Type != api.EvSettingsUpdated
}

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	return ""
}

// authenticate resolves the bearer token to the caller.
func (a *API) authenticate(r *http.Request) (*Me, error) {
	var th []byte
	if tok := bearer(r); tok != "" {
		th = hashToken(tok)
	} else if t := r.URL.Query().Get("ticket"); t != "" && r.URL.Path == "/v1/ws" {
		if th = a.tickets.redeem(t, a.now()); th == nil {
			return nil, api.Errorf(api.CodeUnauthorized, "WebSocket ticket unknown, used or expired (POST /v1/ws/ticket)")
		}
	}
	if th == nil {
		return nil, api.Errorf(api.CodeUnauthorized, "missing bearer token (POST /v1/login)")
	}
	me := &Me{tokenHash: th, channels: map[int64]bool{}}
	err := a.st.View(r.Context(), func(tx store.Tx) error {
		id, err := tx.TokenStaff(me.tokenHash, a.now())
		if err != nil {
			return err
		}
		me.Staff, err = tx.Staff(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, c := range me.Staff.Channels {
		me.channels[c] = true
	}
	if a.sig != nil {
		me.Staff.Online = a.sig.Online(me.Staff.ID)
	}
	return me, nil
}

// auth implements Auth.
func (a *API) auth(role api.Role, h HandlerFunc) http.Handler {
	return a.metrics.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		me, err := a.authenticate(r)
		if err != nil {
			WriteError(w, a.log, err)
			return
		}
		if me.Role().Rank() < role.Rank() {
			WriteError(w, a.log, api.Errorf(api.CodeForbidden, "this needs the %s role, you are %s", role, me.Role()))
			return
		}
		h(w, r, me)
	}))
}

func (a *API) public(h HandlerFunc) http.Handler {
	return a.metrics.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(w, r, nil) }))
}

func (a *API) login(w http.ResponseWriter, r *http.Request, _ *Me) {
	var req api.LoginRequest
	if err := DecodeJSON(w, r, &req, 0); err != nil {
		WriteError(w, a.log, err)
		return
	}
	email := strings.TrimSpace(req.Email)
	if email == "" || req.Password == "" {
		WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "email and password are required"))
		return
	}
	if len(email) > 320 || len(req.Password) > 1024 {
		WriteError(w, a.log, api.Errorf(api.CodeBadRequest, "email (max 320 bytes) or password (max 1024 bytes) too long"))
		return
	}
	src := remoteIP(r)
	verdict := a.guard.Admit(src, email)
	if !verdict.OK {
		a.refuseLogin(w, r, verdict.Reason, verdict.RetryAfter)
		return
	}
	var staff api.Staff
	var hash string
	err := a.st.View(r.Context(), func(tx store.Tx) (err error) {
		staff, hash, err = tx.StaffByEmail(email)
		return err
	})
	if err != nil && api.CodeOf(err) != api.CodeNotFound {
		a.guard.Release(verdict) // not the caller's failure
		WriteError(w, a.log, err)
		return
	}
	known := err == nil
	ok := false
	ran := a.guard.Check(r.Context(), verdict, func() {
		if !known {
			inbox.CheckNoAccount(req.Password) // same work, same answer
			return
		}
		ok = inbox.CheckPassword(hash, req.Password)
	})
	if !ran {
		a.guard.Release(verdict) // never checked: no failure to count
		a.refuseLogin(w, r, seclog.Busy, time.Second)
		return
	}
	a.guard.Done(verdict, ok)
	if !ok {
		seclog.Refused(a.log, seclog.HTTP, r.RemoteAddr, seclog.WrongPassword, "POST /v1/login")
		WriteError(w, a.log, api.Errorf(api.CodeUnauthorized, "wrong email or password"))
		return
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		WriteError(w, a.log, err)
		return
	}
	tok := base64.RawURLEncoding.EncodeToString(raw)
	expires := a.now().Add(a.tokenTTL).UTC().Truncate(time.Second)
	if err := a.st.Update(r.Context(), func(tx store.Tx) error {
		return tx.CreateToken(staff.ID, hashToken(tok), expires)
	}); err != nil {
		WriteError(w, a.log, err)
		return
	}
	if a.sig != nil {
		staff.Online = a.sig.Online(staff.ID)
	}
	a.log.Info("login", "staff_id", staff.ID)
	WriteJSON(w, http.StatusOK, api.LoginResponse{Token: tok, Expires: expires, Staff: staff})
}

// refuseLogin answers 429 with Retry-After and writes the security line.
func (a *API) refuseLogin(w http.ResponseWriter, r *http.Request, reason string, after time.Duration) {
	secs := max(int(math.Ceil(after.Seconds())), 1)
	seclog.Refused(a.log, seclog.HTTP, r.RemoteAddr, reason, "POST /v1/login", "retry_after_s", secs)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	msg := "too many login attempts, retry in %d s"
	if reason == seclog.Busy {
		msg = "too many logins in progress, retry in %d s"
	}
	WriteError(w, a.log, api.Errorf(api.CodeRateLimited, msg, secs))
}

// remoteIP is the peer address of the request (proxies are not trusted).
func remoteIP(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(r.RemoteAddr)
	return a
}

func (a *API) logout(w http.ResponseWriter, r *http.Request, me *Me) {
	if err := a.st.Update(r.Context(), func(tx store.Tx) error { return tx.RevokeToken(me.tokenHash) }); err != nil {
		WriteError(w, a.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
