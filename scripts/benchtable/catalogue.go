package main

import "regexp"

const modulePrefix = "github.com/meet-dev/meet/"

// show is one figure of a row: a metric, scaled, with a label.
type show struct {
	unit  string  // metric unit as reported, e.g. "p99-ms", "ns/op"
	scale float64 // multiply by this (0 = 1)
	label string  // printed after the number, e.g. "ms p99"
}

// cond is one machine-checkable part of an aim.
type cond struct {
	unit string
	max  bool    // true: value ≤ limit; false: value ≥ limit
	lim  float64 // in the metric's own unit (unscaled)
}

// entry describes benchmarks whose name matches pattern.
type entry struct {
	area    string
	pattern *regexp.Regexp // matched against "pkg/path.BenchmarkX/sub"
	show    []show
	aim     string // the aim as the issue states it ("" = none stated)
	conds   []cond // checks of the aim on this row's metrics
	ref     func(o *runOutput, r result) string
	expect  []string                 // names this entry must produce; missing ones are listed as not run
	extra   func(o *runOutput) []row // rows from test logs, placed after this entry's
}

func re(s string) *regexp.Regexp { return regexp.MustCompile("^" + s + "$") }

var (
	ms     = func(u, l string) show { return show{unit: u, label: l} }
	nsToUS = func(u, l string) show { return show{unit: u, scale: 1e-3, label: l} }
	nsToMS = func(u, l string) show { return show{unit: u, scale: 1e-6, label: l} }
	asIs   = func(u, l string) show { return show{unit: u, label: l} }
	le     = func(u string, v float64) cond { return cond{unit: u, max: true, lim: v} }
	ge     = func(u string, v float64) cond { return cond{unit: u, lim: v} }
)

