package softphone

import (
	"errors"
	"strings"
	"testing"

	"github.com/meet-dev/meet/audio"
)

func TestStateAndEventNames(t *testing.T) {
	for s := StateIdle; s <= StateClosed; s++ {
		got, err := ParseState(s.String())
		if err != nil || got != s {
			t.Errorf("ParseState(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := ParseState("unknown"); err == nil {
		t.Error("ParseState accepted unknown")
	}
	if StateUnknown.String() != "unknown" || State(99).String() != "State(99)" {
		t.Error("state names")
	}
	for e := EventState; e <= EventNegotiate; e++ {
		got, err := ParseEventType(e.String())
		if err != nil || got != e {
			t.Errorf("ParseEventType(%q) = %v, %v", e.String(), got, err)
		}
	}
	for _, c := range []struct {
		in   string
		want Codec
	}{{"opus", CodecOpus}, {"OPUS", CodecOpus}, {"PCMU", CodecPCMU}} {
		if got, err := ParseCodec(c.in); err != nil || got != c.want {
			t.Errorf("ParseCodec(%q) = %v, %v", c.in, got, err)
		}
	}
	if _, err := ParseCodec("G722"); err == nil {
		t.Error("ParseCodec accepted G722")
	}
}

func TestAnswerCodec(t *testing.T) {
	const head = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	for _, c := range []struct {
		name, sdp string
		want      Codec
		err       string
	}{
		{"opus first", head + "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n", CodecOpus, ""},
		{"pcmu only", head + "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\n", CodecPCMU, ""},
		{"static pcmu without rtpmap", head + "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n", CodecPCMU, ""},
		{"unknown first", head + "m=audio 9 UDP/TLS/RTP/SAVPF 9 0\r\na=rtpmap:9 G722/8000\r\n", CodecPCMU, ""},
		{"rejected", head + "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n", 0, "rejected"},
		{"no common codec", head + "m=audio 9 UDP/TLS/RTP/SAVPF 9\r\na=rtpmap:9 G722/8000\r\n", 0, "no codec in common"},
		{"garbage", "hello", 0, "parse answer"},
	} {
		got, err := answerCodec(c.sdp)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

// flakyWriter fails while broken is set, like an unplugged speaker.
type flakyWriter struct{ broken bool }

func (f *flakyWriter) WriteSample(audio.PCM16) error {
	if f.broken {
		return errors.New("device unplugged")
	}
	return nil
}
func (f *flakyWriter) SampleRate() int { return 48000 }
func (f *flakyWriter) String() string  { return "Flaky(48000)" }
func (f *flakyWriter) Close() error    { return nil }

// A failing speaker is reported once per failure streak, and its recovery
// too; the phone keeps writing.
func TestDeviceFailureIsReportedOnce(t *testing.T) {
	srv := newTestServer(t, serverHz)
	p, err := New(srv)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	fw := &flakyWriter{}
	g := &guardedSink{dst: fw, p: p}
	frame := make(audio.PCM16, 960)
	g.WriteSample(frame)
	fw.broken = true
	for i := 0; i < 5; i++ {
		g.WriteSample(frame)
	}
	fw.broken = false
	g.WriteSample(frame)
	var got []string
	for len(p.Events()) > 0 {
		e := <-p.Events()
		got = append(got, e.Type.String()+": "+e.String())
	}
	if len(got) != 2 || !strings.Contains(got[0], "device unplugged") || !strings.Contains(got[1], "works again") {
		t.Fatalf("events %q, want one error then one recovery", got)
	}
}
