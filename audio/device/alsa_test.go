package device

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

// The real PortAudio path is tested headless through ALSA: ALSA_CONFIG_PATH
// points at a config written here, whose PCMs are "file" plugins over "null":
// capture reads a raw file (infile), playback writes one. ALSA reads its
// configuration when PortAudio initialises, so the checks run in a child
// process (this test binary, -test.run=TestALSAHelper) started with the
// environment already set.

const helperDirEnv = "MEET_DEVICE_HELPER_DIR"

const alsaConf = `# written by audio/device tests
pcm.nul { type null }
pcm.meet_mic {
	type file
	slave.pcm "nul"
	infile "%[1]s/in.raw"
	file "/dev/null"
	format "raw"
}
pcm.meet_speaker {
	type file
	slave.pcm "nul"
	file "%[1]s/out.raw"
	format "raw"
}
pcm.!default {
	type file
	slave.pcm "nul"
	infile "%[1]s/in.raw"
	file "%[1]s/default-out.raw"
	format "raw"
}
`

// setupALSA writes the config and a 1 s, 1 kHz, -6 dBFS mic signal into dir.
func setupALSA(t testing.TB, dir string) string {
	var raw []byte
	for _, v := range audiotest.Tone(48000, 1000, 0.5, 48000) {
		raw = binary.LittleEndian.AppendUint16(raw, uint16(v))
	}
	if err := os.WriteFile(filepath.Join(dir, "in.raw"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "asound.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(alsaConf, dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf
}

func TestPortAudioHeadless(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	if raceEnabled {
		t.Skip("the portaudio binding fails checkptr under -race (stream id passed as unsafe.Pointer)")
	}
	dir := t.TempDir()
	conf := setupALSA(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestALSAHelper", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "ALSA_CONFIG_PATH="+conf, helperDirEnv+"="+dir, "JACK_NO_START_SERVER=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, name := range []string{"List", "Capture", "Playback"} {
		if !strings.Contains(string(out), "--- PASS: TestALSAHelper"+name) {
			t.Errorf("child did not pass TestALSAHelper%s:\n%s", name, out)
		}
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "alsa_test.go") {
			t.Log(strings.TrimSpace(line))
		}
	}
}

func helperDir(t *testing.T) string {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		t.Skip("run by TestPortAudioHeadless in a child process")
	}
	return dir
}

func TestALSAHelperList(t *testing.T) {
	helperDir(t)
	devs, err := List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var def Info
	for _, d := range devs {
		names = append(names, d.Name)
		if d.Name == "default" {
			def = d
		}
	}
	for _, want := range []string{"meet_mic", "meet_speaker", "default"} {
		if !strings.Contains(strings.Join(names, "|"), want) {
			t.Fatalf("List() = %v, missing %q", names, want)
		}
	}
	if !def.DefaultInput || !def.DefaultOutput || !strings.Contains(def.String(), "[default input, default output]") {
		t.Fatalf("default device not marked: %s", def)
	}
	_, err = OpenCapture("Headset 3000", 48000, 480, audio.Discard(48000))
	if !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), `no input device named "Headset 3000"; available: `) ||
		!strings.Contains(err.Error(), `"meet_mic"`) {
		t.Fatalf("missing mic: %v", err)
	}
	_, err = OpenPlayback("Headset 3000", 48000, 480)
	if !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), `no output device named "Headset 3000"; available: `) {
		t.Fatalf("missing speaker: %v", err)
	}
	if _, err = OpenCapture("meet_", 48000, 480, audio.Discard(48000)); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Fatalf("ambiguous name: %v", err)
	}
	if paCount != 0 {
		t.Fatalf("PortAudio still initialised %d times after failed opens", paCount)
	}
}

func TestALSAHelperCapture(t *testing.T) {
	helperDir(t)
	rec := frameRecorder{audio.NewBuffer(48000), 480, make(chan int, 1)}
	c, err := OpenCapture("MIC", 48000, 480, rec) // a unique part of "meet_mic"
	if err != nil {
		t.Fatal(err)
	}
	if c.DeviceName() != "meet_mic" {
		t.Fatalf("opened %q", c.DeviceName())
	}
	waitFor(t, "half a second of capture", func() bool { return rec.Len() >= 24000 })
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-rec.bad:
		t.Fatalf("frame of %d samples, want 480", n)
	default:
	}
	s := rec.Samples()[:24000]
	if !audiotest.HasTone(s, 48000, 1000) {
		t.Fatalf("1 kHz tone not captured (dominant %.0f Hz)", audiotest.DominantFreq(s, 48000))
	}
	rms, _ := audio.Level(s[4800:])
	if rms < -9.5 || rms > -8.5 {
		t.Fatalf("captured level %.1f dBFS, want -9", rms)
	}
	t.Logf("captured %d frames, %d overruns", c.Frames(), c.Overruns())
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
}

func TestALSAHelperPlayback(t *testing.T) {
	dir := helperDir(t)
	p, err := OpenPlayback("meet_speaker", 48000, 480, WithBufferFrames(20))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WriteSample(audiotest.Tone(48000, 700, 0.5, 9600)); err != nil { // 200 ms
		t.Fatal(err)
	}
	waitFor(t, "the tone to be played", func() bool { return p.Buffered() == 0 })
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "out.raw"))
	if err != nil {
		t.Fatal(err)
	}
	out := make(audio.PCM16, len(raw)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	start := 0
	for start < len(out) && out[start] == 0 {
		start++
	}
	if start+9600 > len(out) {
		t.Fatalf("tone not in the %d samples played", len(out))
	}
	tone := out[start : start+9600]
	if !audiotest.HasTone(tone, 48000, 700) || !audiotest.IsSilent(out[start+9600:], -100) {
		t.Fatalf("played audio is not the 200 ms tone (dominant %.0f Hz)", audiotest.DominantFreq(tone, 48000))
	}
	t.Logf("played %d frames, %d underruns, %d overruns", p.Frames(), p.Underruns(), p.Overruns())
}

// BenchmarkCaptureALSA measures the real capture path (PortAudio blocking
// read through ALSA, mixdown, metering) per 10 ms frame. The null device does
// not pace reads, so this is CPU per frame, not wall time.
func BenchmarkCaptureALSA(b *testing.B) {
	benchOnce.Do(func() {
		if paEverInitialized {
			return
		}
		dir, err := os.MkdirTemp("", "meet-alsa-bench")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		os.Setenv("ALSA_CONFIG_PATH", setupALSA(b, dir))
		os.Setenv("JACK_NO_START_SERVER", "1")
	})
	if benchDir == "" {
		b.Skip("PortAudio was initialised before the test ALSA config could be set; run with -run '^$'")
	}
	got := make(chan struct{}, 1)
	frames := 0
	target := b.N
	meter := audio.NewMeter(audio.NewFunc("count", 48000, func(audio.PCM16) error {
		frames++
		if frames == target {
			got <- struct{}{}
		}
		return nil
	}))
	b.ResetTimer()
	c, err := OpenCapture("meet_mic", 48000, 480, meter)
	if err != nil {
		b.Fatal(err)
	}
	<-got
	b.StopTimer()
	c.Close()
}

var (
	benchOnce sync.Once
	benchDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}
