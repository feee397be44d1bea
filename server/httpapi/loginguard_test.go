package httpapi

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/server/seclog"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestGuard(l LoginLimits) (*LoginGuard, *fakeClock) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	return NewLoginGuard(l, clk.now), clk
}

var (
	ipA = netip.MustParseAddr("203.0.113.1")
	ipB = netip.MustParseAddr("203.0.113.2")
)

func fail(t *testing.T, g *LoginGuard, ip netip.Addr, acct string) Verdict {
	t.Helper()
	v := g.Admit(ip, acct)
	if v.OK {
		g.Done(v, false)
	}
	return v
}

func TestLoginGuardAccountBackoff(t *testing.T) {
	g, clk := newTestGuard(LoginLimits{LockAfter: 3, LockBase: time.Second, LockMax: 8 * time.Second, IPBurst: 100, AccountBurst: 100})
	for i := range 2 {
		if v := fail(t, g, ipA, "ann@example.com"); !v.OK {
			t.Fatalf("attempt %d refused: %+v", i, v)
		}
	}
	fail(t, g, ipA, "ann@example.com") // third failure: locked 1 s
	v := g.Admit(ipB, " ANN@example.com")
	if v.OK || v.Reason != seclog.LockedOut || v.RetryAfter != time.Second {
		t.Fatalf("after 3 failures: %+v, want locked 1s (from any IP, any spelling)", v)
	}
	// Back-off doubles: 1 s, 2 s, 4 s, then capped at 8 s.
	for _, want := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		clk.add(time.Hour / 1000)
		for !g.Admit(ipA, "ann@example.com").OK {
			clk.add(100 * time.Millisecond)
		}
		// that Admit left an attempt pending: fail it
		g.Done(Verdict{OK: true, ip: ipA, account: "ann@example.com"}, false)
		if v := g.Admit(ipA, "ann@example.com"); v.OK || v.RetryAfter != want {
			t.Fatalf("lockout %v, want %v", v.RetryAfter, want)
		}
	}
	// A success clears the record.
	clk.add(9 * time.Second)
	v = g.Admit(ipA, "ann@example.com")
	g.Done(v, true)
	if v := fail(t, g, ipA, "ann@example.com"); !v.OK {
		t.Fatal("one failure after a success must not lock")
	}
	if v := g.Admit(ipA, "ann@example.com"); !v.OK {
		t.Fatalf("second attempt refused: %+v", v)
	}
}

func TestLoginGuardUnknownAccountsLikeKnown(t *testing.T) {
	// The guard never learns whether an account exists: a made-up email
	// gets the same lockout as a real one.
	g, _ := newTestGuard(LoginLimits{LockAfter: 2, IPBurst: 100})
	a, b := "real@example.com", "nobody@example.com"
	for range 2 {
		fail(t, g, ipA, a)
		fail(t, g, ipA, b)
	}
	va, vb := g.Admit(ipA, a), g.Admit(ipA, b)
	if va.OK || vb.OK || va.Reason != vb.Reason || va.RetryAfter != vb.RetryAfter {
		t.Fatalf("known %+v and unknown %+v differ", va, vb)
	}
}

func TestLoginGuardPerIPRate(t *testing.T) {
	g, clk := newTestGuard(LoginLimits{IPBurst: 3, IPRate: 1, LockAfter: 100, AccountBurst: 100})
	for i := range 3 {
		if v := fail(t, g, ipA, "user"+string(rune('a'+i))); !v.OK {
			t.Fatalf("attempt %d refused", i)
		}
	}
	v := g.Admit(ipA, "fresh@example.com")
	if v.OK || v.Reason != seclog.RateLimited || v.RetryAfter != time.Second {
		t.Fatalf("4th failure from one IP: %+v, want rate limited for 1s", v)
	}
	if v := g.Admit(ipB, "fresh@example.com"); !v.OK {
		t.Fatal("another IP is not limited")
	} else {
		g.Done(v, true)
	}
	clk.add(time.Second)
	if v := g.Admit(ipA, "fresh@example.com"); !v.OK {
		t.Fatal("token not earned back after 1s")
	}
}

