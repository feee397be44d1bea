package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

const wavHeaderSize = 44

// wavHeader builds a canonical 44-byte header for 16-bit mono PCM.
func wavHeader(rate int, dataBytes uint32) []byte {
	h := make([]byte, wavHeaderSize)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+dataBytes)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], wavePCM)
	binary.LittleEndian.PutUint16(h[22:], 1) // channels
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataBytes)
	return h
}

func pcmBytes(dst []byte, s PCM16) []byte {
	for _, v := range s {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(v))
	}
	return dst
}

// maxWAVData is the most sample data a RIFF size field can describe.
const maxWAVData = 0xFFFFFFFF - 36

// WriteWAV writes s as a 16-bit mono PCM WAV file.
func WriteWAV(w io.Writer, rate int, s PCM16) error {
	if !validRate(rate) {
		return fmt.Errorf("%w: %d", ErrInvalidRate, rate)
	}
	if 2*uint64(len(s)) > maxWAVData {
		return fmt.Errorf("audio: %d samples do not fit in a WAV file", len(s))
	}
	buf := pcmBytes(wavHeader(rate, uint32(2*len(s))), s)
	_, err := w.Write(buf)
	return err
}

// WAVWriter streams 16-bit mono PCM to a WAV file. The header is written up
// front and its sizes are fixed on Close, so it must sit on an io.WriteSeeker.
type WAVWriter struct {
	w      io.WriteSeeker
	rate   int
	bytes  uint64
	buf    []byte
	err    error
	closed bool
}

// NewWAVWriter returns a Writer at rate that writes a WAV file to w. Close
// fixes the header and then closes w when it is an io.Closer (e.g. *os.File).
func NewWAVWriter(w io.WriteSeeker, rate int) Writer {
	ww := &WAVWriter{w: w, rate: rate}
	if !validRate(rate) {
		ww.err = fmt.Errorf("%w: %d", ErrInvalidRate, rate)
		return ww
	}
	_, ww.err = w.Write(wavHeader(rate, 0))
	return ww
}

func (ww *WAVWriter) WriteSample(s PCM16) error {
	if ww.closed {
		return ErrClosed
	}
	if ww.err != nil {
		return ww.err
	}
	if ww.bytes+2*uint64(len(s)) > maxWAVData {
		return fmt.Errorf("audio: WAV file full (4 GiB)")
	}
	ww.buf = pcmBytes(ww.buf[:0], s)
	n, err := ww.w.Write(ww.buf)
	ww.bytes += uint64(n)
	if err != nil {
		ww.err = fmt.Errorf("audio: writing WAV: %w", err)
	}
	return ww.err
}

func (ww *WAVWriter) SampleRate() int { return ww.rate }
func (ww *WAVWriter) String() string  { return fmt.Sprintf("WAV(%d)", ww.rate) }

// Close writes the final sizes into the header and closes the file.
func (ww *WAVWriter) Close() error {
	if ww.closed {
		return nil
	}
	ww.closed = true
	err := ww.err
	if ww.err == nil || ww.bytes > 0 {
		err = errors.Join(err, ww.fixHeader())
	}
	if c, ok := ww.w.(io.Closer); ok {
		err = errors.Join(err, c.Close())
	}
	return err
}

func (ww *WAVWriter) fixHeader() error {
	if _, err := ww.w.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("audio: fixing WAV header: %w", err)
	}
	if _, err := ww.w.Write(wavHeader(ww.rate, uint32(ww.bytes))); err != nil {
		return fmt.Errorf("audio: fixing WAV header: %w", err)
	}
	if _, err := ww.w.Seek(0, io.SeekEnd); err != nil {
		return fmt.Errorf("audio: fixing WAV header: %w", err)
	}
	return nil
}
