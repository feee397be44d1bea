package room

import (
	"testing"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/mixer"
)

// soloTrunk is a caller saying a tone and keeping what it hears.
type soloTrunk struct {
	n   int
	rec audio.PCM16
}

func (c *soloTrunk) ReadFrame(dst []int16) bool {
	copy(dst, audiotest.ToneAt(CallerRate, callerTone, toneAmp, c.n, len(dst)))
	c.n += len(dst)
	return true
}

func (c *soloTrunk) WriteFrame(src []int16) error {
	c.rec = append(c.rec, src...)
	return nil
}

// soloRun runs 60 ticks of a caller hearing guidance (a tone that ends at
// tick 45); from tick 20 to 30 a listener is in the room. With solo the
// one-party fast path is on.
func soloRun(t *testing.T, solo, loop bool, clipLen int) (toCaller, toListener audio.PCM16, solos uint64) {
	t.Helper()
	r := &Room{prompt: &prompt{}}
	opts := []mixer.Option{mixer.WithLogger(testLogger())}
	if solo {
		opts = append(opts, mixer.WithSolo(r.solo))
	}
	mix := mixer.NewStepped(opts...)
	mix.Add("guidance", mixer.RolePrompt, r.prompt, nil)
	trunk := &soloTrunk{}
	cl := newCallerLeg(trunk)
	mix.Add("caller", mixer.RoleCaller, cl, cl)
	r.prompt.play(newClip(audiotest.Tone(mixer.Rate, 700, 0.3, clipLen)), loop, nil)
	lis := &listenerRec{}
	var leg *mixer.Leg
	for tick := range 60 {
		switch tick {
		case 20:
			leg = mix.Add("listener", mixer.RoleListen, nil, lis)
		case 30:
			mix.Remove(leg)
		}
		mix.Step()
	}
	return trunk.rec, lis.rec, mix.Stats().Solo
}

// The one-party fast path gives the caller, and a listener who joins
// mid-guidance, exactly what the full mix gives them.
func TestSoloFastPathIsExact(t *testing.T) {
	// 44.5 ticks of 700 Hz (not a whole frame, not a multiple of 6 samples).
	caller, listener := soloCompare(t, false, 44*960+481)
	audiotest.RequireTone(t, caller[10*CallerFrame:20*CallerFrame], CallerRate, 700)
	audiotest.RequireTone(t, listener, mixer.Rate, callerTone)
	audiotest.RequireSilence(t, caller[46*CallerFrame:], CallerRate, -60)
	for _, n := range []int{7*960 + 481, 5 * 960, 3*960 + 6} { // looping
		caller, _ = soloCompare(t, true, n)
		audiotest.RequireTone(t, caller[46*CallerFrame:], CallerRate, 700)
	}
}

func soloCompare(t *testing.T, loop bool, clipLen int) (caller, listener audio.PCM16) {
	t.Helper()
	fullCaller, fullListener, n := soloRun(t, false, loop, clipLen)
	if n != 0 {
		t.Fatal("solo ticks without a SoloFunc")
	}
	caller, listener, solos := soloRun(t, true, loop, clipLen)
	if solos != 50 {
		t.Errorf("solo ticks = %d, want 50 (60 but the listener's 10)", solos)
	}
	if len(caller) != len(fullCaller) || len(listener) != len(fullListener) {
		t.Fatalf("lengths %d/%d, %d/%d", len(caller), len(fullCaller), len(listener), len(fullListener))
	}
	for i := range caller {
		if caller[i] != fullCaller[i] {
			t.Fatalf("loop %v, clip %d: caller hears %d at sample %d (tick %d), full mix %d", loop, clipLen, caller[i], i, i/CallerFrame, fullCaller[i])
		}
	}
	for i := range listener {
		if listener[i] != fullListener[i] {
			t.Fatalf("listener hears %d at sample %d, full mix %d", listener[i], i, fullListener[i])
		}
	}
	return caller, listener
}

func TestSoloPipelines(t *testing.T) {
	from, to := newCallerLeg(newFakeCaller(440)).soloPipelines()
	if from != "Trunk(8000) -> Drain" || to != "Guidance(8000) -> Trunk(8000)" {
		t.Errorf("%s | %s", from, to)
	}
}
