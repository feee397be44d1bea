#!/usr/bin/env bash
# Drives `meetd demo` and four real meet TUIs in tmux (operator, supervisor,
# NO_COLOR at 60x20, Japanese at 80x24) and captures their screens with
# tmux capture-pane into $OUT/NN-name.txt, the material of docs/tour.md.
# Needs bin/ (make build), tmux, sox and curl; ports 18090 and 15090 free.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${B:-$PWD/bin}; T=${TOUR:-/tmp/meet-tour}; OUT=$T/cap; DATA=$T/data
rm -rf "$OUT" "$DATA"; mkdir -p "$OUT" "$DATA"
HTTP=127.0.0.1:18090; SIP=127.0.0.1:15090
sox -n -r 48000 -c 1 $T/mic.wav synth 600 sine 440 vol 0.1 2>/dev/null
$B/meetd demo --data "$DATA" --http $HTTP --sip $SIP --caller-every 12s >"$DATA/demo.out" 2>&1 &
MEETD=$!
trap 'tmux kill-session -t olivia 2>/dev/null; tmux kill-session -t sam 2>/dev/null; tmux kill-session -t yui 2>/dev/null; tmux kill-session -t mono 2>/dev/null; kill $MEETD; wait $MEETD' EXIT
for _ in $(seq 100); do curl -fsS http://$HTTP/healthz >/dev/null 2>&1 && break; sleep 0.1; done
cp "$DATA/demo.out" "$OUT/00-demo.txt"
tui() { # name email password w h env...
  local name=$1 email=$2 pw=$3 w=$4 h=$5; shift 5
  local home=$T/home-$name; mkdir -p $home
  env HOME=$home XDG_CONFIG_HOME=$home/config "$@" $B/meet login --server http://$HTTP --email $email --password $pw >/dev/null
  tmux -u new-session -d -s $name -x $w -y $h "env HOME=$home XDG_CONFIG_HOME=$home/config XDG_CACHE_HOME=$home/cache $* $B/meet --log $home/meet.log --input-wav $T/mic.wav --output-wav $home/spk.wav"
}
cap() { tmux capture-pane -p -t $1 | sed -e 's/[[:space:]]*$//' > "$OUT/$2.txt"; }
waitfor() { # session text timeout
  for _ in $(seq $(( ${3:-60} * 10 ))); do tmux capture-pane -p -t $1 | grep -qF -- "$2" && return 0; sleep 0.1; done
  echo "timeout waiting for $2 in $1" >&2; tmux capture-pane -p -t $1 >&2; return 1
}
keys() { local s=$1; shift; for k in "$@"; do tmux send-keys -t $s "$k"; sleep 0.3; done; }
text() { tmux send-keys -t $1 -l "$2"; sleep 0.3; }

tui olivia operator@demo.local demo-operator 100 30
tui sam supervisor@demo.local demo-supervisor 100 30
waitfor olivia "online" 20; waitfor sam "online" 20
# a call rings
waitfor olivia "Incoming call" 90 && sleep 0.5 && cap olivia 01-ringing
keys olivia a
waitfor olivia "in call with" 20; sleep 4; cap olivia 02-in-call
# supervisor's board, listen in
keys sam v; waitfor sam "Live calls (1)" 20; sleep 1; cap sam 03-board
keys sam l; waitfor sam "listen" 20; sleep 2; cap sam 04-listening
keys sam W; sleep 2
# memo, message, tag during the call
keys olivia n; text olivia "wants a refund for order 1182"; keys olivia Enter
keys olivia i; text olivia "@sam can you approve?"; keys olivia Enter
keys olivia t; text olivia "refund"; keys olivia Enter
waitfor sam "Olivia Operator to you in chat" 20; cap sam 05-mention
sleep 1; cap olivia 06-memo-tag
keys sam L
# the customer hangs up (TalkFor 40 s) or we hang up
keys olivia h; waitfor olivia "call ended" 60; sleep 1; cap olivia 07-call-ended
keys olivia c; sleep 1; cap olivia 08-closed-undo
keys olivia Escape
# dial: channel choice
keys olivia C; sleep 0.5; cap olivia 09-dial-prompt; keys olivia Escape
# missed calls
keys olivia 4; waitfor olivia "missed:" 180; sleep 1; cap olivia 10-missed
keys olivia f; text olivia "reason:cal"; keys olivia Tab; sleep 0.5; cap olivia 11-filter-complete; keys olivia Escape
keys olivia Enter; sleep 2; cap olivia 12-missed-chat
keys olivia b; waitfor olivia "callback of chat" 30; sleep 6; cap olivia 13-callback
keys olivia h; sleep 2; keys olivia Escape Escape
# stats, settings, help
keys sam Escape S; waitfor sam "service level" 20; cap sam 14-stats
keys olivia , ; waitfor olivia "Do not disturb" 20; sleep 1; cap olivia 15-settings; keys olivia Escape
keys olivia S; sleep 0.5; cap olivia 16-operator-stats
# NO_COLOR at 60x20 and Japanese at 80x24
tui mono operator2@demo.local demo-operator2 60 20 NO_COLOR=1
waitfor mono "online" 20; keys mono 3; sleep 2; cap mono 17-nocolor-60x20
tmux capture-pane -p -e -t mono > "$OUT/17-nocolor-60x20.esc"
tui yui admin@demo.local demo-admin 80 24 LANG=ja_JP.UTF-8
waitfor yui "オンライン" 20; keys yui 4; sleep 2; cap yui 18-ja-missed
keys yui Enter; sleep 2; keys yui n; text yui "折り返し希望。明日の午前中に再度お電話します。"; sleep 0.5; cap yui 19-ja-memo-typing
keys yui Enter; sleep 2; cap yui 20-ja-chat
echo done
