package trunk

import (
	"net/netip"
	"testing"
	"time"

	"github.com/icholy/digest"
)

func testAuth(now time.Time) *authenticator {
	return &authenticator{
		realm: "meetd", users: map[string]string{"carrier": "s3cret"},
		allow:  []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")},
		secret: []byte("0123456789abcdef0123456789abcdef"), now: func() time.Time { return now },
	}
}

func authorize(t *testing.T, a *authenticator, user, pass string) string {
	t.Helper()
	chal, err := digest.ParseChallenge(a.challengeHeader(false).Value())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: "INVITE", URI: "sip:100@meetd", Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	return cred.String()
}

func TestAdmission(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	a := testAuth(now)
	outside := netip.MustParseAddr("192.0.2.7")
	tests := []struct {
		name  string
		src   netip.Addr
		authz string
		want  admission
	}{
		{"allowed source", netip.MustParseAddr("10.1.2.3"), "", admitted},
		{"allowed v4-mapped", netip.MustParseAddr("::ffff:10.1.2.3"), "", admitted},
		{"no credentials", outside, "", challenge},
		{"good credentials", outside, authorize(t, a, "carrier", "s3cret"), admitted},
		{"wrong password", outside, authorize(t, a, "carrier", "nope"), refused},
		{"unknown user", outside, authorize(t, a, "ghost", "s3cret"), refused},
		{"garbage header", outside, "Digest ???", refused},
		{"basic auth", outside, "Basic Zm9vOmJhcg==", refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.check("INVITE", tt.src, tt.authz); got != tt.want {
				t.Fatalf("got %v want %v", got, tt.want)
			}
		})
	}
}

func TestAdmissionNonces(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	a := testAuth(now)
	h := authorize(t, a, "carrier", "s3cret")
	outside := netip.MustParseAddr("192.0.2.7")
	later := testAuth(now.Add(nonceLifetime + time.Minute))
	if got := later.check("INVITE", outside, h); got != stale {
		t.Fatalf("old nonce: got %v want stale", got)
	}
	other := testAuth(now)
	other.secret = []byte("another secret, another server..")
	if got := other.check("INVITE", outside, h); got != refused {
		t.Fatalf("foreign nonce: got %v want refused", got)
	}
	if got := a.check("BYE", outside, h); got != refused {
		t.Fatalf("digest for another method must fail, got %v", got)
	}
}

func TestAdmissionWithoutUsersRefusesOutsiders(t *testing.T) {
	a := testAuth(time.Now())
	a.users = nil
	if got := a.check("INVITE", netip.MustParseAddr("192.0.2.7"), ""); got != refused {
		t.Fatalf("got %v", got)
	}
}
