package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/zaf/g711"
)

// WAV is a decoded WAV file mixed down to mono.
type WAV struct {
	Rate     int   // samples per second
	Channels int   // channels in the file (Samples is their mixdown)
	Bits     int   // bits per sample in the file
	Float    bool  // IEEE float samples in the file
	Samples  PCM16 // mono mixdown
}

// Duration of the audio.
func (w *WAV) Duration() time.Duration {
	if w.Rate <= 0 {
		return 0
	}
	return time.Duration(len(w.Samples)) * time.Second / time.Duration(w.Rate)
}

var (
	// ErrNotWAV is wrapped by errors for input that is not a RIFF/WAVE file.
	ErrNotWAV = errors.New("not a WAV file")
	// ErrTruncated is wrapped by errors for a file that ends early.
	ErrTruncated = errors.New("truncated WAV file")
	// ErrUnsupported is wrapped by errors for valid WAV files in a form we cannot decode.
	ErrUnsupported = errors.New("unsupported WAV file")
	// ErrMalformed is wrapped by errors for a WAV header with impossible values.
	ErrMalformed = errors.New("malformed WAV file")
)

// WAV format tags (RFC 2361 and mmreg.h).
const (
	wavePCM        = 0x0001
	waveADPCM      = 0x0002
	waveFloat      = 0x0003
	waveALaw       = 0x0006
	waveMuLaw      = 0x0007
	waveIMAADPCM   = 0x0011
	waveGSM610     = 0x0031
	waveG722       = 0x028F
	waveMP3        = 0x0055
	waveExtensible = 0xFFFE
)

var formatNames = map[uint16]string{
	waveADPCM:    "Microsoft ADPCM",
	waveALaw:     "A-law",
	waveMuLaw:    "μ-law",
	waveIMAADPCM: "IMA ADPCM",
	waveGSM610:   "GSM 6.10",
	waveG722:     "G.722",
	waveMP3:      "MP3",
	0x0050:       "MPEG",
	0x0161:       "WMA",
}

func wavErr(kind error, format string, args ...any) error {
	return fmt.Errorf("wav: %s: %w", fmt.Sprintf(format, args...), kind)
}

// maxWAVChannels bounds the channel count we accept (WAVE_FORMAT_EXTENSIBLE allows 18 speaker positions).
const maxWAVChannels = 64

type wavFormat struct {
	tag        uint16
	channels   int
	rate       int
	blockAlign int
	bits       int
}

// ReadWAV decodes a RIFF/WAVE file: PCM 8-bit unsigned, 16/24/32-bit signed,
// IEEE float 32/64-bit, G.711 μ-law and A-law (8-bit), plain or
// WAVE_FORMAT_EXTENSIBLE, any channel count
// (mixed down to mono by averaging). Unknown chunks (LIST, fact, cue…) are
// skipped, odd-sized chunks honour their pad byte, and a data chunk whose size
// is unset (0, 0xFFFFFFFF or sox's 0x7FFFF000, as streaming writers leave it)
// runs to the end.
// Errors name what is wrong and wrap ErrNotWAV, ErrTruncated, ErrUnsupported or ErrMalformed.
func ReadWAV(r io.Reader) (*WAV, error) {
	var hdr [12]byte
	if n, err := io.ReadFull(r, hdr[:]); err != nil {
		if n == 0 {
			return nil, wavErr(ErrNotWAV, "empty input")
		}
		if n < 4 || string(hdr[:4]) != "RIFF" {
			return nil, wavErr(ErrNotWAV, "not a RIFF file (%d bytes)", n)
		}
		return nil, wavErr(ErrTruncated, "RIFF header cut short after %d of 12 bytes", n)
	}
	switch id := string(hdr[:4]); id {
	case "RIFF":
	case "RIFX":
		return nil, wavErr(ErrUnsupported, "big-endian RIFX files are not supported")
	case "RF64", "BW64":
		return nil, wavErr(ErrUnsupported, "%s (64-bit WAV) files are not supported", id)
	default:
		return nil, wavErr(ErrNotWAV, "not a RIFF file (starts with %q)", string(hdr[:4]))
	}
	if form := string(hdr[8:12]); form != "WAVE" {
		return nil, wavErr(ErrNotWAV, "RIFF form type is %q, not WAVE", string(hdr[8:12]))
	}

	var f *wavFormat
	for {
		var ch [8]byte
		n, err := io.ReadFull(r, ch[:])
		if err != nil {
			if n == 0 {
				if f == nil {
					return nil, wavErr(ErrMalformed, "no fmt chunk")
				}
				return nil, wavErr(ErrMalformed, "no data chunk")
			}
			return nil, wavErr(ErrTruncated, "chunk header cut short")
		}
		id := string(ch[:4])
		size := binary.LittleEndian.Uint32(ch[4:])
		switch id {
		case "fmt ":
			if f != nil {
				return nil, wavErr(ErrMalformed, "second fmt chunk")
			}
			if size < 16 {
				return nil, wavErr(ErrMalformed, "fmt chunk is %d bytes, need at least 16", size)
			}
			if size > 1024 {
				return nil, wavErr(ErrMalformed, "fmt chunk is %d bytes, too large", size)
			}
			body := make([]byte, size+size&1)
			if n, err := io.ReadFull(r, body); err != nil && n < int(size) {
				return nil, wavErr(ErrTruncated, "fmt chunk cut short")
			}
			if f, err = parseFmt(body[:size]); err != nil {
				return nil, err
			}
		case "data":
			if f == nil {
				return nil, wavErr(ErrMalformed, "data chunk before fmt chunk")
			}
			return readData(r, f, size)
		default:
			if !printableID(ch[:4]) {
				return nil, wavErr(ErrMalformed, "garbage where a chunk header should be (%q)", string(ch[:4]))
			}
			skip := int64(size) + int64(size&1)
			if n, err := io.CopyN(io.Discard, r, skip); err != nil {
				if errors.Is(err, io.EOF) && n == skip-1 && size&1 == 1 {
					continue // a missing final pad byte is common and harmless
				}
				return nil, wavErr(ErrTruncated, "%q chunk declares %d bytes, only %d present", id, size, n)
			}
		}
	}
}

