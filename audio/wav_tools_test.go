package audio_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

// needTool skips (or, under CI, fails) when an external tool is missing.
func needTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required (apt-get install %s): %v", name, name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return path
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// TestReadWAVFromSox reads files sox writes in every form we support: a
// 440 Hz tone at -6 dBFS must come out at the same frequency and level.
func TestReadWAVFromSox(t *testing.T) {
	needTool(t, "sox")
	dir := t.TempDir()
	cases := []struct {
		name     string
		rate, ch int
		args     []string
	}{
		{"u8", 8000, 1, []string{"-b", "8", "-e", "unsigned-integer"}},
		{"s16 8k", 8000, 1, []string{"-b", "16"}},
		{"s16 stereo 44.1k", 44100, 2, []string{"-b", "16"}},
		{"s24 stereo (extensible)", 48000, 2, []string{"-b", "24"}},
		{"s32 16k", 16000, 1, []string{"-b", "32"}},
		{"f32 22.05k", 22050, 1, []string{"-b", "32", "-e", "floating-point"}},
		{"f64 stereo", 48000, 2, []string{"-b", "64", "-e", "floating-point"}},
		{"s16 5.1 (extensible)", 48000, 6, []string{"-b", "16"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, string(rune('a'+i))+"-приветствие.wav") // non-ASCII names
			args := append([]string{"-n", "-r", itoa(c.rate), "-c", itoa(c.ch)}, c.args...)
			run(t, "sox", append(args, path, "synth", "0.5", "sine", "440", "vol", "0.5")...)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			w, err := audio.ReadWAV(f)
			if err != nil {
				t.Fatal(err)
			}
			if w.Rate != c.rate || w.Channels != c.ch || len(w.Samples) != c.rate/2 {
				t.Fatalf("rate %d ch %d n %d", w.Rate, w.Channels, len(w.Samples))
			}
			checkTone(t, w, 440, -9.03)
		})
	}
	t.Run("pipe (size unknown)", func(t *testing.T) {
		out := run(t, "sox", "-n", "-r", "8000", "-c", "1", "-t", "wav", "-", "synth", "0.5", "sine", "440", "vol", "0.5")
		w, err := audio.ReadWAV(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		checkTone(t, w, 440, -9.03)
	})
	for _, enc := range []string{"mu-law", "a-law"} { // G.711 guidance, as phone systems record it
		t.Run(enc, func(t *testing.T) {
			path := filepath.Join(dir, enc+"-ガイダンス.wav")
			run(t, "sox", "-n", "-r", "8000", "-c", "1", "-e", enc, path, "synth", "0.5", "sine", "440", "vol", "0.5")
			raw, _ := os.ReadFile(path)
			w, err := audio.ReadWAV(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			checkTone(t, w, 440, -9.03)
		})
	}
	for _, enc := range []struct{ sox, want string }{
		{"ima-adpcm", "IMA ADPCM WAV (format 17) is not supported"},
		{"ms-adpcm", "Microsoft ADPCM WAV (format 2) is not supported"},
		{"gsm-full-rate", "GSM 6.10 WAV (format 49) is not supported"},
	} {
		t.Run(enc.sox, func(t *testing.T) {
			path := filepath.Join(dir, enc.sox+".wav")
			run(t, "sox", "-n", "-r", "8000", "-c", "1", "-e", enc.sox, path, "synth", "0.5", "sine", "440")
			raw, _ := os.ReadFile(path)
			_, err := audio.ReadWAV(bytes.NewReader(raw))
			if !errors.Is(err, audio.ErrUnsupported) || !strings.Contains(err.Error(), enc.want) {
				t.Fatalf("got %v, want %q", err, enc.want)
			}
		})
	}
}

func checkTone(t *testing.T, w *audio.WAV, freq, dbfs float64) {
	t.Helper()
	s := w.Samples[len(w.Samples)/10:]
	if got := audiotest.DominantFreq(s, w.Rate); math.Abs(got-freq) > 2 {
		t.Fatalf("dominant %.1f Hz, want %v", got, freq)
	}
	tol := 0.1
	if w.Bits == 8 {
		tol = 0.5
	}
	if rms, _ := audio.Level(s); math.Abs(rms-dbfs) > tol {
		t.Fatalf("level %.2f dBFS, want %.2f", rms, dbfs)
	}
}

// TestEspeakToTelephone converts espeak-ng speech (22.05 kHz) to the 8 kHz
// the trunk needs and back to 48 kHz, as guidance upload does: the duration
// stays the same (no chipmunks) and the speech energy stays in the voice band.
func TestEspeakToTelephone(t *testing.T) {
	needTool(t, "espeak-ng")
	out := run(t, "espeak-ng", "--stdout", "-v", "en", "Thank you for calling. All operators are busy, please hold.")
	w, err := audio.ReadWAV(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if w.Rate != 22050 || w.Duration().Seconds() < 2 {
		t.Fatalf("espeak: %d Hz, %v", w.Rate, w.Duration())
	}
	tel := audio.Resample(w.Samples, w.Rate, 8000)
	if got, want := float64(len(tel))/8000, w.Duration().Seconds(); math.Abs(got-want) > 0.001 {
		t.Fatalf("8 kHz version lasts %.3f s, original %.3f s", got, want)
	}
	rmsIn, _ := audio.Level(w.Samples)
	rmsTel, _ := audio.Level(tel)
	if rmsIn-rmsTel > 3 {
		t.Fatalf("speech lost %.1f dB going to 8 kHz", rmsIn-rmsTel)
	}
	var buf bytes.Buffer
	if err := audio.WriteWAV(&buf, 8000, tel); err != nil {
		t.Fatal(err)
	}
	file := bytes.Clone(buf.Bytes())
	back, err := audio.ReadWAV(&buf)
	if err != nil || back.Rate != 8000 || len(back.Samples) != len(tel) {
		t.Fatalf("re-read: %v", err)
	}
	// sox agrees on the duration of what we wrote.
	needTool(t, "sox")
	path := filepath.Join(t.TempDir(), "tel.wav")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	soxi := strings.TrimSpace(string(run(t, "sox", "--i", "-s", path)))
	if soxi != itoa(len(tel)) {
		t.Fatalf("sox counts %s samples, we wrote %d", soxi, len(tel))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
