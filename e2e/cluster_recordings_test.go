package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/internal/simcaller"
	"github.com/meet-dev/meet/server/cluster/natstest"
)

// TestClusterVoicemailServedByAnyNode: a caller, with no operator online,
// leaves a voicemail on node n1 (its file is written to n1's own data directory); an operator logged in
// on n2, whose disk never had the file, downloads it with `meet voicemail`
// after n1's copy is deleted: n2 serves it from the cluster's archive (a
// JetStream object store), and the message holds the caller's 1 kHz tone.
func TestClusterVoicemailServedByAnyNode(t *testing.T) {
	ns := natstest.Start(t)
	db := clusterDB(t)
	setupClusterDB(t, db)
	admin := func(args ...string) string {
		return run(t, bins.meetd, append(append([]string{"admin"}, args...), "--db", db)...)
	}
	admin("channel", "set", "support", "--voicemail", "on", "--voicemail-max", "20s")
	admin("guidance", "set", "--channel", "support", "--kind", "voicemail", toneWAV(t, 500, 500*time.Millisecond))
	n1, n2 := startNode(t, db, ns.URL(), 0), startNode(t, db, ns.URL(), 1)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	caller, _ := simPhone(t, ctx, "127.0.0.1", "+819044449999")
	res, err := caller.Call(ctx, n1.sip, openNumber, simcaller.CallPlan{Audio: audiotest.Tone(8000, 1000, 0.3, 8000), TalkFor: 5 * time.Second})
	if err != nil || !res.Answered {
		t.Fatalf("call to n1: %v, answered %v", err, res.Answered)
	}

	op := n2.login(t, "op@e2e.test")
	chats := waitMissed(t, op, api.ReasonNoOperator, 1)
	var chat api.Chat
	for deadline := time.Now().Add(10 * time.Second); len(chat.Recordings) == 0; {
		if chat, err = op.Chat(ctx, chats[0].ID); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("chat %d has no voicemail: %+v", chat.ID, chat)
		}
		time.Sleep(100 * time.Millisecond)
	}
	rec := chat.Recordings[0]
	// The nodes share this machine's filesystem, so n2 could open n1's
	// path: once n1 has archived the file, delete it from n1's disk, as if
	// n1's disk were out of n2's reach (another host) or n1 were gone.
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(n1.proc.output(), "recording archived"); {
		if time.Now().After(deadline) {
			t.Fatalf("n1 never archived the voicemail:\n%s", tail(n1.proc.output(), 3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	files, _ := filepath.Glob(filepath.Join(n1.data, "recordings", "voicemail", "*.wav"))
	if len(files) != 1 {
		t.Fatalf("n1's voicemail files: %v", files)
	}
	if err := os.Remove(files[0]); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(filepath.Join(n2.data, "recordings", "*", "*")); len(files) != 0 {
		t.Fatalf("n2's disk holds recordings %v", files)
	}
	cred := filepath.Join(t.TempDir(), "c.json")
	run(t, bins.meet, "login", "--server", n2.url, "--email", "op@e2e.test", "--password", password, "--credentials", cred)
	wav := filepath.Join(t.TempDir(), "vm.wav")
	var out string
	for deadline := time.Now().Add(10 * time.Second); ; { // the upload follows the voicemail's event
		b, e := exec.Command(bins.meet, "voicemail", fmt.Sprint(chat.ID), "--out", wav, "--credentials", cred).CombinedOutput()
		out, err = string(b), e
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil || !strings.Contains(out, "saved voicemail") {
		t.Fatalf("meet voicemail against n2: %v\n%s\nn1:\n%s", err, out, tail(n1.proc.output(), 3000))
	}
	got := readWAV(t, wav)
	if !toneFor(got, 1000, 2*time.Second) {
		t.Fatalf("the voicemail fetched through n2 (%d samples) lacks the caller's 1 kHz", len(got))
	}
	t.Logf("voicemail %d recorded on n1, %d ms, served by n2 from the archive", rec.ID, rec.DurationMS)
}