func parseFmt(b []byte) (*wavFormat, error) {
	f := &wavFormat{
		tag:        binary.LittleEndian.Uint16(b[0:]),
		channels:   int(binary.LittleEndian.Uint16(b[2:])),
		rate:       int(binary.LittleEndian.Uint32(b[4:])),
		blockAlign: int(binary.LittleEndian.Uint16(b[12:])),
		bits:       int(binary.LittleEndian.Uint16(b[14:])),
	}
	if f.tag == waveExtensible {
		if len(b) < 40 {
			return nil, wavErr(ErrMalformed, "WAVE_FORMAT_EXTENSIBLE fmt chunk is %d bytes, need 40", len(b))
		}
		// SubFormat GUID: the first two bytes are the format tag, the rest the fixed
		// KSDATAFORMAT suffix 0000-0010-8000-00aa00389b71.
		guid := b[24:40]
		if !bytes.Equal(guid[2:], []byte{0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71}) {
			return nil, wavErr(ErrUnsupported, "WAVE_FORMAT_EXTENSIBLE with unknown subformat GUID % x", guid)
		}
		f.tag = binary.LittleEndian.Uint16(guid)
	}
	switch f.tag {
	case wavePCM:
		switch f.bits {
		case 8, 16, 24, 32:
		default:
			return nil, wavErr(ErrUnsupported, "%d-bit integer PCM is not supported (8, 16, 24 or 32)", f.bits)
		}
	case waveFloat:
		if f.bits != 32 && f.bits != 64 {
			return nil, wavErr(ErrUnsupported, "%d-bit float is not supported (32 or 64)", f.bits)
		}
	case waveMuLaw, waveALaw: // G.711, as telephone systems record guidance
		if f.bits != 8 {
			return nil, wavErr(ErrUnsupported, "%d-bit %s is not supported (G.711 is 8 bits)", f.bits, formatNames[f.tag])
		}
	default:
		name, ok := formatNames[f.tag]
		if !ok {
			name = "compressed"
		}
		return nil, wavErr(ErrUnsupported, "%s WAV (format %d) is not supported; convert it to PCM", name, f.tag)
	}
	switch {
	case f.channels == 0:
		return nil, wavErr(ErrMalformed, "zero channels")
	case f.channels > maxWAVChannels:
		return nil, wavErr(ErrUnsupported, "%d channels (at most %d)", f.channels, maxWAVChannels)
	case f.rate == 0:
		return nil, wavErr(ErrMalformed, "sample rate 0")
	case f.rate > MaxRate:
		return nil, wavErr(ErrUnsupported, "sample rate %d Hz (at most %d)", f.rate, MaxRate)
	case f.blockAlign < f.channels*f.bits/8:
		return nil, wavErr(ErrMalformed, "block align %d is less than %d channels × %d bits", f.blockAlign, f.channels, f.bits)
	}
	return f, nil
}

