package main

import (
	"io"
	"log/slog"
	"testing"

	"github.com/spf13/viper"
)

func TestMemoryLimit(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{"", 0, false}, {"off", 0, false}, {"150MiB", 150 << 20, false}, {"1GiB", 1 << 30, false},
		{"512MB", 512e6, false}, {"4096", 4096, false}, {"2 gib", 2 << 30, false},
		{"-1MiB", 0, true}, {"MiB", 0, true}, {"10XB", 0, true}, {"0", 0, true}, {"99999999999GiB", 0, true},
	} {
		v := viper.New()
		v.Set("memory-limit", c.in)
		got, err := memoryLimit(v)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("memoryLimit(%q) = %d, %v; want %d (error %v)", c.in, got, err, c.want, c.bad)
		}
	}
}

func TestPprofLoopbackOnly(t *testing.T) {
	v := viper.New()
	v.Set("pprof", "0.0.0.0:0")
	if _, err := startPprof(v, testLog()); err != errPprofNotLoopback {
		t.Fatalf("--pprof 0.0.0.0:0: %v, want refused", err)
	}
	v.Set("pprof", "127.0.0.1:0")
	stop, err := startPprof(v, testLog())
	if err != nil {
		t.Fatal(err)
	}
	stop()
}

func testLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
