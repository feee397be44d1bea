package softphone

import (
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

// TestNextCallStartsWithoutTheLastOnesEnd: the operator talks (a tone),
// the call ends in mid-word, and the next call is joined straight away (a
// supervisor joining to listen, or an operator switching calls: no ring
// runs the chain in between) while the microphone is quiet. What the
// suppressor, the encoder's look-ahead and the half-built packet still
// held of the last call must not open the next one: meetd hears silence
// from the join on.
func TestNextCallStartsWithoutTheLastOnesEnd(t *testing.T) {
	for _, c := range []struct {
		name string
		srv  func(*testServer)
	}{{"opus", func(*testServer) {}}, {"pcmu", func(s *testServer) { s.pcmuOnly = true }}} {
		t.Run(c.name, func(t *testing.T) {
			// The microphone: 1 s of tone, then 1 s of silence, looped.
			const rate = 48000
			mic := audiotest.Tone(rate, micHz, 0.5, 2*rate)
			clear(mic[rate:])
			path := writeWAVFile(t, rate, mic)
			loud := make(chan bool, 512) // per mic frame: does it carry the tone?
			tap := func(_ time.Time, fr audio.PCM16) {
				select {
				case loud <- audioRMS(fr) > -20:
				default:
				}
			}
			srv := newTestServer(t, serverHz)
			c.srv(srv)
			p := startPhone(t, srv, WithInputWAV(path), WithMicTap(tap))
			defer p.Close()
			// waitFor returns after n mic frames in a row are (not) loud.
			waitFor := func(want bool, n int) {
				t.Helper()
				deadline := time.After(5 * time.Second)
				for run := 0; run < n; {
					select {
					case l := <-loud:
						if l == want {
							run++
						} else {
							run = 0
						}
					case <-deadline:
						t.Fatalf("the microphone never gave %d frames with tone=%v", n, want)
					}
				}
			}
			waitFor(true, 10) // 100 ms into the tone
			p.Joined(api.JoinResult{Call: api.Call{ID: 1}, Mode: api.ModeTalk})
			waitFor(true, 30) // the operator talks for 300 ms
			p.Left()
			waitFor(false, 20) // the mic is quiet for 200 ms
			join := time.Now()
			p.Joined(api.JoinResult{Call: api.Call{ID: 2}, Mode: api.ModeTalk})
			time.Sleep(500 * time.Millisecond)
			got := srv.between(join, join.Add(400*time.Millisecond))
			if len(got) < rate/5 {
				t.Fatalf("meetd got only %d samples of the second call", len(got))
			}
			if _, peak := audio.Level(got); peak > -50 {
				t.Fatalf("the second call opens with the first one's end: peaks at %.1f dBFS in its first 400 ms (%s)", peak, audiotest.Describe(got, rate))
			}
		})
	}
}

func audioRMS(s audio.PCM16) float64 { rms, _ := audio.Level(s); return rms }