// unknownDataSize and above is what writers that cannot seek back put in the
// data chunk size (sox writes 0x7ffff000, others 0xffffffff): read to EOF.
const unknownDataSize = 0x7FFFF000

// readData reads the data chunk and mixes it down.
func readData(r io.Reader, f *wavFormat, size uint32) (*WAV, error) {
	var data []byte
	var err error
	if size == 0 || size >= unknownDataSize {
		data, err = io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("wav: reading data: %w", err)
		}
	} else {
		data, err = readN(r, int(size))
		if err != nil {
			return nil, wavErr(ErrTruncated, "data chunk declares %d bytes, only %d present", size, len(data))
		}
	}
	frames := len(data) / f.blockAlign // a partial trailing frame is dropped
	w := &WAV{Rate: f.rate, Channels: f.channels, Bits: f.bits, Float: f.tag == waveFloat, Samples: make(PCM16, frames)}
	decode(w.Samples, data, f)
	return w, nil
}

// readN reads exactly n bytes without trusting n for the allocation up front.
func readN(r io.Reader, n int) ([]byte, error) {
	const step = 1 << 20
	buf := make([]byte, 0, min(n, step))
	for len(buf) < n {
		chunk := min(n-len(buf), max(step, len(buf)))
		if cap(buf)-len(buf) < chunk {
			nb := make([]byte, len(buf), len(buf)+chunk)
			copy(nb, buf)
			buf = nb
		}
		m, err := io.ReadFull(r, buf[len(buf):len(buf)+chunk])
		buf = buf[:len(buf)+m]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// decode converts interleaved frames to a mono mixdown.
func decode(out PCM16, data []byte, f *wavFormat) {
	ba, nch := f.blockAlign, f.channels
	if f.tag == waveMuLaw || f.tag == waveALaw {
		expand := g711.DecodeUlawFrame
		if f.tag == waveALaw {
			expand = g711.DecodeAlawFrame
		}
		for i := range out {
			frame := data[i*ba:]
			var sum int32
			for c := 0; c < nch; c++ {
				sum += int32(expand(frame[c]))
			}
			out[i] = int16(sum / int32(nch))
		}
		return
	}
	if f.tag == waveFloat {
		read := binary.LittleEndian.Uint32
		inv := 32768 / float64(nch)
		for i := range out {
			frame := data[i*ba:]
			sum := 0.0
			for c := 0; c < nch; c++ {
				if f.bits == 32 {
					sum += finite(float64(math.Float32frombits(read(frame[4*c:]))))
				} else {
					sum += finite(math.Float64frombits(binary.LittleEndian.Uint64(frame[8*c:])))
				}
			}
			out[i] = clip16(sum * inv)
		}
		return
	}
	if f.bits == 16 && nch == 1 {
		for i := range out {
			out[i] = int16(binary.LittleEndian.Uint16(data[i*ba:]))
		}
		return
	}
	// Integer PCM: every sample scaled to 32-bit full scale, averaged in
	// 64 bits, rounded to 16.
	bps := f.bits / 8
	for i := range out {
		frame := data[i*ba:]
		var sum int64
		for c := 0; c < nch; c++ {
			b := frame[c*bps:]
			switch bps {
			case 1:
				sum += int64(int32(b[0])-128) << 24
			case 2:
				sum += int64(int16(binary.LittleEndian.Uint16(b))) << 16
			case 3:
				sum += int64(int32(uint32(b[0])<<8 | uint32(b[1])<<16 | uint32(b[2])<<24))
			default:
				sum += int64(int32(binary.LittleEndian.Uint32(b)))
			}
		}
		v := (sum/int64(nch) + 1<<15) >> 16
		out[i] = int16(max(-32768, min(32767, v)))
	}
}

// finite clamps a float sample to [-1, 1]; NaN becomes 0.
func finite(v float64) float64 {
	switch {
	case v > 1:
		return 1
	case v < -1:
		return -1
	case v == v:
		return v
	}
	return 0
}

func printableID(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}
