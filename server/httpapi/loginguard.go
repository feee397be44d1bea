package httpapi

import (
	"context"
	"math"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/meet-dev/meet/server/seclog"
)

// Login flood protection. A password check (argon2id, 19 MiB, tens of ms of
// CPU) is the most expensive thing an anonymous client can ask for, so
// POST /v1/login goes through a LoginGuard first:
//
//   - per source IP and per account, a token bucket (x/time/rate) of failed
//     attempts: attempts in flight count against it provisionally, a success
//     gives its token back, so operators logging in cost nothing;
//   - per account, lockout with back-off after LockAfter failures in a row
//     (1 s, 2 s, 4 s … up to LockMax); a success clears it;
//   - unknown accounts are tracked exactly like known ones (same cost, same
//     answers, no way to tell them apart);
//   - at most MaxChecks password checks run at once; others wait up to Wait
//     (clean sources first), then get 429 + Retry-After.

// LoginLimits configures a LoginGuard; zero fields take the defaults.
type LoginLimits struct {
	IPRate       rate.Limit    // failed logins per second an IP earns back (default 0.2 = 12/min)
	IPBurst      int           // failed logins an IP may have at once (default 20)
	AccountRate  rate.Limit    // failed logins per second an account earns back (default 1/min)
	AccountBurst int           // (default 10)
	LockAfter    int           // failures in a row before back-off starts (default 5)
	LockBase     time.Duration // first lockout (default 1 s), doubled per further failure
	LockMax      time.Duration // longest lockout (default 15 min)
	MaxChecks    int           // concurrent password checks (default GOMAXPROCS, 2..4)
	MaxWaiting   int           // attempts queued for a check slot (default 64)
	Wait         time.Duration // longest wait for a slot (default 2 s)
	MaxTracked   int           // IPs and accounts remembered, each (default 50,000)
}

func (l *LoginLimits) defaults() {
	if l.IPRate <= 0 {
		l.IPRate = 0.2
	}
	if l.IPBurst <= 0 {
		l.IPBurst = 20
	}
	if l.AccountRate <= 0 {
		l.AccountRate = rate.Every(time.Minute)
	}
	if l.AccountBurst <= 0 {
		l.AccountBurst = 10
	}
	if l.LockAfter <= 0 {
		l.LockAfter = 5
	}
	if l.LockBase <= 0 {
		l.LockBase = time.Second
	}
	if l.LockMax <= 0 {
		l.LockMax = 15 * time.Minute
	}
	if l.MaxChecks <= 0 {
		l.MaxChecks = min(max(runtime.GOMAXPROCS(0), 2), 4)
	}
	if l.MaxWaiting <= 0 {
		l.MaxWaiting = 64
	}
	if l.Wait <= 0 {
		l.Wait = 2 * time.Second
	}
	if l.MaxTracked <= 0 {
		l.MaxTracked = 50_000
	}
}

// bucket is the failure record of one IP or account.
type bucket struct {
	lim         *rate.Limiter
	pending     int // attempts admitted and not yet decided
	failsInRow  int
	lockedUntil time.Time
	seen        time.Time
}

// LoginGuard admits login attempts. It is safe for concurrent use.
type LoginGuard struct {
	lim   LoginLimits
	now   func() time.Time
	mu    sync.Mutex
	ips   map[netip.Addr]*bucket
	accts map[string]*bucket
	slots *checkSlots
}

// NewLoginGuard builds a guard; now is the clock (time.Now in production).
func NewLoginGuard(l LoginLimits, now func() time.Time) *LoginGuard {
	l.defaults()
	if now == nil {
		now = time.Now
	}
	return &LoginGuard{lim: l, now: now, ips: map[netip.Addr]*bucket{}, accts: map[string]*bucket{},
		slots: &checkSlots{free: l.MaxChecks, maxWaiting: l.MaxWaiting}}
}

// Verdict is the guard's answer to an attempt.
type Verdict struct {
	OK         bool
	Reason     string        // seclog reason when refused
	RetryAfter time.Duration // when refused
	clean      bool          // no failures on record: first in line for a check slot
	ip         netip.Addr
	account    string
}

