package audio_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/meet-dev/meet/audio"
)

// FuzzReadWAV: any input gives a WAV or an error of a known kind, never a
// panic; what is accepted survives a write/read round trip. The corpus lives
// in testdata/fuzz/FuzzReadWAV.
func FuzzReadWAV(f *testing.F) {
	pcm := encode(sine(64, 300, 8000, 0.3), 2, 16, false)
	f.Add((&wavBuilder{}).chunk("fmt ", fmtChunk(1, 2, 8000, 16)).chunk("data", pcm).bytes())
	f.Add((&wavBuilder{}).chunk("fmt ", extensibleFmt(3, 2, 48000, 32)).chunk("fact", []byte{1, 0, 0, 0}).chunk("data", encode(sine(33, 300, 8000, 0.3), 2, 32, true)).bytes())
	f.Add((&wavBuilder{}).chunk("LIST", []byte("INFOx")).chunk("fmt ", fmtChunk(1, 1, 8000, 24)).chunk("data", encode(sine(9, 300, 8000, 0.3), 1, 24, false)).bytes())
	f.Add((&wavBuilder{}).chunk("fmt ", fmtChunk(1, 1, 8000, 8)).chunk("data", []byte{1, 2, 3}).bytes())
	f.Add((&wavBuilder{}).chunk("fmt ", fmtChunk(7, 1, 8000, 8)).chunk("data", []byte{1, 2, 3}).bytes())
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Fuzz(func(t *testing.T, in []byte) {
		w, err := audio.ReadWAV(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, audio.ErrNotWAV) && !errors.Is(err, audio.ErrTruncated) &&
				!errors.Is(err, audio.ErrUnsupported) && !errors.Is(err, audio.ErrMalformed) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		if w.Rate <= 0 || w.Channels <= 0 {
			t.Fatalf("accepted rate %d, %d channels", w.Rate, w.Channels)
		}
		var buf bytes.Buffer
		if err := audio.WriteWAV(&buf, w.Rate, w.Samples); err != nil {
			t.Fatal(err)
		}
		back, err := audio.ReadWAV(&buf)
		if err != nil || !slicesEqual(back.Samples, w.Samples) || back.Rate != w.Rate {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func BenchmarkReadWAV(b *testing.B) {
	for _, c := range []struct {
		name     string
		ch, bits int
		float    bool
	}{{"s16_mono", 1, 16, false}, {"s24_stereo", 2, 24, false}, {"f32_stereo", 2, 32, true}} {
		b.Run(c.name, func(b *testing.B) {
			x := sine(48000*10, 440, 48000, 0.5) // 10 s
			file := (&wavBuilder{}).chunk("fmt ", fmtChunk(map[bool]int{false: 1, true: 3}[c.float], c.ch, 48000, c.bits)).
				chunk("data", encode(x, c.ch, c.bits, c.float)).bytes()
			b.SetBytes(int64(len(file)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := audio.ReadWAV(bytes.NewReader(file)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
