package room

import (
	"fmt"
	"sort"

	"github.com/meet-dev/meet/api"
)

// Pipelines describes every direction of the call's room as it runs now,
// one line each, from the stages themselves (logs, tests, support):
//
//	caller receive: Trunk(8000) -> Resample(8000->48000) -> Mixer(48000)
//	caller send: Mixer(48000) -> Resample(48000->8000) -> Trunk(8000)
//	staff:7 talk receive: Track -> Jitter -> Opus(48000, decode) -> Mixer(48000)
//	staff:7 talk send: Mixer(48000) -> Opus(48000, encode) -> Track
//	guidance: Guidance(48000) -> Mixer(48000) (the caller only)
//	recorder: Mixer(48000) -> Resample(48000->8000) -> WAV(8000)
//	fast path: two-party …
//
// A listening leg's receive is dropped, a whisper reaches the talk legs
// only; the last lines name the fast path the room takes while guidance is
// silent (one-party: the caller alone; two-party: the caller and one
// operator who hears nobody else), or none.
func (m *Manager) Pipelines(callID int64) ([]string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[callID]
	if r == nil {
		return nil, false
	}
	var out []string
	if r.caller != nil {
		out = append(out, "caller receive: "+r.caller.receive(), "caller send: "+r.caller.send())
	}
	ids := make([]int64, 0, len(r.staff))
	for id := range r.staff {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var talkers []*staffLeg
	for _, id := range ids {
		s := r.staff[id]
		recv, send := s.pipelines()
		name := fmt.Sprintf("staff:%d %s", id, s.mode)
		out = append(out, name+" receive: "+recv, name+" send: "+send)
		if s.mode == api.ModeTalk || s.mode == api.ModeBarge {
			talkers = append(talkers, s)
		}
	}
	for _, id := range sortedKeys(r.bridges) {
		b := r.bridges[id]
		name := fmt.Sprintf("bridge:%d %s", id, b.mode)
		out = append(out, name+" receive: "+b.io.receive(), name+" send: "+b.io.send())
	}
	for _, id := range sortedKeys(r.trunks) {
		c, _ := r.trunks[id].Source().(*callerLeg)
		if c == nil {
			continue
		}
		name := fmt.Sprintf("trunk:%d", id)
		out = append(out, name+" receive: "+c.receive(), name+" send: "+c.send())
	}
	out = append(out, "guidance: "+r.prompt.String()+" -> "+(*mixerFrame)(nil).String()+" (the caller only)")
	if r.rec != nil && r.recLeg != nil {
		out = append(out, "recorder: "+r.rec.String())
	}
	parties := len(r.staff) + len(r.bridges) + len(r.trunks)
	if r.rec != nil && r.recLeg != nil {
		parties++
	}
	switch {
	case r.caller != nil && parties == 0:
		from, to := r.caller.soloPipelines()
		out = append(out, "fast path: one-party: caller: "+from+"; guidance: "+to)
	case r.caller != nil && parties == 1 && len(talkers) == 1 && talkers[0].narrow.Load():
		s := talkers[0]
		s.mu.Lock()
		p := s.cur
		var to, back string
		ok := false
		if p != nil {
			to, back, ok = r.caller.pair.pipelines(r.caller, s, p)
		}
		s.mu.Unlock()
		if ok {
			out = append(out, "fast path: two-party: to the operator: "+to+"; to the caller: "+back)
			break
		}
		out = append(out, "fast path: none")
	default:
		out = append(out, "fast path: none")
	}
	return out, true
}

func sortedKeys[V any](m map[int64]V) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// pipelines names a staff leg's two directions in its mode.
func (s *staffLeg) pipelines() (receive, send string) {
	s.mu.Lock()
	p := s.cur
	var recv string
	if p != nil {
		recv, send = p.pipelines(s.narrow.Load())
	}
	s.mu.Unlock()
	if p == nil {
		return "no peer", "no peer"
	}
	switch s.mode {
	case api.ModeListen:
		recv = "Track -> Drop (listening)"
	case api.ModeWhisper:
		recv += " (the talk legs only)"
	}
	return recv, send
}
