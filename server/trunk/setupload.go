package trunk

import "time"

// setupLoad decides whether a new INVITE is set up or shed, from how long
// the set-ups before it took (from admission to the call being registered:
// the store, routing, a CPU-starved process). A count of INVITEs in flight
// alone lets a starved server admit calls it cannot answer in time; they
// then end without a final response. Shedding on the set-up time answers
// 503 + Retry-After while the caller's side can still retry elsewhere.
//
// It is pure (the caller passes the time) and not safe for concurrent use:
// the trunk calls it under its lock.
type setupLoad struct {
	limit   time.Duration // smoothed set-up time above which INVITEs are shed (0: never)
	minBusy int           // with fewer set-ups in flight every INVITE is admitted, so the estimate recovers

	avg       time.Duration // exponentially weighted mean of finished set-ups
	lastDone  time.Time     // last set-up finished
	busySince time.Time     // in-flight count last rose from zero
}

// setupWeight is the weight of one finished set-up in the mean (1/16: a
// few dozen calls of history, tens of milliseconds at full load).
const setupWeight = 16

// defaultMinBusy is setupLoad.minBusy unless a test sets it.
const defaultMinBusy = 16

// overloaded reports whether an INVITE arriving at now, with inflight
// set-ups under way, should be shed: the recent set-ups were slower than
// the limit on average, or none finished within the limit although many are
// under way (a stalled store).
func (l *setupLoad) overloaded(inflight int, now time.Time) bool {
	if l.limit <= 0 || inflight < l.minBusy {
		return false
	}
	if l.avg > l.limit {
		return true
	}
	since := l.lastDone
	if l.busySince.After(since) {
		since = l.busySince
	}
	return !since.IsZero() && now.Sub(since) > l.limit
}

// started notes an admitted set-up; inflight is the count before it.
func (l *setupLoad) started(inflight int, now time.Time) {
	if inflight == 0 {
		l.busySince = now
	}
}

// done notes a set-up admitted at start that finished at now.
func (l *setupLoad) done(start, now time.Time) {
	d := max(now.Sub(start), 0)
	if l.lastDone.IsZero() {
		l.avg = d
	} else {
		l.avg += (d - l.avg) / setupWeight
	}
	l.lastDone = now
}