func TestLoginGuardInFlightCountAndSuccessIsFree(t *testing.T) {
	g, _ := newTestGuard(LoginLimits{IPBurst: 2, AccountBurst: 100, LockAfter: 100})
	// Parallel attempts count while in flight.
	v1, v2 := g.Admit(ipA, "a"), g.Admit(ipA, "b")
	if !v1.OK || !v2.OK {
		t.Fatal("burst of 2 refused")
	}
	if v := g.Admit(ipA, "c"); v.OK {
		t.Fatal("third parallel attempt admitted over a burst of 2")
	}
	// Successes give their tokens back: many logins from one office IP.
	g.Done(v1, true)
	g.Done(v2, true)
	for i := range 50 {
		v := g.Admit(ipA, "ok@example.com")
		if !v.OK {
			t.Fatalf("successful login %d refused", i)
		}
		g.Done(v, true)
	}
}

func TestLoginGuardTableBounded(t *testing.T) {
	g, _ := newTestGuard(LoginLimits{MaxTracked: 100, IPBurst: 1 << 20, AccountBurst: 5})
	for i := range 1000 {
		fail(t, g, ipA, "user"+string(rune(i)))
	}
	if n := len(g.accts); n > 100 {
		t.Fatalf("%d accounts tracked, cap 100", n)
	}
}

func TestCheckSlotsTiersAndWait(t *testing.T) {
	s := &checkSlots{free: 1, maxWaiting: 2}
	ctx := context.Background()
	if !s.acquire(ctx, tierSuspect, time.Second) {
		t.Fatal("free slot not taken")
	}
	got := make(chan string, 3)
	var wg sync.WaitGroup
	wait := func(name string, tier int) {
		defer wg.Done()
		if s.acquire(ctx, tier, 5*time.Second) {
			got <- name
			s.release()
		} else {
			got <- name + " refused"
		}
	}
	wg.Add(3)
	go wait("suspect", tierSuspect)
	waitQueued(t, s, 1)
	go wait("clean", tierClean)
	waitQueued(t, s, 2)
	// The queue is full: a known IP pushes the newest worse waiter out.
	go wait("known", tierKnown)
	if first := <-got; first != "suspect refused" {
		t.Fatalf("%s, want the suspect pushed out", first)
	}
	waitQueued(t, s, 2)
	if s.acquire(ctx, tierSuspect, time.Second) {
		t.Fatal("full queue of better tiers: a suspect must be refused at once")
	}
	s.release()
	wg.Wait()
	if a, b := <-got, <-got; a != "known" || b != "clean" {
		t.Fatalf("served %s then %s, want known then clean", a, b)
	}
	// Timing out gives up the place in the queue.
	s2 := &checkSlots{free: 0, maxWaiting: 4}
	if s2.acquire(ctx, tierKnown, 10*time.Millisecond) {
		t.Fatal("no slot, still acquired")
	}
	if s2.waiting != 0 {
		t.Fatal("timed-out waiter left in the queue")
	}
}

func TestLoginGuardTiers(t *testing.T) {
	g, _ := newTestGuard(LoginLimits{IPBurst: 100, AccountBurst: 100, LockAfter: 100})
	v := g.Admit(ipA, "a")
	if v.tier != tierClean {
		t.Fatalf("first attempt tier %d, want clean", v.tier)
	}
	if v2 := g.Admit(ipA, "b"); v2.tier != tierSuspect {
		t.Fatalf("second attempt in flight from one IP: tier %d, want suspect", v2.tier)
	} else {
		g.Done(v2, false)
	}
	g.Done(v, true)
	if v := g.Admit(ipA, "c"); v.tier != tierKnown {
		t.Fatalf("after a success the IP is known: tier %d", v.tier)
	}
}

func waitQueued(t *testing.T, s *checkSlots, n int) {
	t.Helper()
	for range 1000 {
		s.mu.Lock()
		q := s.waiting
		s.mu.Unlock()
		if q == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("queue never reached %d", n)
}
