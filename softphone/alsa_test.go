package softphone

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/device"
)

// The real PortAudio path runs headless through ALSA: ALSA_CONFIG_PATH points
// at a config whose default PCM is a "file" plugin over "null" (capture reads
// in.raw, playback writes out.raw). ALSA reads it when PortAudio initialises,
// so the phone runs in a child process (this test binary, -test.run=
// TestPhoneALSAHelper) started with the environment already set.

const phoneHelperEnv = "MEET_SOFTPHONE_ALSA_DIR"

const phoneALSAConf = `# written by softphone tests
pcm.nul { type null }
pcm.!default {
	type file
	slave.pcm "nul"
	infile "%[1]s/in.raw"
	file "%[1]s/out.raw"
	format "raw"
}
`

func TestPhoneWithPortAudioHeadless(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	if raceEnabled {
		t.Skip("portaudio.OpenStream fails checkptr under -race; this test runs in the normal build")
	}
	dir := t.TempDir()
	var raw []byte
	// 30 s of the mic tone at -8 dBFS. The null PCM has no clock, so ALSA
	// delivers the file far faster than real time.
	for _, v := range audiotest.Tone(48000, micHz, 0.4, 30*48000) {
		raw = binary.LittleEndian.AppendUint16(raw, uint16(v))
	}
	if err := os.WriteFile(filepath.Join(dir, "in.raw"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "asound.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(phoneALSAConf, dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestPhoneALSAHelper$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "ALSA_CONFIG_PATH="+conf, phoneHelperEnv+"="+dir, "JACK_NO_START_SERVER=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestPhoneALSAHelper") {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "alsa_test.go") {
			t.Log(strings.TrimSpace(line))
		}
	}
}

// TestPhoneALSAHelper runs in the child: the phone with the default PortAudio
// devices against a test server, the tone both ways, and a missing device.
func TestPhoneALSAHelper(t *testing.T) {
	dir := os.Getenv(phoneHelperEnv)
	if dir == "" {
		t.Skip("run by TestPhoneWithPortAudioHeadless in a child process")
	}
	srv := newTestServer(t, serverHz)

	// A device that does not exist: Start fails naming it, nothing leaks.
	p, err := New(srv, WithLoopbackICE(), WithInputDevice("Headset 3000"), WithOutputDevice(""))
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start(context.Background())
	if !errors.Is(err, device.ErrNoDevice) || !strings.Contains(err.Error(), `"Headset 3000"`) {
		t.Fatalf("Start with a missing microphone = %v, want ErrNoDevice naming it", err)
	}
	p.Close()
	t.Logf("missing device: %v", err)

	// Noise suppression learns a steady tone as noise within a second or two
	// and fades it; the device path is what is under test here, so it stays
	// in the chain but bypassed.
	// The ALSA file PCM delivers its tone in one burst as soon as capture
	// opens; a connected phone with no call only meters the microphone, so
	// the phone starts out ringing (as when a call is offered) and the whole
	// send chain runs from the first frame.
	p, err = New(srv, WithLoopbackICE(), WithInputDevice(""), WithOutputDevice(""), WithDenoise(false))
	if err != nil {
		t.Fatal(err)
	}
	p.Ring(true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Start(ctx); err != nil {
		p.Close()
		t.Fatal(err)
	}
	if got, want := p.src.String()+" -> "+p.send.String(), "Device(48000) -> Denoise -> Meter -> Mute -> Opus(encode) -> Track"; got != want {
		t.Errorf("send pipeline\n got %s\nwant %s", got, want)
	}
	if got, want := p.recv.String(), "Track -> Jitter -> Opus(decode) -> Meter -> Ring -> Device(48000)"; got != want {
		t.Errorf("receive pipeline\n got %s\nwant %s", got, want)
	}
	p.Joined(api.JoinResult{Call: api.Call{ID: 1}})
	p.Ring(false)
	time.Sleep(1500 * time.Millisecond)
	// The file is captured in a burst, so look for the tone anywhere.
	got := srv.between(time.Time{}, time.Now())
	if !hasToneSomewhere(got, micHz) {
		t.Errorf("server did not hear the microphone device's tone (%d samples, dominant %.0f Hz)", len(got), audiotest.DominantFreq(got, 48000))
	}
	st := p.Snapshot()
	t.Logf("snapshot: rtt=%v jitter=%v depth=%v wait=%v mic=%.1f dBFS speaker=%.1f dBFS", st.RTT, st.Jitter, st.BufferDepth, st.BufferWait, st.MicDBFS, st.SpeakerDBFS)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	rawOut, err := os.ReadFile(filepath.Join(dir, "out.raw"))
	if err != nil {
		t.Fatal(err)
	}
	out := make(audio.PCM16, len(rawOut)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(rawOut[2*i:]))
	}
	// The null PCM plays faster than real time, so the file is mostly the
	// silence of underruns: keep what was actually played.
	var played audio.PCM16
	for _, v := range out {
		if v != 0 {
			played = append(played, v)
		}
	}
	if len(played) < 24000 || !hasToneSomewhere(played, serverHz) {
		t.Errorf("speaker device did not play the server's tone (%d samples played, dominant %.0f Hz)", len(played), audiotest.DominantFreq(played, 48000))
	}
}

// hasToneSomewhere reports whether some 50 ms window of s carries the tone.
// The file PCM captures in a burst faster than real time, so what reaches
// the server can be chopped by the receiver's jitter buffer; a clean 50 ms
// stretch of the tone is proof enough that the device path carried it.
func hasToneSomewhere(s audio.PCM16, hz float64) bool {
	const w = 2400
	for i := 0; i+w <= len(s); i += w / 2 {
		if audiotest.HasTone(s[i:i+w], 48000, hz) {
			return true
		}
	}
	return false
}
