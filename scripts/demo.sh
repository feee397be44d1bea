#!/usr/bin/env bash
# make run: start meetd's demo (SQLite under .meet-data, a demo channel, demo
# accounts, a simulated caller over real SIP/RTP), log the operator in and
# open the meet TUI. Quitting the TUI stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-$PWD/.meet-data}
HTTP=${MEET_DEMO_HTTP:-127.0.0.1:8080}
SIP=${MEET_DEMO_SIP:-127.0.0.1:5060}
mkdir -p "$DATA"

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

# Keep the demo login apart from a real one.
export XDG_CONFIG_HOME="$DATA/config"
./bin/meet login --server "http://$HTTP" --email operator@demo.local --password demo-operator
if [ -t 0 ] && [ -t 1 ]; then
	./bin/meet --server "http://$HTTP" --log "$DATA/meet.log"
else
	echo "no terminal: meetd demo keeps running; press Ctrl-C to stop"
	wait "$MEETD"
fi
