package mixer

import "testing"

// sharedRec is a SharedSink that records how it was written.
type sharedRec struct {
	recorder
	keys []SharedKey
}

func (s *sharedRec) WriteShared(src []int16, k SharedKey) error {
	s.keys = append(s.keys, k)
	return s.WriteFrame(src)
}

// Legs that put nothing into the mix and hear the same audience get one
// shared frame; a talking leg and a lone one get their own.
func TestSharedFrames(t *testing.T) {
	m := newMixer(WithSilenceGate(100, 2))
	talker := &sharedRec{}
	m.Add("talker", RoleTalk, &toneSource{freq: 1000, amp: 3000}, talker)
	quiet := &toneSource{freq: 500, amp: 50} // below the gate
	q := &sharedRec{}
	m.Add("quiet", RoleTalk, quiet, q)
	lis := &sharedRec{}
	m.Add("listener", RoleListen, nil, lis)
	plain := &recorder{}
	m.Add("plain", RoleListen, nil, plain) // not a SharedSink
	caller := &sharedRec{}
	m.Add("caller", RoleCaller, nil, caller) // alone in its audience once a prompt plays
	prompt := &toneSource{freq: 700, amp: 3000, silent: true}
	m.Add("guidance", RolePrompt, prompt, nil)

	for range 2 { // the quiet leg's hangover: still in the mix
		m.mixOnce()
	}
	if len(q.keys) != 0 || len(lis.keys) != 2 {
		t.Fatalf("during hangover: quiet shared %d, listener %d", len(q.keys), len(lis.keys))
	}
	if a := amplitude(talker.last, 500); a < 40 {
		t.Fatalf("talker does not hear the quiet leg during its hangover: %.0f", a)
	}
	m.mixOnce()
	if len(q.keys) != 1 || len(talker.keys) != 0 {
		t.Fatalf("quiet shared %d, talker shared %d", len(q.keys), len(talker.keys))
	}
	k := q.keys[0]
	if k != lis.keys[len(lis.keys)-1] || k.Legs != 3 || k.Audience != 0 || k.Tick != 3 {
		t.Fatalf("keys %+v / %+v", k, lis.keys[len(lis.keys)-1])
	}
	if a := amplitude(talker.last, 500); a > 5 {
		t.Fatalf("the gated leg is still heard: %.0f", a)
	}
	if a := amplitude(q.last, 1000); a < 2900 {
		t.Fatalf("a gated leg does not hear the talker: %.0f", a)
	}
	if plain.frames != 3 || amplitude(plain.last, 1000) < 2900 {
		t.Fatal("a plain sink among shared ones")
	}
	// A prompt: the caller's frame differs from the others'.
	prompt.silent = false
	m.mixOnce()
	if n := len(caller.keys); caller.keys[n-1].Audience != 0 || caller.keys[n-1].Tick != 3 {
		t.Fatalf("caller keys %+v", caller.keys)
	}
	if amplitude(caller.last, 700) < 2900 || q.keys[len(q.keys)-1].Legs != 2 {
		t.Fatalf("with a prompt: caller hears %.0f, shared by %d", amplitude(caller.last, 700), q.keys[len(q.keys)-1].Legs)
	}
}
