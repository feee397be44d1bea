package room

import (
	"bytes"
	"fmt"
	"github.com/pion/webrtc/v4"
	"testing"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/mixer"
	"github.com/meet-dev/meet/audio/opus"
)

// Silent operators of a conference hear the talkers through one shared
// Opus encoder: the same payload on every track, decoding to the talkers;
// the talking operator gets its own stream, without its own voice.
func TestSharedEncoding(t *testing.T) {
	m := newTestManager(t)
	ulaw, pkts := benchMedia(t)
	quiet := silentOpus(t)
	r := &Room{log: testLogger(), prompt: &prompt{}, share: newSharedSend(m.newOpusEncoder)}
	mix := mixer.NewStepped(r.mixerOptions()...)
	var feeders []*g711Caller
	var sinks []*trackSink
	for i := range 4 {
		s := benchStaff(t, m, int64(i+1))
		s.share = r.share
		sink := &trackSink{}
		if _, err := s.cur.track.(*webrtc.TrackLocalStaticSample).Bind(sink); err != nil {
			t.Fatal(err)
		}
		f := &g711Caller{ulaw: ulaw, opus: quiet, staff: s}
		if i == 0 {
			f.opus = pkts // operator 0 talks (staffTone)
		}
		feeders = append(feeders, f)
		sinks = append(sinks, sink)
		mix.Add(fmt.Sprint("staff", i), mixer.RoleTalk, s, s)
	}
	cl := newCallerLeg(&g711Caller{ulaw: ulaw}) // the caller talks (callerTone)
	mix.Add("caller", mixer.RoleCaller, cl, cl)
	const ticks = 60
	for range ticks {
		var d [CallerFrame]int16
		for _, f := range feeders {
			f.ReadFrame(d[:])
		}
		mix.Step()
	}
	for i, s := range sinks {
		if len(s.payloads) != ticks {
			t.Fatalf("operator %d got %d payloads", i, len(s.payloads))
		}
	}
	// After the gate's hangover the silent ones share every payload.
	for k := gateHangover + 5; k < ticks; k++ {
		for i := 2; i < 4; i++ {
			if !bytes.Equal(sinks[1].payloads[k], sinks[i].payloads[k]) {
				t.Fatalf("tick %d: operators 1 and %d got different payloads", k, i)
			}
		}
		if bytes.Equal(sinks[0].payloads[k], sinks[1].payloads[k]) {
			t.Fatalf("tick %d: the talking operator got the shared payload", k)
		}
	}
	hear := func(i int) audio.PCM16 {
		d, err := opus.NewDecoder(48000, 1)
		if err != nil {
			t.Fatal(err)
		}
		var pcm audio.PCM16
		for _, p := range sinks[i].payloads[ticks-25:] {
			f, err := d.Decode(p)
			if err != nil {
				t.Fatal(err)
			}
			pcm = append(pcm, f...)
		}
		return pcm
	}
	silent, talker := hear(2), hear(0)
	audiotest.RequireTone(t, silent, 48000, callerTone)
	audiotest.RequireTone(t, silent, 48000, staffTone)
	audiotest.RequireTone(t, talker, 48000, callerTone)
	audiotest.RequireNoTone(t, talker, 48000, staffTone)
}
