package audio

import (
	"bufio"
	"errors"
	"io"
)

// WriteSeekCloser is a file as WAVWriter writes it: written frame by frame,
// then seeked back to fix the header, then closed.
type WriteSeekCloser interface {
	io.WriteSeeker
	io.Closer
}

// BufferedFile batches the small writes of each 20 ms frame to dst (a
// write(2) per frame is most of a recording's cost); Seek flushes first,
// so WAVWriter's header fix on Close lands after the samples, and Close
// flushes and closes dst.
type BufferedFile struct {
	dst WriteSeekCloser
	w   *bufio.Writer
}

// NewBufferedFile buffers size bytes of writes to dst.
func NewBufferedFile(dst WriteSeekCloser, size int) *BufferedFile {
	return &BufferedFile{dst: dst, w: bufio.NewWriterSize(dst, size)}
}

func (b *BufferedFile) Write(p []byte) (int, error) { return b.w.Write(p) }

func (b *BufferedFile) Seek(off int64, whence int) (int64, error) {
	if err := b.w.Flush(); err != nil {
		return 0, err
	}
	return b.dst.Seek(off, whence)
}

func (b *BufferedFile) Close() error { return errors.Join(b.w.Flush(), b.dst.Close()) }
