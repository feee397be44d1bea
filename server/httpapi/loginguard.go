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
//   - at most MaxChecks password checks run at once; others wait up to Wait,
//     then get 429 + Retry-After. Waiting attempts are served by tier: IPs
//     that logged in successfully lately first, then sources with nothing
//     against them (no failures, nothing in flight), then the rest; when the
//     queue is full a better-tier attempt pushes out the newest worse one;
//   - after each check the collector runs, so the 19 MiB of one argon2id
//     check is reused by the next instead of piling up until the GC's goal.

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
	lastOK      time.Time // last successful login (IPs)
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
	tier       int           // place in line for a check slot (tierKnown first)
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
	switch {
	case now.Sub(ib.lastOK) < knownFor && !ib.lastOK.IsZero():
		v.tier = tierKnown
	case ib.pending == 0 && ib.lim.TokensAt(now) >= float64(g.lim.IPBurst) && ab.failsInRow == 0:
		v.tier = tierClean
	default:
		v.tier = tierSuspect
	}
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
	ib, ab := g.settle(v, now)
	if success {
		ab.failsInRow, ab.lockedUntil = 0, time.Time{}
		ib.lastOK = now
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
			if b.pending == 0 && !now.Before(b.lockedUntil) && b.lim.TokensAt(now) >= float64(burst) && b.failsInRow == 0 &&
				now.Sub(b.lastOK) >= knownFor {
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
	g.mu.Lock()
	defer g.mu.Unlock()
	g.settle(v, g.now())
}

// settle takes an admitted attempt off its IP's and account's pending
// counts and returns their buckets; g.mu is held.
func (g *LoginGuard) settle(v Verdict, now time.Time) (ib, ab *bucket) {
	ib = trackedBucket(g, g.ips, v.ip, g.lim.IPRate, g.lim.IPBurst, now)
	ab = trackedBucket(g, g.accts, v.account, g.lim.AccountRate, g.lim.AccountBurst, now)
	ib.pending = max(ib.pending-1, 0)
	ab.pending = max(ab.pending-1, 0)
	return ib, ab
}

// Check runs fn (the password check) in one of the MaxChecks slots, waiting
// up to Wait for one. It returns false without running fn when no slot
// came free in time, the queue is full of attempts of the same or a better
// tier, or ctx ended.
func (g *LoginGuard) Check(ctx context.Context, v Verdict, fn func()) bool {
	if !g.slots.acquire(ctx, v.tier, g.lim.Wait) {
		return false
	}
	defer g.slots.release()
	fn()
	runtime.GC() // before the slot is free: the next check reuses this one's memory
	return true
}

// Tiers of waiting attempts, best first.
const (
	tierKnown   = iota // the IP logged in successfully within knownFor
	tierClean          // nothing against the IP or the account, nothing in flight from the IP
	tierSuspect        // everything else
	numTiers
)

// knownFor is how long a successful login makes its IP "known".
const knownFor = 7 * 24 * time.Hour

// checkSlots is a counting semaphore with a FIFO queue per tier.
type checkSlots struct {
	mu         sync.Mutex
	free       int
	maxWaiting int
	queues     [numTiers][]chan bool // true: a slot; false: pushed out
	waiting    int
}

func (s *checkSlots) acquire(ctx context.Context, tier int, wait time.Duration) bool {
	s.mu.Lock()
	if s.free > 0 {
		s.free--
		s.mu.Unlock()
		return true
	}
	if s.waiting >= s.maxWaiting && !s.pushOutWorse(tier) {
		s.mu.Unlock()
		return false
	}
	ch := make(chan bool, 1)
	s.queues[tier] = append(s.queues[tier], ch)
	s.waiting++
	s.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case ok := <-ch:
		return ok
	case <-t.C:
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.remove(tier, ch) {
		return false
	}
	// Handed a slot (or pushed out) while giving up: pass a slot on.
	if <-ch {
		s.releaseLocked()
	}
	return false
}

// pushOutWorse refuses the newest waiter of the worst tier below tier.
func (s *checkSlots) pushOutWorse(tier int) bool {
	for t := numTiers - 1; t > tier; t-- {
		if q := s.queues[t]; len(q) > 0 {
			q[len(q)-1] <- false
			s.queues[t] = q[:len(q)-1]
			s.waiting--
			return true
		}
	}
	return false
}

func (s *checkSlots) remove(tier int, ch chan bool) bool {
	q := s.queues[tier]
	for i, c := range q {
		if c == ch {
			s.queues[tier] = append(q[:i], q[i+1:]...)
			s.waiting--
			return true
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
	for t := range s.queues {
		if q := s.queues[t]; len(q) > 0 {
			q[0] <- true
			s.queues[t] = q[1:]
			s.waiting--
			return
		}
	}
	s.free++
}