// catalogue lists every benchmark of the project in table order, with the
// aim from the issues and the reference it is compared against.
var catalogue = []entry{
	// issue 2 — store
	{area: "store", pattern: re(`server/store/sqlite\.BenchmarkSearch1M/(missed|tag|state)_.*`),
		show: []show{ms("p99-ms", "ms p99"), ms("p50-ms", "ms p50")},
		aim:  "p99 ≤ 20 ms (filters, 1M chats)", conds: []cond{le("p99-ms", 20)},
		expect: []string{"server/store/sqlite.BenchmarkSearch1M/missed_noOperator", "server/store/sqlite.BenchmarkSearch1M/tag_vip"}},
	{area: "store", pattern: re(`server/store/sqlite\.BenchmarkSearch1M/text_.*`),
		show: []show{ms("p99-ms", "ms p99"), ms("p50-ms", "ms p50")},
		aim:  "p99 ≤ 20 ms (text: names, numbers, memos; issue 13)", conds: []cond{le("p99-ms", 20)}, expect: []string{"server/store/sqlite.BenchmarkSearch1M/text_name"}},
	{area: "store", pattern: re(`server/store/sqlite\.BenchmarkSearch1M/.*`),
		show: []show{ms("p99-ms", "ms p99"), ms("p50-ms", "ms p50")}, aim: "p99 ≤ 20 ms", conds: []cond{le("p99-ms", 20)}},
	// issue 14 — the same searches on Postgres (local server, loopback TCP, generated each run)
	{area: "store-pg", pattern: re(`server/store/postgres\.BenchmarkSearch1M/(missed|tag|state)_.*`),
		show: []show{ms("p99-ms", "ms p99"), ms("p50-ms", "ms p50")},
		aim:  "p99 ≤ 20 ms (filters, 1M chats, as SQLite)", conds: []cond{le("p99-ms", 20)},
		expect: []string{"server/store/postgres.BenchmarkSearch1M/missed_noOperator", "server/store/postgres.BenchmarkSearch1M/tag_vip"}},
	{area: "store-pg", pattern: re(`server/store/postgres\.BenchmarkSearch1M/text_.*`),
		show: []show{ms("p99-ms", "ms p99"), ms("p50-ms", "ms p50")},
		aim:  "p99 ≤ 20 ms (text: names, numbers, memos; issue 13)", conds: []cond{le("p99-ms", 20)}, expect: []string{"server/store/postgres.BenchmarkSearch1M/text_name"}},
	// issue 14 — cluster: Kamailio + N meetd nodes + Postgres + NATS, all on this machine
	{area: "cluster", pattern: re(`e2e\.BenchmarkClusterCPS/nodes=\d`),
		show:   []show{asIs("calls/s", "calls/s into guidance (100 in flight)"), asIs("failed", "failed"), asIs("scale", "× one node"), asIs("meetd-cpu-ms/call", "ms meetd CPU per call (all nodes)")},
		aim:    "— (scale factor over 1 node; every process shares the machine's cores)",
		expect: []string{"e2e.BenchmarkClusterCPS/nodes=1", "e2e.BenchmarkClusterCPS/nodes=2", "e2e.BenchmarkClusterCPS/nodes=3"}},
	{area: "cluster", pattern: re(`server/store/postgres\.BenchmarkConcurrentWrites/writers=\d+`),
		show:   []show{asIs("tx/s", "call set-up transactions/s (2 handles, Postgres on loopback)")},
		aim:    "— (no aim: on 2 shared cores CPU bounds it, not the commit order)",
		expect: []string{"server/store/postgres.BenchmarkConcurrentWrites/writers=1", "server/store/postgres.BenchmarkConcurrentWrites/writers=4", "server/store/postgres.BenchmarkConcurrentWrites/writers=16"}},
	{area: "cluster", pattern: re(`e2e\.BenchmarkClusterNodeFailure`),
		show:   []show{asIs("lost-s", "s from kill -9 to the dead node's last call ended")},
		aim:    "≤ 15 s, every call of the dead node nodeLost, every later call ok (sipp 50/s via Kamailio, 3 nodes)",
		conds:  []cond{le("lost-s", 15)},
		expect: []string{"e2e.BenchmarkClusterNodeFailure"}},
	{area: "cluster", pattern: re(`server/cluster\.BenchmarkEventFanout`),
		show:   []show{asIs("p50-µs", "µs p50"), asIs("p99-µs", "µs p99"), asIs("max-µs", "µs max")},
		aim:    "— (commit on node A → node B's bus over NATS JetStream, Postgres, loopback)",
		expect: []string{"server/cluster.BenchmarkEventFanout"}},
	// issue 7 — export
	{area: "export", pattern: re(`server/stats\.BenchmarkExport1M/.*`),
		show: []show{asIs("rows/s", "rows/s"), asIs("peak-RSS-MB", "MB peak RSS")},
		aim:  "flat, < 100 MB RSS (1M rows)", conds: []cond{le("peak-RSS-MB", 100)},
		expect: []string{"server/stats.BenchmarkExport1M/csv", "server/stats.BenchmarkExport1M/jsonl"}},
	// issue 3 — routing and lifecycle
	{area: "routing", pattern: re(`server/routing\.BenchmarkDecide1000\w*/.*`),
		show: []show{nsToUS("cpu-ns/op", "µs CPU"), nsToUS("ns/op", "µs wall")},
		aim:  "≤ 100 µs per decision, 1,000 staff", conds: []cond{le("cpu-ns/op", 100_000)},
		expect: []string{"server/routing.BenchmarkDecide1000/auto=false", "server/routing.BenchmarkDecide1000/auto=true"}},
	{area: "routing", pattern: re(`server/calls\.BenchmarkReevaluate1000Staff`),
		show: []show{nsToUS("ns/op", "µs wall")}, aim: "— (re-offer, 1,000 staff)",
		ref: refMetric("server/routing.BenchmarkDecide1000/auto=false", "cpu-ns/op", 1e-3, "one decision %.1f µs CPU")},
	{area: "routing", pattern: re(`server/calls\.BenchmarkLoadChannel/.*`),
		show: []show{nsToMS("ns/op", "ms wall")}, aim: "— (loading a channel's staff for routing)"},
	{area: "lifecycle", pattern: re(`server/calls\.BenchmarkLifecycle/.*`),
		show: []show{asIs("calls/s", "calls/s")}, aim: "figure asked (whole calls with store writes)",
		ref:    refLifecycle,
		expect: []string{"server/calls.BenchmarkLifecycle/sqlite"}},
	// issue 4 — media
	// issue 15 — IVR: DTMF key to menu decision, real SIP/RTP sockets
	{area: "sip", pattern: re(`e2e\.BenchmarkIVRDecision`),
		show:   []show{asIs("p50-ms", "ms p50"), asIs("max-ms", "ms max")},
		aim:    "— (figure asked for; second key's end packet sent → call.menu_chosen time, wall clock; includes the wait for the call's next room tick, which reads its RTP socket: 0–20 ms)",
		expect: []string{"e2e.BenchmarkIVRDecision"}},
	// issue 15 — call recording on top of a call's mix
	{area: "media", pattern: re(`server/recording\.BenchmarkRecorderCPU`),
		show:   []show{asIs("%core/call", "% core per recorded call (CPU)"), asIs("cpu-µs/frame", "CPU µs per 20 ms frame")},
		aim:    "— (figure asked for; resample 48→8 kHz and buffered WAV write, the mix not counted)",
		expect: []string{"server/recording.BenchmarkRecorderCPU"}},
	{area: "media", pattern: re(`server/room\.BenchmarkCallCPU`),
		show: []show{asIs("%core/call", "% core/call"), asIs("cpu-µs/tick", "µs/tick")},
		aim:  "≤ 0.5 % core per call", conds: []cond{le("%core/call", 0.5)}, expect: []string{"server/room.BenchmarkCallCPU"}},
	{area: "media", pattern: re(`server/room\.BenchmarkConcurrentCalls/.*`),
		show: []show{asIs("%core/call", "% core/call"), asIs("late-ticks", "late ticks"), asIs("max-lateness-ms", "ms max lateness")},
		aim:  "≤ 0.5 % core/call, no late ticks", conds: []cond{le("%core/call", 0.5), le("late-ticks", 0)},
		ref:    refMetric("server/room.BenchmarkCallCPU", "%core/call", 1, "one call, stepped: %.3f %% core"),
		expect: []string{"server/room.BenchmarkConcurrentCalls/200"}},
	{area: "media", pattern: re(`server/room\.BenchmarkNetworkCalls/((own|sendto)/)?\d+`),
		show: []show{asIs("%core/call", "% core/call"), asIs("cpu-µs/tick", "µs/call-tick"), asIs("late-ticks", "late ticks"),
			asIs("max-lateness-ms", "ms max lateness (since the calls were set up)"), asIs("%cpu-in-gc", "% of the CPU in GC"),
			asIs("%operator-loss", "% operator loss"), asIs("%operator-skipped", "% operator packets dropped unplayed"),
			asIs("%operator-accelerated", "% operator packets time-compressed to give delay back (not dropped)"),
			asIs("operator-cut-ms", "ms of operator audio left out by it in all"),
			asIs("%caller-loss", "% caller loss"), asIs("%caller-skipped", "% caller packets dropped unplayed"),
			asIs("%caller-accelerated", "% caller packets time-compressed"), asIs("caller-cut-ms", "ms of caller audio left out"),
			asIs("client-%core", "% core load generator (apart)"),
			asIs("client-late-rounds", "load generator rounds > 20 ms late"), asIs("caller-sends-lost", "caller packets the send batch lost")},
		aim: "≤ 0.3 % core/call, no late ticks, no loss (200 calls, G.711 ↔ Opus over real WebRTC and RTP sockets; rooms on the shared clock, callers' RTP through io_uring as meetd sends it by default; sendto/ a system call a packet, as --io-uring=false or a kernel that refuses io_uring; own/ a ticker each)",
		conds: []cond{le("%core/call", 0.3), le("late-ticks", 0), le("%operator-loss", 0), le("%operator-skipped", 0),
			le("%caller-loss", 0), le("%caller-skipped", 0)},
		ref:    refPacketFloor,
		expect: []string{"server/room.BenchmarkNetworkCalls/200", "server/room.BenchmarkNetworkCalls/sendto/200", "server/room.BenchmarkNetworkCalls/own/200"}},
	{area: "media", pattern: re(`server/room\.BenchmarkIdleOperators/\d+`),
		show: []show{asIs("%core/operator", "% core per connected operator (CPU)"), asIs("client-%core", "% core load generator (apart)")},
		aim:  "— (not an aim: what operators connected without a call cost meetd, real pion peers over loopback; no RTP, as meet phone sends while idle)",
		ref: refMetric("server/room.BenchmarkIdleOperators/silence/200", "%core/operator", 1,
			"a silence packet every 20 ms from each, as meet phone sent while idle until 2026-12-05 (silence/200): %.4f %% core/operator"),
		expect: []string{"server/room.BenchmarkIdleOperators/200"}},
	{area: "media", pattern: re(`server/room\.BenchmarkIdleOperators/silence/\d+`),
		show:   []show{asIs("%core/operator", "% core per connected operator (CPU)"), asIs("client-%core", "% core load generator (apart)")},
		aim:    "— (reference for BenchmarkIdleOperators/200: the same operators each sending a 3-byte Opus silence packet every 20 ms)",
		expect: []string{"server/room.BenchmarkIdleOperators/silence/200"}},
	{area: "media", pattern: re(`server/room\.BenchmarkPacketFloor/\d+`),
		show: []show{asIs("%core/call", "% core/call"), asIs("cpu-µs/tick", "µs/call-tick"),
			asIs("pkts-in/call-tick", "packets read per call-tick")},
		aim:    "— (reference for BenchmarkNetworkCalls: its packet pattern alone, two UDP sockets a call, one packet each way on each every 20 ms, no codec, SRTP or pion)",
		expect: []string{"server/room.BenchmarkPacketFloor/200"}},
	{area: "media", pattern: re(`server/room\.BenchmarkNarrowDownlink/.*`),
		show: []show{asIs("encode-cpu-µs/20ms", "µs per 20 ms encode (thread CPU)"), asIs("decode48-cpu-µs/20ms", "µs softphone decode"),
			asIs("bytes/packet", "bytes/packet"), asIs("stoi", "STOI")},
		aim:    "— (the caller's voice to the operator on a loss-free path: meetd's CELT against the narrowband SILK it coded before, test-set speech through μ-law)",
		expect: []string{"server/room.BenchmarkNarrowDownlink/meetd=celt", "server/room.BenchmarkNarrowDownlink/before=silk"}},
	{area: "media", pattern: re(`server/room\.BenchmarkRoom10PartyTwoTalking`),
		show:  []show{asIs("%core/room", "% core/room"), asIs("cpu-µs/tick", "µs/tick")},
		aim:   "≤ 3 % core (10-party room, caller and one operator talking, 8 sending silence; stepped, in-process)",
		conds: []cond{le("%core/room", 3)}, ref: refMetric("server/room.BenchmarkRoom10Party", "%core/room", 1, "all ten talking: %.2f %% core"),
		expect: []string{"server/room.BenchmarkRoom10PartyTwoTalking"}},
	{area: "media", pattern: re(`server/room\.BenchmarkRoom10Party$`),
		show: []show{asIs("%core/room", "% core/room"), asIs("cpu-µs/tick", "µs/tick")}, aim: "— (figure asked: 10-party room)",
		ref:    refMetric("audio/mixer.BenchmarkTick10Party", "%core/room", 1, "mix only: %.3f %% core"),
		expect: []string{"server/room.BenchmarkRoom10Party"}},
	{area: "media", pattern: re(`server/room\.BenchmarkGuidanceRooms/.*`),
		show:   []show{asIs("%core/room", "% core/room"), asIs("cpu-µs/tick", "CPU µs/tick"), asIs("late-ticks", "late ticks")},
		aim:    "— (1,000 real rooms, callers alone hearing looping guidance, on the shared clock, or own/ a ticker each; process CPU)",
		expect: []string{"server/room.BenchmarkGuidanceRooms/1000"}},
	{area: "media", pattern: re(`server/room\.BenchmarkGuidanceCall$`),
		show:   []show{asIs("%core/call", "% core/call"), asIs("cpu-µs/tick", "µs/tick")},
		aim:    "— (a caller alone hearing guidance: the one-party fast path, stepped, in-process)",
		ref:    refMetric("server/room.BenchmarkGuidanceCallFullMix", "cpu-µs/tick", 1, "through the 48 kHz mix: %.1f µs/tick"),
		expect: []string{"server/room.BenchmarkGuidanceCall"}},
	{area: "media", pattern: re(`server/telephony\.BenchmarkAcceptToTwoWayAudio`),
		show: []show{asIs("ms-to-audio", "ms mean"), asIs("max-ms-to-audio", "ms max"), asIs("ms-op-hears", "ms operator hears (mean)"),
			asIs("ms-caller-hears", "ms caller hears (mean)")},
		aim:   "≤ 50 ms from the operator's HTTP accept to the first tone frame heard on each side (real sockets: SIP/RTP caller, WebRTC softphone)",
		conds: []cond{le("ms-to-audio", 50), le("max-ms-to-audio", 50)}, expect: []string{"server/telephony.BenchmarkAcceptToTwoWayAudio"},
		ref: refMetric("server/room.BenchmarkAttachToTwoWayAudio", "ms-to-audio", 1, "in-process attach, fake caller: %.1f ms")},
	{area: "media", pattern: re(`server/telephony\.BenchmarkMouthToEar`),
		show: []show{asIs("ms-caller-to-op", "ms caller → operator (mean)"), asIs("max-ms-caller-to-op", "ms max"),
			asIs("ms-op-to-caller", "ms operator → caller (mean)"), asIs("max-ms-op-to-caller", "ms max")},
		aim:   "≤ 60 ms each way, mouth to ear (SIP caller ↔ meetd ↔ softphone with NS, loopback; chirp cross-correlation, sound-card buffers excluded)",
		conds: []cond{le("ms-caller-to-op", 60), le("ms-op-to-caller", 60)}, expect: []string{"server/telephony.BenchmarkMouthToEar"}},
	{area: "media", pattern: re(`server/room\.BenchmarkAttachToTwoWayAudio`),
		show: []show{asIs("ms-to-audio", "ms mean"), asIs("max-ms-to-audio", "ms max")},
		aim:  "— (in-process attach with a fake caller, not from the HTTP accept; see BenchmarkAcceptToTwoWayAudio)", expect: []string{"server/room.BenchmarkAttachToTwoWayAudio"}},
	{area: "media", pattern: re(`server/room\.BenchmarkUp6`), show: []show{asIs("ns/op", "ns/20 ms")}, aim: "—",
		ref: refMetric("server/room.BenchmarkAudioResampler8kTo48k", "ns/op", 1, "audio.Resampler %.0f ns")},
	{area: "media", pattern: re(`server/room\.BenchmarkDown6`), show: []show{asIs("ns/op", "ns/20 ms")}, aim: "—",
		ref: refMetric("server/room.BenchmarkAudioResampler48kTo8k", "ns/op", 1, "audio.Resampler %.0f ns")},
	{area: "media", pattern: re(`server/room\.BenchmarkAudioResampler.*`), show: []show{asIs("ns/op", "ns/20 ms")}, aim: "—"},
	{area: "media", pattern: re(`audio/mixer\.BenchmarkTick\d+Party`),
		show: []show{asIs("%core/room", "% core/room"), nsToUS("ns/op", "µs/tick")}, aim: "—"},
	// issue 4 — SIP
	{area: "sip", pattern: re(`e2e\.BenchmarkSippCPS`),
		show: []show{asIs("calls/s", "calls/s handled in the 60 s window"), asIs("calls/s-with-tail", "calls/s to the last final response"),
			asIs("offered-cps", "calls/s offered by sipp"),
			asIs("failed", "failed"), asIs("p99-ms", "ms p99 to final response"),
			asIs("over-2s", "over 2 s"), asIs("peak-RSS-MB", "MB peak RSS"), asIs("RSS-growth-MB", "MB RSS growth (10 s means)"),
			asIs("RSS-growth-last-MB", "MB RSS growth (single samples)"),
			asIs("meetd-cpu-ms/call", "ms meetd CPU/call")},
		aim:   "≥ 1,000 calls/s into guidance for 60 s, 0 failed, final response ≤ 2 s, RSS flat (growth ≤ 20 MB, mean of the last 10 s against the 10 s after the first 10) ≤ 150 MB (real meetd + SQLite, sipp over UDP)",
		conds: []cond{ge("calls/s", 1000), le("failed", 0), le("over-2s", 0), le("peak-RSS-MB", 150), le("RSS-growth-MB", 20)},
		ref:   refSipp, expect: []string{"e2e.BenchmarkSippCPS"}},
	{area: "sip", pattern: re(`e2e\.BenchmarkSippShed`),
		show: []show{asIs("failed", "failed (no final answer)"), asIs("shed-%", "% shed with 503"), asIs("admitted-cps", "calls/s admitted"),
			asIs("p99-ms", "ms p99 to final answer"), asIs("meetd-cpu-ms/call", "ms meetd CPU/call")},
		aim:   "beyond capacity meetd sheds load with 503 + Retry-After, never silence (2,000 calls/s offered for 10 s, default --max-cps/--max-calls)",
		conds: []cond{le("failed", 0)}, expect: []string{"e2e.BenchmarkSippShed"}},
	// issue 12 — hostile traffic
	{area: "security", pattern: re(`e2e\.BenchmarkLoginFlood/.*`),
		show: []show{asIs("peak-RSS-MB", "MB peak RSS"), asIs("correct-login-max-ms", "ms slowest correct login"),
			asIs("correct-refused", "correct logins refused"), asIs("5xx-or-failed", "5xx/failed")},
		aim:    "RSS ≤ 150 MB under 1,000 wrong logins at 100 in parallel, a correct login (from an IP used before) within 1 s (real meetd, loopback sockets)",
		conds:  []cond{le("peak-RSS-MB", 150), le("correct-login-max-ms", 1000), le("correct-refused", 0), le("5xx-or-failed", 0)},
		expect: []string{"e2e.BenchmarkLoginFlood/ips=1", "e2e.BenchmarkLoginFlood/ips=100"}},
	{area: "sip", pattern: re(`server/trunk\.BenchmarkSippCPS`),
		show: []show{asIs("calls/s", "calls/s"), asIs("failed", "failed"), asIs("cpu-µs/call", "µs CPU/call (trunk process)"),
			asIs("sipp-%core", "% core sipp, apart")},
		aim:   "≥ 2,000 calls/s for the trunk alone, 0 failed (answering handler, no store; sipp over UDP offering 2,200/s for 10 s)",
		conds: []cond{ge("calls/s", 2000), le("failed", 0)}, expect: []string{"server/trunk.BenchmarkSippCPS"}},
	// issue 11 — the one jitter core (audio/jitter) under each of its three users
	{area: "media", pattern: re(`(server/trunk|server/room|softphone)\.BenchmarkJitter`),
		show: []show{asIs("cpu-ns/op", "CPU ns per packet in + frame out"), asIs("allocs/op", "allocs")},
		aim:  "0 allocations per packet (the copies it replaced were 4–11 ns per packet faster in an A/B on a loaded machine)", conds: []cond{le("allocs/op", 0)},
		expect: []string{"server/trunk.BenchmarkJitter", "server/room.BenchmarkJitter", "softphone.BenchmarkJitter"}},
	{area: "sip", pattern: re(`server/trunk\.BenchmarkInviteAnswerBye/.*`), show: []show{asIs("calls/s", "calls/s")}, aim: "— (trunk alone, in-process caller)"},
	// issue 5 — softphone and audio
	{area: "softphone", pattern: re(`softphone\.BenchmarkClientPipeline/.*`),
		show: []show{asIs("%core", "% core"), asIs("cpu-µs/frame", "µs/20 ms")},
		aim:  "≤ 3 % of a core during a call", conds: []cond{le("%core", 3)},
		expect: []string{"softphone.BenchmarkClientPipeline/denoise"}, extra: pipelineDelayRows},
	{area: "softphone", pattern: re(`softphone\.BenchmarkClientLatency/.*`),
		show: []show{asIs("ms-total-mean", "ms both sides (mean)"), asIs("ms-send-max", "ms capture→packet max"),
			asIs("ms-recv-max", "ms packet→playback max"), asIs("%concealed", "% concealed")},
		aim: "≤ 40 ms added client side (capture→packet + packet→playback, mean)", conds: []cond{le("ms-total-mean", 40)},
		expect: []string{"softphone.BenchmarkClientLatency"}},
	{area: "softphone", pattern: re(`e2e\.BenchmarkMeetPhoneCPU/ns=on`),
		show: []show{asIs("%core", "% core in a call"), asIs("idle-%core", "% core connected, no call"), asIs("meetd-%core", "% core meetd, apart"),
			asIs("wakeups/s", "wake-ups/s in a call")},
		aim:   "≤ 2.5 % of a core, whole `meet phone` process during a call with noise suppression (real meetd, SIP caller, WebRTC over loopback)",
		conds: []cond{le("%core", 2.5)}, expect: []string{"e2e.BenchmarkMeetPhoneCPU/ns=on"}},
	{area: "softphone", pattern: re(`e2e\.BenchmarkMeetPhoneCPU/ns=off`),
		show: []show{asIs("%core", "% core in a call"), asIs("idle-%core", "% core connected, no call"), asIs("meetd-%core", "% core meetd, apart")},
		aim:  "— (same without noise suppression)"},
	{area: "softphone", pattern: re(`e2e\.BenchmarkMeetPhoneCPU/ns=on,loss=10%`),
		show: []show{asIs("%core", "% core in a call"), asIs("meetd-%core", "% core meetd, apart"), asIs("wakeups/s", "wake-ups/s in a call")},
		aim:  "— (same with NS, 10 % of the phone's packets lost: meetd reports the loss and the encoder codes in-band FEC)"},
	{area: "softphone", pattern: re(`e2e\.BenchmarkMeetPhoneCPU/ns=on,sysmon=sleep`),
		show: []show{asIs("%core", "% core in a call"), asIs("idle-%core", "% core connected, no call"), asIs("meetd-%core", "% core meetd, apart"),
			asIs("wakeups/s", "wake-ups/s in a call")},
		aim: "— (same as ns=on, with Go's sysmon sleeping deeply between bursts as before 2026-12-04: GODEBUG=schedtrace=0, internal/sysmonpoll)"},
	{area: "softphone", pattern: re(`softphone\.BenchmarkOpusComplexity/test/.*`),
		show: []show{asIs("encode-cpu-µs/20ms", "µs per 20 ms encode"), asIs("encode-fec-cpu-µs/20ms", "µs with FEC"),
			asIs("meetd-decode-cpu-µs/20ms", "µs meetd's decode to 8 kHz"),
			asIs("stoi-loss=0%", "STOI at the caller, no loss"),
			asIs("stoi-loss=10%", "STOI at 10 % loss (FEC)")},
		aim: "— (the microphone's Opus complexity: CPU against what the caller hears, test set)"},
	{area: "softphone", pattern: re(`softphone\.BenchmarkPhoneCPU`), show: []show{asIs("%core", "% core (phone + test peer)")},
		aim: "≤ 3 % of a core during a call", conds: []cond{le("%core", 3)}, expect: []string{"softphone.BenchmarkPhoneCPU"}},
	{area: "denoise", pattern: re(`audio/denoise\.BenchmarkProcess48k`),
		show: []show{nsToUS("ns/op", "µs/10 ms frame")}, aim: "≤ 50 µs per 10 ms frame", conds: []cond{le("ns/op", 50_000)},
		ref: refNSBench, expect: []string{"audio/denoise.BenchmarkProcess48k"}},
	{area: "denoise", pattern: re(`audio/denoise\.BenchmarkHybrid48k`),
		show: []show{nsToUS("cpu-ns/op", "µs CPU/10 ms frame"), nsToUS("ns/op", "µs wall")}, aim: "— (the default suppressor on its own; its aim is on BenchmarkNS/hybrid)"},
	{area: "denoise", pattern: re(`audio/denoise\.Benchmark.*`), show: []show{nsToUS("ns/op", "µs/frame")}, aim: "—"},
	{area: "denoise", pattern: re(`audio/denoise/nseval\.BenchmarkNS/ours$`),
		show: []show{nsToUS("ns/op", "µs/10 ms frame")}, aim: "≤ 50 µs per 10 ms frame", conds: []cond{le("ns/op", 50_000)}, ref: refNSBench},
	// issue 16 — the default suppressor (hybrid: RNNoise in Go with the npm package's weights + ours) and the whole path
	{area: "denoise", pattern: re(`audio/denoise/nseval\.BenchmarkNS/hybrid$`),
		show: []show{nsToUS("cpu-ns/op", "µs CPU/10 ms frame"), nsToUS("ns/op", "µs wall")}, aim: "≤ 30 µs per 10 ms frame (the default suppressor)",
		conds: []cond{le("cpu-ns/op", 30_000)}, ref: refNSBench},
	{area: "denoise", pattern: re(`audio/denoise/nseval\.BenchmarkNS/hybrid-shared$`),
		show: []show{nsToUS("cpu-ns/op", "µs CPU/10 ms frame"), nsToUS("ns/op", "µs wall")}, aim: "— (the hybrid on RNNoise's spectrum, an option: short of the STOI aim, so not the default)"},
	{area: "denoise", pattern: re(`audio/denoise/nseval\.BenchmarkNS/(rnnoise|rnnoise-go|hybrid-wasm)$`),
		show: []show{nsToUS("cpu-ns/op", "µs CPU/10 ms frame"), nsToUS("ns/op", "µs wall")}, aim: "— (learned stage: Go vs wazero)"},
	{area: "denoise", pattern: re(`audio/denoise/nseval\.BenchmarkRNNoiseNode`),
		show: []show{nsToUS("cpu-ns/op", "µs CPU/10 ms frame"), nsToUS("ns/op", "µs wall")},
		aim:  "— (reference: the npm package's rnnoise.wasm under node, V8 compiling it to native code)", expect: []string{"audio/denoise/nseval.BenchmarkRNNoiseNode"}},
	{area: "denoise", pattern: re(`audio/denoise/rnnoise\.Benchmark(Native)?Process48k`),
		show: []show{nsToUS("ns/op", "µs/10 ms frame")}, aim: "— (RNNoise alone: wazero / Go)"},
	{area: "denoise", pattern: re(`e2e\.BenchmarkNSWholePath/clean/ns=on/loss=10%`),
		show: []show{asIs("stoi", "STOI at the SIP caller (mean of runs)"), asIs("stoi-min", "lowest run"), asIs("stoi-max", "highest run")}, aim: "STOI ≥ 0.85 at 10 % loss on the operator leg, clean speech",
		conds: []cond{ge("stoi", 0.85)}, expect: []string{"e2e.BenchmarkNSWholePath/clean/ns=on/loss=10%"}},
	{area: "denoise", pattern: re(`e2e\.BenchmarkNSWholePath/.*`),
		show: []show{asIs("stoi", "STOI at the SIP caller (mean of runs)"), asIs("stoi-min", "lowest run"), asIs("stoi-max", "highest run")}, aim: "— (NS on should not be below NS off)"},
	{area: "denoise", pattern: re(`audio/denoise/nseval\.BenchmarkNS/.*/paced$`),
		show: []show{nsToUS("cpu-ns/op", "µs CPU/10 ms frame"), nsToUS("first-cpu-ns", "µs the first frame after each sleep")},
		aim:  "— (as a softphone runs it: two frames every 20 ms, the thread asleep in between)"},
	{area: "denoise", pattern: re(`audio/denoise/nseval\.BenchmarkNS/.*/cold-cache$`),
		show: []show{nsToUS("cpu-ns/op", "µs CPU/10 ms frame")}, aim: "— (each frame after 4 MiB of other writes: cold L1/L2)"},
	{area: "denoise", pattern: re(`audio/denoise/nseval\.BenchmarkNS/.*`),
		show: []show{nsToUS("ns/op", "µs/10 ms frame")}, aim: "— (reference)", extra: nsevalRows},
	{area: "audio", pattern: re(`audio\.BenchmarkResampler/.*`), show: []show{nsToUS("cpu-ns/op", "µs CPU/20 ms")}, aim: "—"},
	{area: "audio", pattern: re(`audio\.BenchmarkReadWAV/.*`), show: []show{asIs("MB/s", "MB/s")}, aim: "—"},
	{area: "audio", pattern: re(`audio/opus\.Benchmark.*`), show: []show{nsToUS("cpu-ns/op", "µs CPU/20 ms")}, aim: "—"},
	{area: "audio", pattern: re(`audio/device\.Benchmark.*`), show: []show{nsToUS("ns/op", "µs/10 ms frame")}, aim: "—"},
	// issue 6 — TUI
	{area: "tui", pattern: re(`tui\.BenchmarkInboxView/.*`), show: []show{nsToMS("ns/op", "ms/frame")},
		aim: "≤ 5 ms per frame, 10,000 chats", conds: []cond{le("ns/op", 5e6)}, expect: []string{"tui.BenchmarkInboxView/10k_80x24"}},
	{area: "tui", pattern: re(`tui\.BenchmarkInboxLiveUpdate`), show: []show{nsToMS("ns/op", "ms/update+frame")},
		aim: "≤ 5 ms per frame", conds: []cond{le("ns/op", 5e6)}},
	{area: "tui", pattern: re(`tui\.BenchmarkStartupToFirstScreen`), show: []show{nsToMS("ns/op", "ms")},
		aim: "≤ 300 ms start-up to first screen", conds: []cond{le("ns/op", 300e6)}, expect: []string{"tui.BenchmarkStartupToFirstScreen"}},
}
