package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meet-dev/meet/audio"
	"github.com/meet-dev/meet/audio/audiotest"
	"github.com/meet-dev/meet/audio/denoise/nseval"
	"github.com/meet-dev/meet/internal/simcaller"
)

// BenchmarkMeetPhoneCPU is the CPU of the whole `meet phone` process (a
// separate process: client, event stream, softphone with pion WebRTC,
// Opus, noise suppression, WAV microphone paced in real time, WAV speaker)
// during a real call, the operator talking: the microphone loops two
// test-set espeak-ng speakers in babble at 10 dB (nseval; a tone, as
// before 2026-12-03, costs the Opus encoder less than speech, most of all
// its in-band FEC): meetd answers a SIP caller (simcaller, PCMU over UDP)
// into the room, `meet phone --auto-answer` takes it, and the process's
// CPU time (all its threads, to the nanosecond, threadsCPU) is read from
// /proc over 10 s of two-way audio (5 s until 2026-12-04: the host's
// speed swings last seconds, and a longer window averages more of them).
// "%core" is CPU time / wall time of `meet phone`; "meetd-%core" is the
// server's over the same window, reported apart; "idle-%core" is `meet
// phone` logged in and connected, without a call. "wakeups/s" and
// "idle-wakeups/s" count the process's voluntary context switches (all
// threads) per second of the same windows: the scheduler wake-ups that cost
// more than the work in a process this light.
//
// MEET_PHONE_BIN runs another `meet` binary as the phone (same-minute
// before/after comparisons of two builds); MEET_TIMER_SLACK_NS=0 runs meet
// with the kernel's default timer slack instead of its 1 ms (see
// internal/timerslack).
func BenchmarkMeetPhoneCPU(b *testing.B) {
	if testing.Short() {
		b.Skip("runs meetd and meet phone for seconds")
	}
	// simcaller's SIP stack logs to the default logger: a line in the middle
	// of the result line would hide it from scripts/benchtable.
	old := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	defer slog.SetDefault(old)
	if bin := os.Getenv("MEET_PHONE_BIN"); bin != "" {
		defer func(old string) { bins.meet = old }(bins.meet)
		bins.meet = bin
	}
	// The third case is the less flattering one: 10 % of the phone's
	// packets to meetd dropped (--simulate-send-loss), so meetd reports
	// loss and the phone's Opus encoder codes in-band FEC
	// (internal/lossfec), which a loss-free loopback call does not need.
	mic := operatorSpeechWAV(b)
	// The fourth is the reference for internal/sysmonpoll: the same phone
	// with Go's sysmon sleeping deeply between bursts, as before it
	// (GODEBUG=schedtrace=0; meetd does not use it either way).
	for _, c := range []struct {
		ns, name     string
		loss         float64
		sysmonSleeps bool
	}{{"on", "ns=on", 0, false}, {"off", "ns=off", 0, false}, {"on", "ns=on,loss=10%", 0.1, false}, {"on", "ns=on,sysmon=sleep", 0, true}} {
		ns := c.ns
		b.Run(c.name, func(b *testing.B) {
			if c.sysmonSleeps {
				b.Setenv("GODEBUG", "schedtrace=0")
			}
			var cpu, idle, server, wall, idleWall time.Duration
			var wakes, idleWakes int
			for range b.N {
				m := startMeetd(b, "--log-level", "warn")
				args := []string{"--in", mic, "--auto-answer", "--noise-suppression=" + map[string]string{"on": "true", "off": "false"}[ns]}
				if c.loss > 0 {
					args = append(args, fmt.Sprintf("--simulate-send-loss=%g", c.loss))
				}
				if dir := os.Getenv("MEET_PHONE_PROFILE_DIR"); dir != "" { // go tool pprof of meet phone
					args = append(args, "--cpu-profile", filepath.Join(dir, "meet-phone-"+strings.NewReplacer("=", "-", ",", "-", "%", "").Replace(c.name)+".prof"))
				}
				p, _ := phone(b, m, "op@e2e.test", 1000, args...)
				pid, mpid := p.cmd.Process.Pid, m.proc.cmd.Process.Pid
				time.Sleep(time.Second)
				i0, iw0, it0 := threadsCPU(b, pid), procSwitches(b, pid), time.Now()
				time.Sleep(3 * time.Second)
				idle += threadsCPU(b, pid) - i0
				idleWakes += procSwitches(b, pid) - iw0
				idleWall += time.Since(it0)

				caller, err := simcaller.New("127.0.0.1", "+819044445555")
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
				if _, err := caller.ServeUDP(ctx, "127.0.0.1:0"); err != nil {
					b.Fatal(err)
				}
				type result struct {
					res simcaller.Result
					err error
				}
				done := make(chan result, 1)
				go func() {
					res, err := caller.Call(ctx, m.sip, openNumber, simcaller.CallPlan{Audio: audiotest.Tone(8000, 440, 0.3, 8000), TalkFor: 14 * time.Second})
					done <- result{res, err}
				}()
				// Ringing and the automatic answer take well under 2 s; measure
				// the middle of the call.
				time.Sleep(2500 * time.Millisecond)
				c0, s0, w0, t0 := threadsCPU(b, pid), threadsCPU(b, mpid), procSwitches(b, pid), time.Now()
				time.Sleep(10 * time.Second)
				cpu += threadsCPU(b, pid) - c0
				wakes += procSwitches(b, pid) - w0
				server += threadsCPU(b, mpid) - s0
				wall += time.Since(t0)
				r := <-done
				cancel()
				caller.Close()
				if r.err != nil || !r.res.Answered {
					b.Fatalf("call: %v, answered %v\n%s", r.err, r.res.Answered, tail(p.output(), 3000))
				}
				if rec := r.res.Recorded; len(rec) < 16000 {
					b.Fatalf("the caller recorded %d samples: the call carried no audio", len(rec))
				} else if rms, _ := audio.Level(rec[len(rec)-16000:]); rms < -50 {
					b.Fatalf("the caller heard %.1f dBFS in the last 2 s: not the operator's speech", rms)
				}
				p.stop()
			}
			b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "%core")
			b.ReportMetric(100*server.Seconds()/wall.Seconds(), "meetd-%core")
			b.ReportMetric(100*idle.Seconds()/idleWall.Seconds(), "idle-%core")
			b.ReportMetric(float64(wakes)/wall.Seconds(), "wakeups/s")
			b.ReportMetric(float64(idleWakes)/idleWall.Seconds(), "idle-wakeups/s")
		})
	}
}

