package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/meet-dev/meet/api"
	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
)

const baresipNumber = "+819077778888"

// TestBaresipCallerAnsweredByMeetPhone: baresip, a real SIP user agent, phones
// the support number speaking from a file (espeak-ng speech over a 440 Hz
// tone, PCMU); the headless `meet phone` operator (1000 Hz over Opus/WebRTC)
// auto-answers. The operator hears 440 Hz, baresip's own recording of what
// it received holds 1000 Hz, and the API shows the call answered by the
// operator.
func TestBaresipCallerAnsweredByMeetPhone(t *testing.T) {
	need(t, "baresip")
	metricsPort := freePort(t, "tcp")
	m := startMeetd(t, "--metrics", fmt.Sprintf("127.0.0.1:%d", metricsPort))
	p, speaker := phone(t, m, "op@e2e.test", 1000, "--auto-answer")

	b := startBaresip(t, speechOverTone(t, 440, 20*time.Second))
	if err := b.command("dial", fmt.Sprintf("sip:%s@%s", openNumber, m.sip)); err != nil {
		t.Fatal(err)
	}
	if err := b.waitEvent("CALL_ESTABLISHED", 15*time.Second); err != nil {
		t.Fatalf("%v\nbaresip:\n%s\nmeet phone:\n%s", err, tail(b.proc.output(), 3000), p.output())
	}
	time.Sleep(4 * time.Second) // talk
	if err := b.command("hangup", ""); err != nil {
		t.Fatal(err)
	}
	if err := b.waitEvent("CALL_CLOSED", 10*time.Second); err != nil {
		t.Fatalf("%v\nbaresip:\n%s", err, tail(b.proc.output(), 3000))
	}
	b.proc.stop() // SIGINT: baresip closes its recordings
	time.Sleep(300 * time.Millisecond)
	p.stop() // meet phone finishes its speaker WAV on exit

	heard := readWAV(t, speaker)
	if !toneFor(heard, 440, 2*time.Second) {
		t.Errorf("the operator did not hear baresip's 440 Hz (%d samples at 8 kHz)", len(heard))
	}
	// Speech, not only the tone: what is left once 440 Hz is notched out.
	speech, control := residualDBFS(heard, 440), residualDBFS(b.recording(t, "dec"), 1000)
	t.Logf("operator heard %.1f dBFS besides 440 Hz; baresip heard %.1f dBFS besides 1000 Hz", speech, control)
	if speech < -40 || speech < control+8 {
		t.Errorf("the operator heard no speech next to the tone: %.1f dBFS after the notch (a pure tone leaves %.1f)", speech, control)
	}
	if toneFor(heard, 1000, 500*time.Millisecond) {
		t.Error("the operator hears their own 1000 Hz: the room echoes a leg back to itself")
	}
	rec := b.recording(t, "dec")
	if !toneFor(rec, 1000, 2*time.Second) {
		t.Errorf("baresip's recording of what it received lacks the operator's 1000 Hz (%d samples)", len(rec))
	}
	if toneFor(rec, 440, 500*time.Millisecond) {
		t.Error("baresip hears its own 440 Hz: the room echoes the caller back")
	}

	sv := m.login(t, "sv@e2e.test")
	list, err := sv.Chats(context.Background(), api.ChatQuery{Q: baresipNumber})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Chats) != 1 {
		t.Fatalf("want one chat with %s, have %+v", baresipNumber, list.Chats)
	}
	calls, err := sv.ChatCalls(context.Background(), list.Chats[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	op, err := m.login(t, "op@e2e.test").Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 {
		t.Fatalf("want one call in the chat, have %+v", calls)
	}
	call := calls[0]
	switch {
	case call.From != baresipNumber || call.Direction != api.Inbound:
		t.Fatalf("call %+v is not baresip's inbound call", call)
	case call.Answered == nil || call.AssigneeID == nil || *call.AssigneeID != op.ID || call.MissedReason != api.ReasonNone:
		t.Fatalf("call not answered by the operator (staff %d): %+v", op.ID, call)
	case call.Ended == nil || call.DurationS < 3:
		t.Fatalf("call not ended after talking about 4 s: %+v", call)
	}
	joined := false
	for _, pt := range call.Participants {
		joined = joined || pt.StaffID == op.ID
	}
	if !joined {
		t.Fatalf("operator %d is not a participant: %+v", op.ID, call.Participants)
	}

	// /metrics counts both directions' audio played out (about 4 s of
	// 20 ms packets each), and nothing dropped unplayed on a quiet path.
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, from := range []string{"caller", "operator"} {
		played := metricValue(t, string(body), `meetd_media_packets_played_total{from="`+from+`"}`)
		dropped := metricValue(t, string(body), `meetd_media_packets_dropped_total{from="`+from+`"}`)
		t.Logf("/metrics, from %s: %v played, %v concealed, %v dropped, %v time-compressed", from, played,
			metricValue(t, string(body), `meetd_media_frames_concealed_total{from="`+from+`"}`), dropped,
			metricValue(t, string(body), `meetd_media_packets_time_compressed_total{from="`+from+`"}`))
		if played < 100 || dropped > played/100 {
			t.Errorf("/metrics, from %s: %v packets played, %v dropped unplayed", from, played, dropped)
		}
	}
	// meet phone's own figures for the call (its call_stats line): what
	// it received it played, nothing dropped on a quiet path (a jitter
	// buffer's spare packet is time-compressed, not skipped).
	st := callStats(t, p.output())
	t.Logf("meet phone: %v packets received, %v concealed, %v skipped, %v time-compressed (%v ms left out)",
		st["packets_received"], st["concealed"], st["skipped"], st["accelerated"], st["compressed_ms"])
	if rx, skipped := st["packets_received"], st["skipped"]; rx < 100 || skipped > rx/100 {
		t.Errorf("meet phone received %v packets and dropped %v unplayed", rx, skipped)
	}
}

// callStats is the numbers of the last call_stats line meet phone printed.
func callStats(t *testing.T, out string) map[string]float64 {
	t.Helper()
	var last map[string]any
	for line := range strings.Lines(out) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["event"] == "call_stats" {
			last = m
		}
	}
	if last == nil {
		t.Fatalf("meet phone printed no call_stats line:\n%s", tail(out, 3000))
	}
	nums := map[string]float64{}
	for k, v := range last {
		if f, ok := v.(float64); ok {
			nums[k] = f
		}
	}
	for _, k := range []string{"packets_received", "concealed", "skipped", "accelerated", "compressed_ms"} {
		if _, ok := nums[k]; !ok {
			t.Fatalf("call_stats has no %q: %v", k, last)
		}
	}
	return nums
}

