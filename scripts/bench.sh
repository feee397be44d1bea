#!/usr/bin/env bash
# Runs every benchmark of the project and prints one table (Markdown) with,
# for each, the figure, the aim from the issues and the reference it is
# compared against. `make bench` runs it after building.
#
# Environment:
#   BENCH_OUT   directory for the raw outputs (default bin/bench)
#   BENCH_MD    also write the table, dated and with the machine, to this file
#   BENCH_ONLY  run only the steps whose name matches this regex (e.g. 'tui|denoise')
#
# Heavy benchmarks use small -benchtime values (1x, 10x, 100x) so the whole
# run stays within about 15 minutes on 2 cores. A step with -rounds N (this
# script's, not go test's) runs its go test N times in a row, so each
# benchmark gets N lines, one a round; the table takes each figure's median
# and gives the range of the first. Rounds rather than -count N, which runs
# one benchmark's N runs back to back: on this shared host the speed moves
# in phases of seconds to minutes, and back to back runs let one phase land
# on a whole variant and not on the variant it is compared with. The
# 1M-chat store and the 1M-call export database are generated on first use
# and cached in the temp directory (first run: several minutes more).
set -uo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
OUT=${BENCH_OUT:-bin/bench}
mkdir -p "$OUT"
rm -f "$OUT"/*.txt

# name | package | go test arguments
STEPS=(
	"store|./server/store/sqlite/|-bench ^BenchmarkSearch1M$ -benchtime 100x -timeout 30m"
	"store-pg|./server/store/postgres/|-bench ^BenchmarkSearch1M$ -benchtime 100x -timeout 30m"
	"store-pg-writes|./server/store/postgres/|-bench ^BenchmarkConcurrentWrites$ -benchtime 1x"
	"export|./server/stats/|-bench ^BenchmarkExport1M$ -benchtime 1x -timeout 30m"
	"cluster-events|./server/cluster/|-bench ^BenchmarkEventFanout$ -benchtime 2000x"
	"cluster-cps|./e2e/|-bench ^BenchmarkClusterCPS$ -benchtime 1x -timeout 20m"
	"cluster-failure|./e2e/|-bench ^BenchmarkClusterNodeFailure$ -benchtime 1x -timeout 10m"
	"routing|./server/routing/|-bench . -benchtime 500ms"
	"calls|./server/calls/|-bench . -benchtime 1s"
	"room|./server/room/|-bench ^(BenchmarkCallCPU|BenchmarkRoom10Party|BenchmarkRoom10PartyTwoTalking|BenchmarkGuidanceCall|BenchmarkGuidanceCallFullMix|BenchmarkUp6|BenchmarkDown6|BenchmarkAudioResampler.*|BenchmarkJitter|BenchmarkNarrowDownlink|BenchmarkGiveBackSpeech)$ -benchtime 500ms"
	# Three rounds: one 3 s window of meetd's CPU at 200 calls has
	# measured anywhere from 57 to 105 µs per call-tick within minutes on
	# this host, so the table gives the median and the range, and each
	# variant (io_uring, sendto, own tickers, the floor) runs once a round.
	"room-load|./server/room/|-bench ^(BenchmarkConcurrentCalls|BenchmarkNetworkCalls|BenchmarkIdleOperators|BenchmarkPacketFloor|BenchmarkGuidanceRooms)$ -benchtime 1x -rounds 3"
	"room-attach|./server/room/|-bench ^BenchmarkAttachToTwoWayAudio$ -benchtime 10x"
	"recording|./server/recording/|-bench ^BenchmarkRecorderCPU$ -benchtime 1s"
	"accept-audio|./server/telephony/|-bench ^BenchmarkAcceptToTwoWayAudio$ -benchtime 10x"
	"mouth-to-ear|./server/telephony/|-bench ^BenchmarkMouthToEar$ -benchtime 2x"
	"mixer|./audio/mixer/|-bench . -benchtime 300ms"
	"trunk|./server/trunk/|-bench ^(BenchmarkInviteAnswerBye|BenchmarkJitter)$ -benchtime 1s"
	"trunk-sipp|./server/trunk/|-bench ^BenchmarkSippCPS$ -benchtime 1x"
	"e2e-sipp|./e2e/|-bench ^BenchmarkSippCPS$ -benchtime 1x -timeout 15m"
	"e2e-ivr|./e2e/|-bench ^BenchmarkIVRDecision$ -benchtime 20x -timeout 5m"
	"e2e-shed|./e2e/|-bench ^BenchmarkSippShed$ -benchtime 1x -timeout 10m"
	"login-flood|./e2e/|-bench ^BenchmarkLoginFlood$ -benchtime 1x -timeout 10m"
	# Three rounds of one call each, for the same reason as room-load:
	# the same phone code has measured 2.05 to 2.84 % of a core in a call
	# from one run to the next on this host; the table gives the median and
	# the range, and each variant runs once a round.
	"phone-process|./e2e/|-bench ^BenchmarkMeetPhoneCPU$ -benchtime 1x -rounds 3 -timeout 10m"
	"softphone|./softphone/|-bench ^(BenchmarkClientPipeline|BenchmarkJitter|BenchmarkOpusComplexity)$ -benchtime 1s -run ^TestPipelineDelay$ -v"
	"softphone-call|./softphone/|-bench ^(BenchmarkClientLatency|BenchmarkPhoneCPU)$ -benchtime 1x"
	"audio|./audio/ ./audio/opus/ ./audio/device/|-bench . -benchtime 300ms"
	"denoise|./audio/denoise/ ./audio/denoise/rnnoise/|-bench . -benchtime 1s"
	"nseval|./audio/denoise/nseval/|-tags nseval -bench ^BenchmarkRNNoiseNode$ -benchtime 1s -run ^TestNSEval$ -v -timeout 20m"
	# Five rounds of every suppressor, the table shows the median and the
	# range: on the shared host one 1 s run landed on either of two speeds
	# about 35 % apart (BENCHMARKS.md of 2026-12-04).
	"nseval-speed|./audio/denoise/nseval/|-tags nseval -bench ^BenchmarkNS$ -benchtime 1s -rounds 5 -timeout 20m"
	"e2e-nspath|./e2e/|-bench ^BenchmarkNSWholePath$ -benchtime 1x -timeout 30m"
	"tui|./tui/|-bench . -benchtime 1s"
)

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime; }
load0=$(load)
# Say how busy the machine was: with other work running, wall-clock figures
# (ns/op, calls/s, lateness) are pessimistic; CPU-time figures less so.
if awk -v l="${load0%% *}" 'BEGIN { exit !(l < 0.5) }'; then
	quiet="Nothing else ran on the machine (load below 0.5 at the start); the steps run one after another."
else
	quiet="The machine was shared with other work while this ran (see the load averages), so wall-clock figures (ns/op, calls/s, lateness) are pessimistic; CPU-time figures are less affected."
fi
start=$SECONDS
i=0
set -f # the -bench regexes are not globs
for s in "${STEPS[@]}"; do
	IFS='|' read -r name pkgs args <<<"$s"
	i=$((i + 1))
	if [[ -n "${BENCH_ONLY:-}" && ! $name =~ ${BENCH_ONLY} ]]; then
		continue
	fi
	f=$(printf '%s/%02d-%s.txt' "$OUT" "$i" "$name")
	t0=$SECONDS
	printf '%-12s %-45s ' "$name" "$pkgs" >&2
	# -run '^$' unless the step names tests to run; word splitting of $args
	# and $pkgs is intended.
	run=(-run '^$')
	[[ $args == *"-run "* ]] && run=()
	rounds=1
	if [[ $args =~ (^|[[:space:]])-rounds[[:space:]]+([0-9]+) ]]; then
		rounds=${BASH_REMATCH[2]}
		args=${args/${BASH_REMATCH[0]}/}
	fi
	rc=0
	: >"$f.tmp"
	for ((round = 1; round <= rounds; round++)); do
		# shellcheck disable=SC2086
		$GO test -count 1 "${run[@]}" $args $pkgs >>"$f.tmp" 2>&1
		r=$?
		[[ $rc -eq 0 ]] && rc=$r
	done
	secs=$((SECONDS - t0))
	{ echo "# step $name pkg=${pkgs// /,} exit=$rc seconds=$secs"; cat "$f.tmp"; } >"$f"
	rm -f "$f.tmp"
	if [[ $rc -ne 0 ]]; then
		printf '%4ss  exit %d (see %s)\n' "$secs" "$rc" "$f" >&2
		grep -E '^(--- FAIL|FAIL|#|.*\.go:[0-9]+:)' "$f" | head -5 | sed 's/^/      /' >&2
	else
		printf '%4ss\n' "$secs" >&2
	fi
done
set +f
total=$((SECONDS - start))

table=$("$GO" run ./scripts/benchtable "$OUT"/*.txt) || { echo "bench: no table (raw outputs in $OUT)" >&2; exit 1; }
notes=$(
	grep -hoE 'generated [0-9]+ chats in [^:]+' "$OUT"/*.txt | sed 's/^/- first run: /'
	grep -hoE 'rate +[0-9]+/s: [0-9]+ calls, .*' "$OUT"/*-e2e-sipp.txt 2>/dev/null | sed 's/^/- e2e BenchmarkSippCPS /'
	grep -hoE '[0-9]+ calls handled in the [0-9]+ s window: .*' "$OUT"/*-e2e-sipp.txt 2>/dev/null | sed 's/^/- e2e BenchmarkSippCPS /'
)
machine="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(uname -sr), $("$GO" env GOVERSION)"
header="Benchmarks of meet/meetd, $(date -u '+%Y-%m-%d %H:%M UTC'); ${machine}; load average at start ${load0}, at end $(load); total ${total} s."

echo "$header"
echo
echo "$table"
[[ -n $notes ]] && { echo; echo "$notes"; }
echo
echo "Raw outputs: $OUT/"
if [[ -n "${BENCH_MD:-}" ]]; then
	{
		echo "# Benchmarks"
		echo
		echo "$header"
		echo
		echo "Produced by \`make bench\` (scripts/bench.sh → scripts/benchtable). \"Met\" compares the figure with the"
		echo "aim of the issue. $quiet"
		echo
		echo "$table"
		[[ -n $notes ]] && { echo; echo "$notes"; }
	} >"$BENCH_MD"
	echo "wrote $BENCH_MD"
fi