// threadsCPU is the CPU time every thread of pid has run so far, to the
// nanosecond: the sum of /proc/<pid>/task/*/schedstat's first field.
// procCPU's /proc/<pid>/stat counts in 10 ms clock ticks, 0.2 % of a core
// over a 5 s window, as much as the differences measured here. Threads
// that ended in between are not counted (the Go runtime rarely ends one).
func threadsCPU(b *testing.B, pid int) time.Duration {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		b.Fatalf("threads of %d: %v", pid, err)
	}
	var ns int64
	for _, t := range tasks {
		raw, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended
		}
		f := strings.Fields(string(raw))
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			b.Fatalf("%s: %q", t, raw)
		}
		ns += v
	}
	return time.Duration(ns)
}

// procSwitches is the number of voluntary context switches (a thread
// blocked: each is a later wake-up) of every thread of pid so far, from
// /proc/<pid>/task/*/status. Switches forced by other processes on a busy
// host are left out. Threads that ended in between are not counted (the Go
// runtime rarely ends one).
func procSwitches(b *testing.B, pid int) int {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		b.Fatalf("threads of %d: %v", pid, err)
	}
	n := 0
	for _, t := range tasks {
		raw, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended
		}
		for line := range strings.Lines(string(raw)) {
			k, v, ok := strings.Cut(line, ":")
			if ok && k == "voluntary_ctxt_switches" {
				c, _ := strconv.Atoi(strings.TrimSpace(v))
				n += c
			}
		}
	}
	return n
}

// operatorSpeechWAV writes the microphone of BenchmarkMeetPhoneCPU: the
// first two test-set speakers of nseval, each in babble at 10 dB, end to
// end, at 48 kHz.
func operatorSpeechWAV(b *testing.B) string {
	need(b, "espeak-ng")
	need(b, "sox")
	dir := b.TempDir()
	set := nseval.Test
	set.Targets = set.Targets[:2]
	mixes, err := nseval.Build(set, 48000, func(voice, text string) ([]float64, error) {
		return nseval.Speak(dir, voice, text, 48000)
	}, []string{"babble"}, []float64{10})
	if err != nil {
		b.Fatal(err)
	}
	var loop []float64
	for _, m := range mixes {
		if m.Noise != nseval.Clean {
			loop = append(loop, m.Noisy...)
		}
	}
	return writeFloatWAV(b, filepath.Join(dir, "operator.wav"), 48000, loop)
}