// metricValue is the value of the sample named name (with its labels) in
// a Prometheus text exposition.
func metricValue(t *testing.T, body, name string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return 0
}

// toneFor reports whether s (8 kHz) carries freq for at least d in total,
// judged over 100 ms windows (speech over the tone may mask some of them).
func toneFor(s audio.PCM16, freq float64, d time.Duration) bool {
	const win = 800
	n := 0
	for i := 0; i+win <= len(s); i += win {
		if audiotest.HasTone(s[i:i+win], 8000, freq) {
			n++
		}
	}
	return time.Duration(n)*100*time.Millisecond >= d
}

// residualDBFS is the RMS level of s (8 kHz) once freq is notched out: the
// speech carried next to a tone.
func residualDBFS(s audio.PCM16, freq float64) float64 {
	w0 := 2 * math.Pi * freq / 8000
	alpha := math.Sin(w0) / (2 * 2.0) // Q = 2
	a0 := 1 + alpha
	b0, b1, b2 := 1/a0, -2*math.Cos(w0)/a0, 1/a0
	a1, a2 := -2*math.Cos(w0)/a0, (1-alpha)/a0
	var x1, x2, y1, y2, sum float64
	n := 0
	for i, v := range s {
		x := float64(v) / 32768
		y := b0*x + b1*x1 + b2*x2 - a1*y1 - a2*y2
		x2, x1, y2, y1 = x1, x, y1, y
		if i >= 800 { // past the filter's settling
			sum += y * y
			n++
		}
	}
	if n == 0 || sum == 0 {
		return math.Inf(-1)
	}
	return 10 * math.Log10(sum/float64(n))
}

