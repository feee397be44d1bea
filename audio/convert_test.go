package audio

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConvertWAV(t *testing.T) {
	lim := ConvertLimits{MinRate: 8000, MaxRate: 48000, MaxDuration: time.Second, MaxBytes: 1 << 20}
	var in bytes.Buffer
	if err := WriteWAV(&in, 8000, make(PCM16, 800)); err != nil { // 100 ms
		t.Fatal(err)
	}
	out, err := ConvertWAV(bytes.NewReader(in.Bytes()), 48000, lim, "test file")
	if err != nil || len(out) != 2*4800 {
		t.Fatalf("%d bytes, %v; want 100 ms of 48 kHz", len(out), err)
	}
	var long bytes.Buffer
	_ = WriteWAV(&long, 8000, make(PCM16, 16000))
	_, err = ConvertWAV(&long, 48000, lim, "test file")
	if !errors.Is(err, ErrUnconvertible) || !strings.Contains(err.Error(), "test file is 2s long, the limit is 1s") {
		t.Fatalf("too long: %v", err)
	}
	lim.MaxBytes = 100
	if _, err := ConvertWAV(bytes.NewReader(in.Bytes()), 48000, lim, "test file"); !errors.Is(err, ErrUnconvertible) {
		t.Fatalf("too large: %v", err)
	}
}
