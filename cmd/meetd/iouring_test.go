package main

import (
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/meet-dev/meet/internal/udpbatch"
	"github.com/meet-dev/meet/server/store/sqlite"
)

// --io-uring (default true) gives the phone a send batch, which the trunk
// and the rooms share, where the kernel allows io_uring; =false, or a
// kernel that refuses it, none: each packet is sent at once, as before.
func TestIOUringFlagReachesTheSendBatch(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	kernel := udpbatch.NewBatch(true)
	allowed := kernel.Uring()
	kernel.Close()
	for _, args := range [][]string{{}, {"--io-uring=false"}} {
		fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		addFeatureFlags(fs)
		if err := fs.Parse(append([]string{"--sip", "127.0.0.1:0"}, args...)); err != nil {
			t.Fatal(err)
		}
		v := viper.New()
		if err := v.BindPFlags(fs); err != nil {
			t.Fatal(err)
		}
		f, err := featuresFromViper(v)
		if err != nil {
			t.Fatal(err)
		}
		want := len(args) == 0
		if f.Phone.IOUring != want {
			t.Fatalf("%v: IOUring %v", args, f.Phone.IOUring)
		}
		ph, err := newPhone(f.Phone, db, testLog())
		if err != nil {
			t.Fatal(err)
		}
		if got := ph.batch != nil; got != (want && allowed) {
			t.Errorf("%v: send batch %v (kernel allows io_uring: %v)", args, got, allowed)
		}
		if ph.batch != nil && !ph.batch.Uring() {
			t.Errorf("%v: a send batch without io_uring", args)
		}
		ph.close()
	}
}