// speechOverTone writes an 8 kHz mono 16-bit WAV of espeak-ng speech mixed
// over a sine of freq, length d.
func speechOverTone(t *testing.T, freq float64, d time.Duration) string {
	t.Helper()
	espeak, sox := need(t, "espeak-ng"), need(t, "sox")
	dir := t.TempDir()
	speech, tone, out := filepath.Join(dir, "speech.wav"), filepath.Join(dir, "tone.wav"), filepath.Join(dir, "caller.wav")
	secs := strconv.FormatFloat(d.Seconds(), 'f', 1, 64)
	run(t, espeak, "-w", speech, "Hello, I am calling about my order. Could somebody please help me with the delivery date?")
	run(t, sox, speech, "-r", "8000", "-c", "1", "-b", "16", filepath.Join(dir, "speech8k.wav"))
	run(t, sox, "-n", "-r", "8000", "-c", "1", "-b", "16", tone, "synth", secs, "sine", strconv.FormatFloat(freq, 'f', 0, 64), "vol", "0.4")
	run(t, sox, "-m", "-v", "0.4", filepath.Join(dir, "speech8k.wav"), "-v", "1", tone, "-r", "8000", "-c", "1", "-b", "16", out, "trim", "0", secs)
	return out
}

// baresip is one headless baresip caller with its ctrl_tcp connection.
type baresip struct {
	proc   *proc
	dir    string
	ctrl   net.Conn
	events chan baresipMsg
}

type baresipMsg struct {
	Event    bool   `json:"event"`
	Type     string `json:"type"`
	Response bool   `json:"response"`
	OK       bool   `json:"ok"`
	Data     string `json:"data"`
	Param    string `json:"param"`
}

// startBaresip renders testdata/baresip/config.tmpl into a fresh config
// directory, starts baresip and connects to its ctrl_tcp port once the
// modules are loaded. The ports are picked free and then bound by baresip
// a moment later, so another socket can take one in between (an outgoing
// connection's ephemeral port, say): baresip then says "Address already in
// use" and carries on without that module. Such a start is stopped and
// tried again on other ports.
func startBaresip(t testing.TB, source string) *baresip {
	t.Helper()
	bin := need(t, "baresip")
	for attempt := 1; ; attempt++ {
		b, err := tryBaresip(t, bin, source)
		if err == nil {
			return b
		}
		if attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("baresip, attempt %d: %v", attempt, err)
	}
}

// errPortTaken is a baresip start that lost one of its ports.
var errPortTaken = errors.New("a port picked for baresip was taken before it bound it")