// normalizeAccount is the key an email is tracked under.
func normalizeAccount(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Admit decides whether an attempt from ip for email may go on to a
// password check. An admitted attempt must be closed with Done.
func (g *LoginGuard) Admit(ip netip.Addr, email string) Verdict {
	now := g.now()
	v := Verdict{ip: ip.Unmap(), account: normalizeAccount(email)}
	g.mu.Lock()
	defer g.mu.Unlock()
	ib := trackedBucket(g, g.ips, v.ip, g.lim.IPRate, g.lim.IPBurst, now)
	ab := trackedBucket(g, g.accts, v.account, g.lim.AccountRate, g.lim.AccountBurst, now)
	if now.Before(ab.lockedUntil) {
		v.Reason, v.RetryAfter = seclog.LockedOut, ab.lockedUntil.Sub(now)
		return v
	}
	for _, b := range []struct {
		b      *bucket
		reason string
	}{{ib, seclog.RateLimited}, {ab, seclog.RateLimited}} {
		if avail := b.b.lim.TokensAt(now) - float64(b.b.pending); avail < 1 {
			v.Reason, v.RetryAfter = b.reason, waitFor(1-avail, b.b.lim.Limit())
			return v
		}
	}
	v.clean = ib.lim.TokensAt(now) >= float64(g.lim.IPBurst) && ab.failsInRow == 0
	ib.pending++
	ab.pending++
	v.OK = true
	return v
}

func waitFor(tokens float64, r rate.Limit) time.Duration {
	if r <= 0 {
		return time.Hour
	}
	return time.Duration(math.Ceil(tokens / float64(r) * float64(time.Second)))
}

// Done records the outcome of an admitted attempt: a failure takes a token
// from the IP and the account and extends the account's back-off; a success
// gives the provisional tokens back and clears the account's record.
func (g *LoginGuard) Done(v Verdict, success bool) {
	if !v.OK {
		return
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	ib := trackedBucket(g, g.ips, v.ip, g.lim.IPRate, g.lim.IPBurst, now)
	ab := trackedBucket(g, g.accts, v.account, g.lim.AccountRate, g.lim.AccountBurst, now)
	ib.pending = max(ib.pending-1, 0)
	ab.pending = max(ab.pending-1, 0)
	if success {
		ab.failsInRow, ab.lockedUntil = 0, time.Time{}
		return
	}
	ib.lim.AllowN(now, 1)
	ab.lim.AllowN(now, 1)
	ab.failsInRow++
	if n := ab.failsInRow - g.lim.LockAfter; n >= 0 {
		d := g.lim.LockMax
		if n < 30 {
			d = min(g.lim.LockBase<<n, g.lim.LockMax)
		}
		ab.lockedUntil = now.Add(d)
	}
}

// trackedBucket finds or makes the record for key, making room when the table
// is full (records with nothing to remember first).
func trackedBucket[K comparable](g *LoginGuard, m map[K]*bucket, key K, r rate.Limit, burst int, now time.Time) *bucket {
	if b := m[key]; b != nil {
		b.seen = now
		return b
	}
	if len(m) >= g.lim.MaxTracked {
		for k, b := range m {
			if b.pending == 0 && !now.Before(b.lockedUntil) && b.lim.TokensAt(now) >= float64(burst) && b.failsInRow == 0 {
				delete(m, k)
			}
		}
		for k, b := range m { // still full: forget arbitrary idle records
			if len(m) < g.lim.MaxTracked {
				break
			}
			if b.pending == 0 {
				delete(m, k)
			}
		}
	}
	b := &bucket{lim: rate.NewLimiter(r, burst), seen: now}
	b.lim.AllowN(now, 0) // start the bucket full at now, not at the zero time
	m[key] = b
	return b
}

// Release closes an admitted attempt that was never decided (store error,
// no check slot): nothing is counted for or against anyone.
func (g *LoginGuard) Release(v Verdict) {
	if !v.OK {
		return
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	ib := trackedBucket(g, g.ips, v.ip, g.lim.IPRate, g.lim.IPBurst, now)
	ab := trackedBucket(g, g.accts, v.account, g.lim.AccountRate, g.lim.AccountBurst, now)
	ib.pending = max(ib.pending-1, 0)
	ab.pending = max(ab.pending-1, 0)
}

// Check runs fn (the password check) in one of the MaxChecks slots, waiting
// up to Wait for one. It returns false without running fn when no slot
// came free in time, the queue is full or ctx ended.
func (g *LoginGuard) Check(ctx context.Context, v Verdict, fn func()) bool {
	if !g.slots.acquire(ctx, v.clean, g.lim.Wait) {
		return false
	}
	defer g.slots.release()
	fn()
	return true
}

// checkSlots is a counting semaphore with two FIFO queues: attempts from
// sources without failures on record are served first.
type checkSlots struct {
	mu         sync.Mutex
	free       int
	maxWaiting int
	hi, lo     []chan struct{}
}

func (s *checkSlots) acquire(ctx context.Context, prio bool, wait time.Duration) bool {
	s.mu.Lock()
	if s.free > 0 {
		s.free--
		s.mu.Unlock()
		return true
	}
	if len(s.hi)+len(s.lo) >= s.maxWaiting {
		s.mu.Unlock()
		return false
	}
	ch := make(chan struct{})
	if prio {
		s.hi = append(s.hi, ch)
	} else {
		s.lo = append(s.lo, ch)
	}
	s.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.remove(ch) {
		return false
	}
	// Handed a slot while giving up: pass it on.
	<-ch
	s.releaseLocked()
	return false
}

func (s *checkSlots) remove(ch chan struct{}) bool {
	for _, q := range []*[]chan struct{}{&s.hi, &s.lo} {
		for i, c := range *q {
			if c == ch {
				*q = append((*q)[:i], (*q)[i+1:]...)
				return true
			}
		}
	}
	return false
}

func (s *checkSlots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked()
}

func (s *checkSlots) releaseLocked() {
	for _, q := range []*[]chan struct{}{&s.hi, &s.lo} {
		if len(*q) > 0 {
			ch := (*q)[0]
			*q = (*q)[1:]
			close(ch)
			return
		}
	}
	s.free++
}
