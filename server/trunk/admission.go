package trunk

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// Admission of trunk peers: a source allow-list and/or digest auth. Nonces
// are stateless (timestamp + HMAC), so admission keeps no per-peer memory.

const nonceLifetime = 5 * time.Minute

// admission is the outcome of checking a request.
type admission int

const (
	admitted  admission = iota
	challenge           // 401 with a fresh nonce
	stale               // 401 with stale=true
	refused             // 403, same for unknown user and wrong password
)

type authenticator struct {
	realm  string
	users  map[string]string
	allow  []netip.Prefix
	secret []byte
	now    func() time.Time
}

func (a *authenticator) allowed(src netip.Addr) bool {
	src = src.Unmap()
	for _, p := range a.allow {
		if p.Contains(src) {
			return true
		}
	}
	return false
}

// check decides on a request from src carrying an optional Authorization.
func (a *authenticator) check(method string, src netip.Addr, authz string) admission {
	if src.IsValid() && a.allowed(src) {
		return admitted
	}
	if len(a.users) == 0 {
		return refused
	}
	if authz == "" {
		return challenge
	}
	cred, err := digest.ParseCredentials(authz)
	if err != nil || cred.Username == "" || cred.Response == "" {
		return refused
	}
	if !strings.EqualFold(cred.Realm, a.realm) {
		return refused
	}
	switch a.verifyNonce(cred.Nonce) {
	case nonceBad:
		return refused
	case nonceExpired:
		return stale
	}
	pass, known := a.users[cred.Username]
	if !known {
		pass = "\x00unknown" // compute anyway: same work, same answer
	}
	chal := &digest.Challenge{Realm: a.realm, Nonce: cred.Nonce, Algorithm: "MD5"}
	if cred.QOP != "" {
		if cred.QOP != "auth" {
			return refused
		}
		chal.QOP = []string{"auth"}
	}
	want, err := digest.Digest(chal, digest.Options{
		Method: method, URI: cred.URI, Username: cred.Username, Password: pass,
		Cnonce: cred.Cnonce, Count: cred.Nc,
	})
	if err != nil {
		return refused
	}
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(want.Response)), []byte(strings.ToLower(cred.Response))) != 1 || !known {
		return refused
	}
	return admitted
}

// challengeHeader builds a WWW-Authenticate header with a fresh nonce.
func (a *authenticator) challengeHeader(isStale bool) sip.Header {
	chal := digest.Challenge{Realm: a.realm, Nonce: a.nonce(), Algorithm: "MD5", QOP: []string{"auth"}, Stale: isStale}
	return sip.NewHeader("WWW-Authenticate", chal.String())
}

func (a *authenticator) mac(ts string) string {
	m := hmac.New(sha256.New, a.secret)
	m.Write([]byte(ts))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func (a *authenticator) nonce() string {
	ts := strconv.FormatInt(a.now().Unix(), 16)
	return ts + "." + a.mac(ts)
}

type nonceState int

const (
	nonceOK nonceState = iota
	nonceExpired
	nonceBad
)

func (a *authenticator) verifyNonce(n string) nonceState {
	ts, mac, ok := strings.Cut(n, ".")
	if !ok || len(ts) > 16 {
		return nonceBad
	}
	if !hmac.Equal([]byte(mac), []byte(a.mac(ts))) {
		return nonceBad
	}
	sec, err := strconv.ParseInt(ts, 16, 64)
	if err != nil {
		return nonceBad
	}
	age := a.now().Sub(time.Unix(sec, 0))
	if age < -time.Minute || age > nonceLifetime {
		return nonceExpired
	}
	return nonceOK
}