// tryBaresip is one start of startBaresip: errPortTaken (the process
// stopped) when baresip could not bind a port it was given.
func tryBaresip(t testing.TB, bin, source string) (*baresip, error) {
	b := &baresip{dir: t.TempDir(), events: make(chan baresipMsg, 64)}
	rec := filepath.Join(b.dir, "rec")
	if err := os.Mkdir(rec, 0o755); err != nil {
		t.Fatal(err)
	}
	tmpl, err := template.ParseFiles(filepath.Join("testdata", "baresip", "config.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	rtp := freePort(t, "udp") &^ 1
	ctrlPort := freePort(t, "tcp")
	f, err := os.Create(filepath.Join(b.dir, "config"))
	if err != nil {
		t.Fatal(err)
	}
	err = tmpl.Execute(f, map[string]any{
		"SIPPort": freeSIPPort(t), "RTPPorts": fmt.Sprintf("%d-%d", rtp, rtp+3), "Source": source,
		"ModulePath": baresipModules(t), "RecordDir": rec, "CtrlPort": ctrlPort,
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	// A local account without registration, G.711 µ-law only.
	acc := fmt.Sprintf("<sip:%s@127.0.0.1>;regint=0;audio_codecs=PCMU/8000/1\n", baresipNumber)
	if err := os.WriteFile(filepath.Join(b.dir, "accounts"), []byte(acc), 0o644); err != nil {
		t.Fatal(err)
	}
	// -t bounds the process even if the test loses track of it.
	b.proc = start(t, bin, "-f", b.dir, "-t", "60")
	// A port lost to another socket shows as "Address already in use"
	// before "baresip is ready"; then whatever answers on ctrlPort is not
	// this baresip.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(b.proc.output(), "baresip is ready") {
		select {
		case <-b.proc.done:
			t.Fatalf("baresip exited:\n%s", b.proc.output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("baresip never got ready:\n%s", b.proc.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(b.proc.output(), "Address already in use") {
		b.proc.stop()
		return nil, errPortTaken
	}
	for {
		c, err := net.DialTimeout("tcp4", fmt.Sprintf("127.0.0.1:%d", ctrlPort), time.Second)
		if err == nil {
			b.ctrl = c
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("baresip's ctrl_tcp never listened: %v\n%s", err, b.proc.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(func() { b.ctrl.Close() })
	go b.read()
	return b, nil
}

// baresipModules finds the module directory of the installed baresip.
func baresipModules(t testing.TB) string {
	for _, d := range []string{"/usr/lib/baresip/modules", "/usr/local/lib/baresip/modules", "/usr/lib/x86_64-linux-gnu/baresip/modules"} {
		if _, err := os.Stat(filepath.Join(d, "aufile.so")); err == nil {
			return d
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("baresip modules (aufile.so) not found")
	}
	t.Skip("baresip modules (aufile.so) not found")
	return ""
}

// read decodes ctrl_tcp netstrings ("len:json,") into b.events.
func (b *baresip) read() {
	defer close(b.events)
	r := bufio.NewReader(b.ctrl)
	for {
		n, err := r.ReadString(':')
		if err != nil {
			return
		}
		size, err := strconv.Atoi(strings.TrimSpace(n[:len(n)-1]))
		if err != nil || size < 0 || size > 1<<20 {
			return
		}
		buf := make([]byte, size+1)
		if _, err := io.ReadFull(r, buf); err != nil {
			return
		}
		var msg baresipMsg
		if json.Unmarshal(buf[:size], &msg) == nil {
			b.events <- msg
		}
	}
}

// command sends one ctrl_tcp command.
func (b *baresip) command(cmd, params string) error {
	body, _ := json.Marshal(map[string]string{"command": cmd, "params": params, "token": cmd})
	_ = b.ctrl.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := fmt.Fprintf(b.ctrl, "%d:%s,", len(body), body)
	return err
}

// waitEvent waits for a ctrl_tcp event of type typ; a call closing first is an error.
func (b *baresip) waitEvent(typ string, d time.Duration) error {
	timeout := time.After(d)
	var seen []string
	for {
		select {
		case msg, ok := <-b.events:
			if !ok {
				return fmt.Errorf("baresip closed its control connection waiting for %s (saw %v)", typ, seen)
			}
			if msg.Response && !msg.OK {
				return fmt.Errorf("baresip command failed: %s", msg.Data)
			}
			if !msg.Event {
				continue
			}
			seen = append(seen, msg.Type+"("+msg.Param+")")
			if msg.Type == typ {
				return nil
			}
			if msg.Type == "CALL_CLOSED" {
				return fmt.Errorf("baresip's call closed waiting for %s: %s", typ, msg.Param)
			}
		case <-timeout:
			return fmt.Errorf("no %s from baresip within %v (saw %v)", typ, d, seen)
		}
	}
}

// recording reads the sndfile dumps of one direction ("dec": what baresip
// received, "enc": what it sent), resampled to 8 kHz and joined in time
// order. baresip starts a new dump each time it starts the audio stream,
// which it does once for early media and again at the answer; the file
// names carry the second, so the two are one file or two depending on
// whether the answer came in the same second.
func (b *baresip) recording(t testing.TB, dir string) audio.PCM16 {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(b.dir, "rec", "dump-*-"+dir+".wav"))
	if len(files) == 0 {
		all, _ := os.ReadDir(filepath.Join(b.dir, "rec"))
		t.Fatalf("no %s recording from baresip's sndfile module (dir: %v)\n%s", dir, all, tail(b.proc.output(), 2000))
	}
	sort.Strings(files) // dump-YYYY-MM-DD-hh-mm-ss: name order is time order
	var pcm audio.PCM16
	for _, f := range files {
		pcm = append(pcm, readWAV(t, f)...)
	}
	return pcm
}
