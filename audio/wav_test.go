package audio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/zaf/g711"
)

// wavBuilder hand-builds WAV files, chunk by chunk.
type wavBuilder struct{ chunks [][]byte }

func (b *wavBuilder) chunk(id string, body []byte) *wavBuilder {
	c := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	c = append(c, body...)
	if len(body)%2 == 1 {
		c = append(c, 0)
	}
	b.chunks = append(b.chunks, c)
	return b
}

func (b *wavBuilder) bytes() []byte {
	body := []byte("WAVE")
	for _, c := range b.chunks {
		body = append(body, c...)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

func fmtChunk(tag, channels, rate, bits int) []byte {
	ba := channels * bits / 8
	b := binary.LittleEndian.AppendUint16(nil, uint16(tag))
	b = binary.LittleEndian.AppendUint16(b, uint16(channels))
	b = binary.LittleEndian.AppendUint32(b, uint32(rate))
	b = binary.LittleEndian.AppendUint32(b, uint32(rate*ba))
	b = binary.LittleEndian.AppendUint16(b, uint16(ba))
	return binary.LittleEndian.AppendUint16(b, uint16(bits))
}

func extensibleFmt(subTag, channels, rate, bits int) []byte {
	b := fmtChunk(0xFFFE, channels, rate, bits)
	b = binary.LittleEndian.AppendUint16(b, 22)
	b = binary.LittleEndian.AppendUint16(b, uint16(bits))
	b = binary.LittleEndian.AppendUint32(b, 3) // channel mask FL|FR
	b = binary.LittleEndian.AppendUint16(b, uint16(subTag))
	return append(b, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71)
}

// encode renders mono samples (−1..1) into one channel format, duplicating
// them to every channel.
func encode(x []float64, channels, bits int, float bool) []byte {
	var out []byte
	for _, v := range x {
		for c := 0; c < channels; c++ {
			switch {
			case float && bits == 32:
				out = binary.LittleEndian.AppendUint32(out, math.Float32bits(float32(v)))
			case float:
				out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
			case bits == 8:
				out = append(out, byte(int(math.Round(v*127))+128))
			case bits == 16:
				out = binary.LittleEndian.AppendUint16(out, uint16(int16(math.Round(v*32767))))
			case bits == 24:
				i := int32(math.Round(v * 8388607))
				out = append(out, byte(i), byte(i>>8), byte(i>>16))
			case bits == 32:
				out = binary.LittleEndian.AppendUint32(out, uint32(int32(math.Round(v*2147483647))))
			}
		}
	}
	return out
}

func sine(n int, f, rate, amp float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = amp * math.Sin(2*math.Pi*f*float64(i)/rate)
	}
	return x
}

func TestReadWAVFormats(t *testing.T) {
	x := sine(1600, 440, 16000, 0.5)
	cases := []struct {
		name            string
		tag, ch, bits   int
		float, extended bool
	}{
		{"u8 mono", 1, 1, 8, false, false},
		{"s16 mono", 1, 1, 16, false, false},
		{"s16 stereo", 1, 2, 16, false, false},
		{"s24 stereo", 1, 2, 24, false, false},
		{"s32 mono", 1, 1, 32, false, false},
		{"f32 mono", 3, 1, 32, true, false},
		{"f64 6ch", 3, 6, 64, true, false},
		{"extensible s24", 1, 2, 24, false, true},
		{"extensible f32", 3, 2, 32, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := fmtChunk(c.tag, c.ch, 16000, c.bits)
			if c.extended {
				f = extensibleFmt(c.tag, c.ch, 16000, c.bits)
			}
			data := encode(x, c.ch, c.bits, c.float)
			file := (&wavBuilder{}).chunk("fmt ", f).chunk("LIST", []byte("INFOISFT\x05\x00\x00\x00meet\x00")).chunk("data", data).bytes()
			w, err := audio.ReadWAV(bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if w.Rate != 16000 || w.Channels != c.ch || w.Bits != c.bits || w.Float != c.float || len(w.Samples) != len(x) {
				t.Fatalf("got rate %d ch %d bits %d float %v n %d", w.Rate, w.Channels, w.Bits, w.Float, len(w.Samples))
			}
			tol := 2.0
			if c.bits == 8 {
				tol = 300
			}
			for i, v := range x {
				if d := math.Abs(float64(w.Samples[i]) - v*32768); d > tol {
					t.Fatalf("sample %d: %d, want %.0f", i, w.Samples[i], v*32768)
				}
			}
		})
	}
}

func TestReadWAVMixdown(t *testing.T) {
	// Left carries 440 Hz, right 1000 Hz: the mono mix has both at half level.
	l, r := sine(800, 440, 8000, 0.8), sine(800, 1000, 8000, 0.8)
	var data []byte
	for i := range l {
		data = binary.LittleEndian.AppendUint16(data, uint16(int16(l[i]*32767)))
		data = binary.LittleEndian.AppendUint16(data, uint16(int16(r[i]*32767)))
	}
	w, err := audio.ReadWAV(bytes.NewReader((&wavBuilder{}).chunk("fmt ", fmtChunk(1, 2, 8000, 16)).chunk("data", data).bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []float64{440, 1000} {
		if p := audiotest.Goertzel(w.Samples, 8000, f); math.Abs(p-0.04) > 0.005 {
			t.Errorf("%v Hz power %v, want 0.04 (amplitude 0.4)", f, p)
		}
	}
}

// G.711 guidance (telephone systems record it so) is decoded, mono and
// stereo, plain and extensible: the tone comes back at its level.
func TestReadWAVG711(t *testing.T) {
	tone := sine(1600, 1000, 8000, 0.5)
	for _, c := range []struct {
		name     string
		tag      int
		encode   func(int16) uint8
		channels int
		ext      bool
	}{
		{"mulaw", 7, g711.EncodeUlawFrame, 1, false},
		{"alaw", 6, g711.EncodeAlawFrame, 1, false},
		{"stereo mulaw", 7, g711.EncodeUlawFrame, 2, false},
		{"extensible alaw", 6, g711.EncodeAlawFrame, 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var data []byte
			for _, v := range tone {
				for range c.channels {
					data = append(data, c.encode(int16(v*32767)))
				}
			}
			fmtc := fmtChunk(c.tag, c.channels, 8000, 8)
			if c.ext {
				fmtc = extensibleFmt(c.tag, c.channels, 8000, 8)
			}
			w, err := audio.ReadWAV(bytes.NewReader((&wavBuilder{}).chunk("fmt ", fmtc).chunk("data", data).bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if w.Rate != 8000 || len(w.Samples) != len(tone) {
				t.Fatalf("rate %d, %d samples", w.Rate, len(w.Samples))
			}
			if p := audiotest.Goertzel(w.Samples, 8000, 1000); math.Abs(p-0.0625) > 0.006 {
				t.Errorf("1 kHz power %v, want 0.0625 (amplitude 0.25)", p)
			}
		})
	}
}

func TestReadWAVOddChunksAndOpenEndedData(t *testing.T) {
	data := encode(sine(101, 300, 8000, 0.3), 1, 8, false) // odd length: padded
	file := (&wavBuilder{}).chunk("junk", []byte{1, 2, 3}).chunk("fmt ", fmtChunk(1, 1, 8000, 8)).
		chunk("fact", []byte{101, 0, 0, 0}).chunk("data", data).chunk("LIST", []byte("INFOx")).bytes()
	w, err := audio.ReadWAV(bytes.NewReader(file))
	if err != nil || len(w.Samples) != 101 {
		t.Fatalf("odd chunks: %v, %d samples", err, len(w.Samples))
	}
	// Streaming writers leave the data size at 0 or 0xFFFFFFFF: read to EOF.
	for _, size := range []uint32{0, 0xFFFFFFFF} {
		pcm := encode(sine(50, 300, 8000, 0.3), 1, 16, false)
		file := (&wavBuilder{}).chunk("fmt ", fmtChunk(1, 1, 8000, 16)).bytes()
		file = append(file, "data"...)
		file = binary.LittleEndian.AppendUint32(file, size)
		file = append(file, pcm...)
		if w, err := audio.ReadWAV(bytes.NewReader(file)); err != nil || len(w.Samples) != 50 {
			t.Fatalf("size %#x: %v", size, err)
		}
	}
}

func TestReadWAVErrors(t *testing.T) {
	pcm := encode(sine(100, 300, 8000, 0.3), 1, 16, false)
	good := (&wavBuilder{}).chunk("fmt ", fmtChunk(1, 1, 8000, 16)).chunk("data", pcm).bytes()
	cases := []struct {
		name string
		in   []byte
		kind error
		msg  string
	}{
		{"empty", nil, audio.ErrNotWAV, "empty input"},
		{"mp3", []byte("ID3\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00"), audio.ErrNotWAV, `not a RIFF file (starts with "ID3\x03")`},
		{"avi", append([]byte("RIFF\x04\x00\x00\x00AVI "), make([]byte, 8)...), audio.ErrNotWAV, `RIFF form type is "AVI ", not WAVE`},
		{"rifx", append([]byte("RIFX\x04\x00\x00\x00WAVE"), make([]byte, 8)...), audio.ErrUnsupported, "big-endian RIFX"},
		{"short header", []byte("RIFF\x00"), audio.ErrTruncated, "RIFF header cut short"},
		{"truncated data", good[:len(good)-10], audio.ErrTruncated, "data chunk declares 200 bytes, only 190 present"},
		{"truncated fmt", good[:30], audio.ErrTruncated, "fmt chunk cut short"},
		{"no fmt", (&wavBuilder{}).chunk("LIST", []byte("INFO")).bytes(), audio.ErrMalformed, "no fmt chunk"},
		{"no data", (&wavBuilder{}).chunk("fmt ", fmtChunk(1, 1, 8000, 16)).bytes(), audio.ErrMalformed, "no data chunk"},
		{"data first", (&wavBuilder{}).chunk("data", pcm).chunk("fmt ", fmtChunk(1, 1, 8000, 16)).bytes(), audio.ErrMalformed, "data chunk before fmt chunk"},
		{"16-bit mulaw", (&wavBuilder{}).chunk("fmt ", fmtChunk(7, 1, 8000, 16)).chunk("data", pcm).bytes(), audio.ErrUnsupported, "16-bit μ-law is not supported"},
		{"16-bit alaw", (&wavBuilder{}).chunk("fmt ", fmtChunk(6, 1, 8000, 16)).chunk("data", pcm).bytes(), audio.ErrUnsupported, "16-bit A-law is not supported"},
		{"adpcm", (&wavBuilder{}).chunk("fmt ", fmtChunk(0x11, 1, 8000, 4)).chunk("data", pcm).bytes(), audio.ErrUnsupported, "IMA ADPCM WAV (format 17)"},
		{"zero channels", (&wavBuilder{}).chunk("fmt ", fmtChunk(1, 0, 8000, 16)).chunk("data", pcm).bytes(), audio.ErrMalformed, "zero channels"},
		{"zero rate", (&wavBuilder{}).chunk("fmt ", fmtChunk(1, 1, 0, 16)).chunk("data", pcm).bytes(), audio.ErrMalformed, "sample rate 0"},
		{"12-bit", (&wavBuilder{}).chunk("fmt ", fmtChunk(1, 1, 8000, 12)).chunk("data", pcm).bytes(), audio.ErrUnsupported, "12-bit integer PCM"},
		{"16-bit float", (&wavBuilder{}).chunk("fmt ", fmtChunk(3, 1, 8000, 16)).chunk("data", pcm).bytes(), audio.ErrUnsupported, "16-bit float"},
		{"short fmt", (&wavBuilder{}).chunk("fmt ", make([]byte, 10)).chunk("data", pcm).bytes(), audio.ErrMalformed, "fmt chunk is 10 bytes"},
		{"short extensible", (&wavBuilder{}).chunk("fmt ", fmtChunk(0xFFFE, 1, 8000, 16)).chunk("data", pcm).bytes(), audio.ErrMalformed, "WAVE_FORMAT_EXTENSIBLE fmt chunk is 16 bytes"},
		{"extensible 16-bit mulaw", (&wavBuilder{}).chunk("fmt ", extensibleFmt(7, 1, 8000, 16)).chunk("data", pcm).bytes(), audio.ErrUnsupported, "μ-law"},
		{"huge skip", append((&wavBuilder{}).chunk("fmt ", fmtChunk(1, 1, 8000, 16)).bytes(), "LIST\xff\xff\xff\x7f"...), audio.ErrTruncated, `"LIST" chunk declares`},
		{"garbage chunk", append((&wavBuilder{}).chunk("fmt ", fmtChunk(1, 1, 8000, 16)).bytes(), "\x00\x01\x02\x03\x04\x00\x00\x00abcd"...), audio.ErrMalformed, "garbage"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := audio.ReadWAV(bytes.NewReader(c.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, c.kind) {
				t.Errorf("error %q does not wrap %v", err, c.kind)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
		})
	}
}

func TestWriteWAVRoundTrip(t *testing.T) {
	s := audiotest.Tone(8000, 440, 0.5, 1234)
	var buf bytes.Buffer
	if err := audio.WriteWAV(&buf, 8000, s); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 44+2*len(s) {
		t.Fatalf("file is %d bytes", buf.Len())
	}
	w, err := audio.ReadWAV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if w.Rate != 8000 || w.Channels != 1 || !slicesEqual(w.Samples, s) {
		t.Fatal("round trip changed the audio")
	}
	if err := audio.WriteWAV(&buf, 0, s); !errors.Is(err, audio.ErrInvalidRate) {
		t.Fatalf("rate 0: %v", err)
	}
}

func TestWAVWriterFixesHeaderOnClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := audio.NewWAVWriter(f, 48000)
	if w.String() != "WAV(48000)" || w.SampleRate() != 48000 {
		t.Fatalf("%s at %d", w, w.SampleRate())
	}
	var want audio.PCM16
	for i := 0; i < 50; i++ {
		frame := audiotest.ToneAt(48000, 1000, 0.3, i*480, 480)
		want = append(want, frame...)
		if err := w.WriteSample(frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSample(want[:10]); !errors.Is(err, audio.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint32(raw[40:]); got != uint32(2*len(want)) {
		t.Fatalf("data size in header %d, want %d", got, 2*len(want))
	}
	if got := binary.LittleEndian.Uint32(raw[4:]); got != uint32(36+2*len(want)) {
		t.Fatalf("RIFF size %d", got)
	}
	wav, err := audio.ReadWAV(bytes.NewReader(raw))
	if err != nil || !slicesEqual(wav.Samples, want) {
		t.Fatalf("reading back: %v", err)
	}
}

func slicesEqual(a, b audio.PCM16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
