#!/usr/bin/env bash
# make run: start meetd's demo (SQLite under .meet-data, a demo channel, demo
# accounts, a simulated caller over real SIP/RTP), log the operator in and
# open the meet TUI. Quitting the TUI stops everything this script started.
#
# A second TUI, e.g. as the supervisor, against the demo already running
# (another terminal):   ./scripts/demo.sh --as supervisor --attach
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-$PWD/.meet-data}
HTTP=${MEET_DEMO_HTTP:-127.0.0.1:8080}
SIP=${MEET_DEMO_SIP:-127.0.0.1:5060}
AS=operator
ATTACH=0
while [ $# -gt 0 ]; do
	case "$1" in
	--as) AS=$2; shift 2 ;;
	--attach) ATTACH=1; shift ;;
	*) echo "usage: $0 [--as operator|operator2|supervisor|admin] [--attach]" >&2; exit 2 ;;
	esac
done
case "$AS" in
operator | operator2 | supervisor | admin) ;;
*) echo "--as: one of operator, operator2, supervisor, admin" >&2; exit 2 ;;
esac
mkdir -p "$DATA"

if [ "$ATTACH" = 0 ]; then
	./bin/meetd demo --data "$DATA" --http "$HTTP" --sip "$SIP" >"$DATA/demo.out" 2>&1 &
	MEETD=$!
	cleanup() { kill "$MEETD" 2>/dev/null || true; wait "$MEETD" 2>/dev/null || true; }
	trap cleanup EXIT INT TERM
	for _ in $(seq 1 100); do
		if curl -fsS "http://$HTTP/healthz" >/dev/null 2>&1; then break; fi
		if ! kill -0 "$MEETD" 2>/dev/null; then echo "meetd demo failed to start:"; cat "$DATA/demo.out"; exit 1; fi
		sleep 0.1
	done
	cat "$DATA/demo.out"
elif ! curl -fsS "http://$HTTP/healthz" >/dev/null 2>&1; then
	echo "no demo running at $HTTP: start one with make run first" >&2
	exit 1
fi

# Each account keeps its login apart from a real one and from the others.
export XDG_CONFIG_HOME="$DATA/config-$AS"
./bin/meet login --server "http://$HTTP" --email "$AS@demo.local" --password "demo-$AS"
if [ -t 0 ] && [ -t 1 ]; then
	cat <<MSG

You will be $AS@demo.local. The accounts are kept in $DATA/demo.out.
A second TUI, e.g. as the supervisor, in another terminal:
    ./scripts/demo.sh --as supervisor --attach
Press Enter to open the TUI (? lists every key, q quits)…
MSG
	read -r _
	./bin/meet --server "http://$HTTP" --log "$DATA/meet-$AS.log"
	echo "accounts: $DATA/demo.out · a second TUI: ./scripts/demo.sh --as supervisor --attach"
else
	echo "no terminal: meetd demo keeps running; press Ctrl-C to stop"
	[ "$ATTACH" = 0 ] && wait "$MEETD"
fi
