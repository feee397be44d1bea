package trunk

import "sync"

// ReceiveStats are the receive counters of a call's or a leg's jitter
// buffer (RTPLeg.ReceiveStats), or their sum over the callers' streams
// (Server.MediaStats).
type ReceiveStats struct {
	Played    uint64 // packets played
	Concealed uint64 // frames missing at playout (lost or late packets)
	Skipped   uint64 // packets dropped unplayed to cut delay (trimmed, drained, jumped)
	// Accelerated are packets played early to cut delay instead, their
	// audio time-compressed (audio/timescale); CutSamples what it left out.
	Accelerated, CutSamples uint64
}

// Add adds o's counts to st.
func (st *ReceiveStats) Add(o ReceiveStats) {
	st.Played += o.Played
	st.Concealed += o.Concealed
	st.Skipped += o.Skipped
	st.Accelerated += o.Accelerated
	st.CutSamples += o.CutSamples
}

// mediaTotals sums the receive counters of calls' RTP sessions that closed.
type mediaTotals struct {
	mu sync.Mutex
	st ReceiveStats
}

func (t *mediaTotals) add(st ReceiveStats) {
	t.mu.Lock()
	t.st.Add(st)
	t.mu.Unlock()
}

// MediaStats sums the receive counters of the callers' streams (every
// call's RTP session, ended or live; not the cluster's RTPLegs), for
// /metrics: counters that only grow (a session is counted once, live or
// closed).
func (s *Server) MediaStats() ReceiveStats {
	s.media.mu.Lock()
	sum := s.media.st // first: a session closing after this read is missed once, never counted twice
	s.media.mu.Unlock()
	s.mu.Lock()
	calls := make([]*call, 0, len(s.calls))
	for _, c := range s.calls {
		calls = append(calls, c)
	}
	s.mu.Unlock()
	for _, c := range calls {
		c.mu.Lock()
		m := c.media
		c.mu.Unlock()
		if m == nil {
			continue
		}
		m.mu.Lock()
		if !m.closed {
			sum.Add(m.receiveStatsLocked())
		}
		m.mu.Unlock()
	}
	return sum
}

// Sub is st less o: the counts between two reads.
func (st ReceiveStats) Sub(o ReceiveStats) ReceiveStats {
	return ReceiveStats{st.Played - o.Played, st.Concealed - o.Concealed, st.Skipped - o.Skipped,
		st.Accelerated - o.Accelerated, st.CutSamples - o.CutSamples}
}
