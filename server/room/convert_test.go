package room

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/server/store"
)

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required (apt-get install %s): %v", name, name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// soxTone writes a WAV file of a sine made by sox in the given form.
func soxTone(t *testing.T, dir, name string, args []string, seconds, freq float64) string {
	t.Helper()
	sox := needTool(t, "sox")
	out := filepath.Join(dir, name)
	cmd := append([]string{"-n"}, args...)
	cmd = append(cmd, out, "synth", fmt.Sprint(seconds), "sine", fmt.Sprint(freq), "vol", "0.5")
	if b, err := exec.Command(sox, cmd...).CombinedOutput(); err != nil {
		t.Fatalf("sox %v: %v\n%s", cmd, err, b)
	}
	return out
}

func pcmOf(b []byte) audio.PCM16 {
	s := make(audio.PCM16, len(b)/2)
	for i := range s {
		s[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return s
}

func TestConvertGuidanceFormats(t *testing.T) {
	dir := t.TempDir()
	const seconds, freq = 1.5, 1000.0
	cases := []struct {
		name string
		args []string
	}{
		{"8k-u8", []string{"-r", "8000", "-b", "8", "-e", "unsigned-integer", "-c", "1"}},
		{"8k-s16", []string{"-r", "8000", "-b", "16", "-c", "1"}},
		{"11025-s16-stereo", []string{"-r", "11025", "-b", "16", "-c", "2"}},
		{"16k-s24", []string{"-r", "16000", "-b", "24", "-c", "1"}},
		{"22050-s16", []string{"-r", "22050", "-b", "16", "-c", "1"}},
		{"22050-s32-stereo", []string{"-r", "22050", "-b", "32", "-c", "2"}},
		{"44100-s16-stereo", []string{"-r", "44100", "-b", "16", "-c", "2"}},
		{"44100-f32", []string{"-r", "44100", "-b", "32", "-e", "floating-point", "-c", "1"}},
		{"48k-s16", []string{"-r", "48000", "-b", "16", "-c", "1"}},
		{"48k-s24-stereo", []string{"-r", "48000", "-b", "24", "-c", "2"}},
		{"48k-f64-stereo", []string{"-r", "48000", "-b", "64", "-e", "floating-point", "-c", "2"}},
		{"96k-s32", []string{"-r", "96000", "-b", "32", "-c", "1"}},
		{"ünïcødé-名前-32000-f32", []string{"-r", "32000", "-b", "32", "-e", "floating-point", "-c", "1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := soxTone(t, dir, c.name+".wav", c.args, seconds, freq)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			out, err := ConvertGuidance(f)
			if err != nil {
				t.Fatalf("ConvertGuidance: %v", err)
			}
			pcm := pcmOf(out)
			got := float64(len(pcm)) / 48000
			if math.Abs(got-seconds)/seconds > 0.01 {
				t.Fatalf("duration %.3f s, want %.3f s ±1%%", got, seconds)
			}
			mid := pcm[len(pcm)/4 : len(pcm)/4+9600]
			if f := audiotest.DominantFreq(mid, 48000); math.Abs(f-freq) > 10 {
				t.Fatalf("dominant frequency %.1f Hz, want %.0f Hz", f, freq)
			}
			if !audiotest.HasTone(mid, 48000, freq) {
				t.Fatalf("no %v Hz tone after conversion", freq)
			}
			if rms, _ := audio.Level(mid); math.Abs(rms-(-9.03)) > 1 { // 0.5 full scale sine
				t.Fatalf("level %.1f dBFS, want about -9 dBFS", rms)
			}
		})
	}
}

func TestConvertGuidanceErrors(t *testing.T) {
	dir := t.TempDir()
	sox := needTool(t, "sox")
	ulaw := filepath.Join(dir, "ulaw.wav")
	if b, err := exec.Command(sox, "-n", "-r", "8000", "-e", "u-law", "-c", "1", ulaw, "synth", "0.2", "sine", "440").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, b)
	}
	ulawBytes, _ := os.ReadFile(ulaw)
	var long bytes.Buffer // 10 min 1 s at 1 kHz
	if err := audio.WriteWAV(&long, 1000, make(audio.PCM16, 601000)); err != nil {
		t.Fatal(err)
	}
	longBytes := long.Bytes()
	var oneHz bytes.Buffer // 1,244 bytes that would expand to 57.6 MB at 48 kHz
	if err := audio.WriteWAV(&oneHz, 1, make(audio.PCM16, 600)); err != nil {
		t.Fatal(err)
	}
	var emptyData bytes.Buffer
	if err := audio.WriteWAV(&emptyData, 8000, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"text", []byte("hello, this is not audio at all"), "not a"},
		{"mp3-ish", []byte("ID3\x04\x00\x00\x00\x00\x00\x00garbage"), "not a"},
		{"too long", longBytes, "limit is 10m0s"},
		{"1 Hz", oneHz.Bytes(), "outside 8000-192000 Hz"},
		{"no samples", emptyData.Bytes(), "no audio"},
		{"truncated header", ulawBytes[:20], "WAV"},
	}
	// μ-law guidance is decoded, not refused (issue 17).
	if pcm, err := ConvertGuidance(bytes.NewReader(ulawBytes)); err != nil || len(pcm) == 0 {
		t.Fatalf("u-law WAV: %d bytes, %v", len(pcm), err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ConvertGuidance(bytes.NewReader(c.in))
			if err == nil {
				t.Fatal("accepted")
			}
			if api.CodeOf(err) != api.CodeUnsupportedMedia {
				t.Fatalf("code %s, want unsupported_media (%v)", api.CodeOf(err), err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

// fakeTx records SetGuidance; every other Tx method is unused here.
type fakeTx struct {
	store.Tx
	set map[guidanceKey][]byte
}

func (f *fakeTx) SetGuidance(ch int64, k api.GuidanceKind, pcm []byte) error {
	f.set[guidanceKey{ch, k}] = pcm
	return nil
}

func (f *fakeTx) Guidance(ch int64, k api.GuidanceKind) ([]byte, error) {
	if b, ok := f.set[guidanceKey{ch, k}]; ok {
		return b, nil
	}
	return nil, api.Errorf(api.CodeNotFound, "no %s guidance", k)
}

type fakeStore struct {
	tx        *fakeTx
	updateErr error
	updates   int
}

func (f *fakeStore) Update(_ context.Context, fn func(store.Tx) error) error {
	f.updates++
	if f.updateErr != nil {
		return f.updateErr
	}
	return fn(f.tx)
}
func (f *fakeStore) View(_ context.Context, fn func(store.Tx) error) error { return fn(f.tx) }
func (f *fakeStore) Close() error                                          { return nil }

func TestGuidanceStore(t *testing.T) {
	dir := t.TempDir()
	path := soxTone(t, dir, "g.wav", []string{"-r", "22050", "-b", "16", "-c", "2"}, 0.5, 800)
	fs := &fakeStore{tx: &fakeTx{set: map[guidanceKey][]byte{}}}
	var stored []guidanceKey
	g := NewGuidanceStore(fs, WithStoreLogger(testLogger()), WithOnStored(func(ch int64, k api.GuidanceKind) { stored = append(stored, guidanceKey{ch, k}) }))
	f, _ := os.Open(path)
	defer f.Close()
	if err := g.SetGuidance(context.Background(), 7, api.GuidanceGreeting, f); err != nil {
		t.Fatal(err)
	}
	pcm := fs.tx.set[guidanceKey{7, api.GuidanceGreeting}]
	if n := len(pcm) / 2; n < 23760 || n > 24240 {
		t.Fatalf("stored %d samples, want 24000 ±1%%", n)
	}
	if len(stored) != 1 || stored[0] != (guidanceKey{7, api.GuidanceGreeting}) {
		t.Fatalf("onStored calls: %v", stored)
	}

	// Bad file: unsupported_media and no transaction at all.
	before := fs.updates
	err := g.SetGuidance(context.Background(), 7, api.GuidanceWait, strings.NewReader("nope"))
	if api.CodeOf(err) != api.CodeUnsupportedMedia || fs.updates != before {
		t.Fatalf("bad file: %v, %d updates", err, fs.updates-before)
	}
	if err := g.SetGuidance(context.Background(), 7, "jingle", strings.NewReader("")); api.CodeOf(err) != api.CodeBadRequest {
		t.Fatalf("unknown kind: %v", err)
	}
	// Storage failure keeps its code.
	fs.updateErr = api.Errorf(api.CodeReadOnly, "database is read-only")
	f2, _ := os.Open(path)
	defer f2.Close()
	if err := g.SetGuidance(context.Background(), 7, api.GuidanceHold, f2); !errors.Is(err, &api.Error{Code: api.CodeReadOnly}) {
		t.Fatalf("storage error: %v", err)
	}
}
