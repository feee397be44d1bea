package softphone

import (
	"context"
	"time"
)

// maxLateWait is how long a playout tick waits for a packet that is due but
// has not arrived before it conceals the frame instead.
const maxLateWait = frameDuration / 2

// playout writes one frame to the speaker every 20 ms until ctx is done.
//
// It keeps to the wall clock: frames missed while the process was starved
// are played late (up to 200 ms worth) rather than lost, so a recording
// keeps its real length; a sound card has played silence meanwhile, so for
// one those frames are skipped instead (as for any sink after 200 ms).
//
// The clock follows the packets, so that they wait a few ms for their slot
// rather than up to a whole frame: when a stream starts (the jitter buffer
// is ready) it is set to that packet's arrival plus a small margin; when a
// packet is due but late, the tick waits for it (up to maxLateWait) and
// plays it on arrival, keeping the clock; only a packet later than that is
// concealed (which puts the stream a frame later, see jitterBuffer). When
// packets have waited longer than the margin for a second, the clock moves
// earlier by the excess.
func (r *receiver) playout(ctx context.Context) {
	next := time.Now().Add(frameDuration)
	var late time.Time // waiting for a late packet until then; zero when not
	t := time.NewTimer(frameDuration)
	defer t.Stop()
	for {
		kicked := false
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.kick:
			kicked = true
		}
		now := time.Now()
		switch {
		case kicked && late.IsZero():
			if m, ok := r.startMargin(); ok {
				next = now.Add(m)
			}
		case kicked:
			if !r.lateArrived() {
				continue // the timer still runs until late
			}
			late = time.Time{}
			next = next.Add(frameDuration - r.playOnce(now))
		case !late.IsZero(): // waited long enough: conceal
			r.stopWaiting()
			late = time.Time{}
			next = next.Add(frameDuration - r.playOnce(now))
		default:
			if behind := now.Sub(next); behind > 10*frameDuration || (r.paced != nil && behind >= frameDuration) {
				// Starved: skip the frames whose time has passed, keeping
				// the clock's phase, instead of bursting.
				n := behind / frameDuration
				r.skipDue(int(n))
				next = next.Add(n * frameDuration)
			}
			for !next.After(now) {
				if next.Add(frameDuration).After(now) && r.awaitLate() {
					late = now.Add(maxLateWait)
					break
				}
				next = next.Add(frameDuration - r.playOnce(now))
			}
		}
		if late.IsZero() {
			t.Reset(next.Sub(now))
		} else {
			t.Reset(late.Sub(now))
		}
	}
}

func (r *receiver) skipDue(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.jb != nil {
		r.jb.skip(n)
	}
}

// startMargin reports whether a stream is ready to start and how long after
// now its first frame should play.
func (r *receiver) startMargin() (time.Duration, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.jb == nil || !r.jb.ready() {
		return 0, false
	}
	return r.jb.margin(), true
}

// awaitLate reports whether the frame due now has not arrived while the
// stream is playing; if so, readTrack kicks the playout when a packet comes.
func (r *receiver) awaitLate() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.awaiting = r.jb != nil && r.jb.waiting()
	return r.awaiting
}

// lateArrived reports whether the awaited packet came (and stops waiting).
func (r *receiver) lateArrived() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.jb == nil || !r.jb.waiting() {
		r.awaiting = false
		return true
	}
	return false
}

func (r *receiver) stopWaiting() {
	r.mu.Lock()
	r.awaiting = false
	r.mu.Unlock()
}
