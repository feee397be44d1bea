package audio

import (
	"errors"
	"fmt"
	"sync"
)

// funcWriter adapts a function to a Writer.
type funcWriter struct {
	name string
	rate int
	fn   func(PCM16) error
}

// NewFunc returns a Writer at rate that hands every frame to fn; String() is name.
// fn must not retain the frame.
func NewFunc(name string, rate int, fn func(PCM16) error) Writer {
	if !validRate(rate) {
		return &errWriter{name: name, rate: rate, err: fmt.Errorf("%w: %d", ErrInvalidRate, rate)}
	}
	return &funcWriter{name: name, rate: rate, fn: fn}
}

func (f *funcWriter) WriteSample(s PCM16) error { return f.fn(s) }
func (f *funcWriter) SampleRate() int           { return f.rate }
func (f *funcWriter) String() string            { return f.name }
func (f *funcWriter) Close() error              { return nil }

// Discard returns a Writer at rate that drops everything.
func Discard(rate int) Writer {
	return NewFunc(fmt.Sprintf("Discard(%d)", rate), rate, func(PCM16) error { return nil })
}

// tee copies every frame to several writers of the same rate.
type tee struct {
	ws  []Writer
	err error
}

// Tee returns a Writer that writes every frame to primary and then to others.
// All must share primary's rate; otherwise every write fails naming the mismatch.
// Errors of all writers are joined; every writer still gets the frame.
func Tee(primary Writer, others ...Writer) Writer {
	t := &tee{ws: append([]Writer{primary}, others...)}
	for _, w := range others {
		if w.SampleRate() != primary.SampleRate() {
			t.err = fmt.Errorf("audio: tee: %s runs at %d Hz, %s at %d Hz", w, w.SampleRate(), primary, primary.SampleRate())
		}
	}
	return t
}

func (t *tee) WriteSample(s PCM16) error {
	if t.err != nil {
		return t.err
	}
	var errs []error
	for _, w := range t.ws {
		if err := w.WriteSample(s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (t *tee) SampleRate() int { return t.ws[0].SampleRate() }

func (t *tee) String() string {
	s := "Tee("
	for i, w := range t.ws {
		if i > 0 {
			s += " | "
		}
		s += w.String()
	}
	return s + ")"
}

func (t *tee) Close() error {
	var errs []error
	for _, w := range t.ws {
		errs = append(errs, w.Close())
	}
	return errors.Join(errs...)
}

// Buffer is a Writer that collects everything written to it. It is safe for
// concurrent use, which makes it handy at the end of a pipeline in tests.
type Buffer struct {
	rate   int
	mu     sync.Mutex
	s      PCM16
	closed bool
}

// NewBuffer returns an empty Buffer at rate.
func NewBuffer(rate int) *Buffer { return &Buffer{rate: rate} }

func (b *Buffer) WriteSample(s PCM16) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	b.s = append(b.s, s...)
	return nil
}

func (b *Buffer) SampleRate() int { return b.rate }
func (b *Buffer) String() string  { return fmt.Sprintf("Buffer(%d)", b.rate) }

// Close marks the buffer closed; Samples still work.
func (b *Buffer) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// Samples returns a copy of everything written so far.
func (b *Buffer) Samples() PCM16 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append(PCM16(nil), b.s...)
}

// Len returns how many samples were written so far.
func (b *Buffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.s)
}

// Reset drops the collected samples.
func (b *Buffer) Reset() {
	b.mu.Lock()
	b.s = b.s[:0]
	b.mu.Unlock()
}
