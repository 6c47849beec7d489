#!/usr/bin/env bash
# load.sh — measure request latency under load with and without the console attached.
#
# Usage: scripts/load.sh BINARY [RATE] [DURATION] [ROUNDS]
#
#   BINARY    the scimlab binary (go build -o /tmp/scimlab .)
#   RATE      requests per second (default 1000)
#   DURATION  of each run (default 60s)
#   ROUNDS    A/B rounds, interleaved so machine noise hits both alike (default 2)
#
# Each run starts a fresh database and sends an IdP-like mix with vegeta: 90% user
# lookups (GET /Users?filter=userName eq "…", half of them hits) and 10% creates of new
# users. "serve" runs scimlab serve headless; "console" runs the console in a 200x50
# tmux window on the Requests tab, following every request live. For each run it prints
# vegeta's latency report, and the process's peak and final RSS and CPU seconds. Halfway
# through a console run it presses 3 (Users) and then 2 (Requests) and reports how long
# each took to show on the screen: keys must still be answered under the flood.
# Needs vegeta (go install github.com/tsenart/vegeta/v12@v12.13.0), tmux and curl.
set -euo pipefail

BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
RATE=${2:-1000}
DURATION=${3:-60s}
ROUNDS=${4:-2}
PORT=18777
TOKEN=load-test-token-0123456789
BASE=http://127.0.0.1:$PORT/scim/v2
VEGETA=$(command -v vegeta || echo "$HOME/go/bin/vegeta")
WORK=$(mktemp -d)
SESSION=scimlab-load-$$
SERVE_PID=
trap 'tmux kill-session -t "$SESSION" 2>/dev/null || true; [[ -n $SERVE_PID ]] && kill "$SERVE_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

# Targets: enough distinct requests for the whole run, so every create is a new user.
secs=${DURATION%s}
total=$((RATE * secs))
python3 - "$WORK/targets.json" "$BASE" "$TOKEN" "$total" <<'PY'
import base64, json, sys
path, base, token, total = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
hdr = {"Authorization": ["Bearer " + token], "Accept": ["application/scim+json"],
       "User-Agent": ["Okta SCIM Client 1.0.0"]}
with open(path, "w") as f:
    created = 0
    for i in range(total):
        if i % 10 == 0:
            body = json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                               "userName": f"load{created}@example.com",
                               "name": {"givenName": "Load", "familyName": str(created)},
                               "emails": [{"value": f"load{created}@example.com", "type": "work", "primary": True}],
                               "active": True})
            created += 1
            t = {"method": "POST", "url": base + "/Users",
                 "header": dict(hdr, **{"Content-Type": ["application/scim+json"]}),
                 "body": base64.b64encode(body.encode()).decode()}
        else:
            who = f"load{(i // 20) % max(created, 1)}@example.com" if i % 2 else f"nobody{i}@example.com"
            q = 'filter=userName%20eq%20%22' + who + '%22'
            t = {"method": "GET", "url": base + "/Users?" + q, "header": hdr}
        f.write(json.dumps(t) + "\n")
PY

# key_time KEY TEXT: presses KEY in the console and prints how many milliseconds
# passed until TEXT is on the screen (or "no answer" after 10 s).
key_time() {
	local start now
	start=$(date +%s%N)
	tmux send-keys -t "$SESSION" "$1"
	while true; do
		tmux capture-pane -p -t "$SESSION" | grep -q "$2" && break
		now=$(date +%s%N)
		if ((now - start > 10000000000)); then
			echo "no answer"
			return
		fi
		sleep 0.01
	done
	now=$(date +%s%N)
	echo "$(((now - start) / 1000000)) ms"
}

wait_up() {
	for _ in $(seq 100); do
		curl -s -o /dev/null "$BASE/ServiceProviderConfig" && return 0
		sleep 0.1
	done
	echo "load: scimlab did not start" >&2
	exit 1
}

measure() { # measure MODE ROUND
	local mode=$1 round=$2 db=$WORK/$1-$2.db pid
	local env=(env XDG_CONFIG_HOME=$WORK/config XDG_STATE_HOME=$WORK/state XDG_DATA_HOME=$WORK/data NGROK_AUTHTOKEN=)
	if [[ $mode == serve ]]; then
		"${env[@]}" "$BIN" serve --listen 127.0.0.1:$PORT --token "$TOKEN" --db "$db" --no-tunnel >/dev/null 2>&1 &
		pid=$!
		SERVE_PID=$pid
	else
		tmux new-session -d -s "$SESSION" -x 200 -y 50 \
			"exec ${env[*]} TERM=xterm-256color '$BIN' --listen 127.0.0.1:$PORT --token '$TOKEN' --db '$db' --no-tunnel"
		wait_up
		pid=$(pgrep -f "^$BIN --listen 127.0.0.1:$PORT" | head -1)
		tmux send-keys -t "$SESSION" 2
	fi
	wait_up
	local cpu0 tmux0 tmuxpid
	cpu0=$(awk '{print $14+$15}' /proc/"$pid"/stat)
	# The terminal's own work (tmux parsing and drawing the console) competes for the
	# same cores, so it is reported too.
	tmuxpid=$(pgrep -x tmux -n -u "$(id -u)" || pgrep -f '^tmux' | head -1 || true)
	[[ $mode == console && -n $tmuxpid ]] && tmux0=$(awk '{print $14+$15}' /proc/"$tmuxpid"/stat)
	local keys_pid=
	if [[ $mode == console ]]; then
		(
			sleep "$((secs / 2))"
			echo "key 3 (Users) shown after $(key_time 3 USERNAME)" >"$WORK/keys"
			echo "key 2 (Requests) shown after $(key_time 2 'METHOD ST')" >>"$WORK/keys"
		) &
		keys_pid=$!
	fi
	"$VEGETA" attack -targets "$WORK/targets.json" -format json -rate "$RATE" -duration "$DURATION" \
		-max-workers 256 >"$WORK/$mode-$round.bin"
	[[ -n $keys_pid ]] && wait "$keys_pid"
	local cpu1 hz
	cpu1=$(awk '{print $14+$15}' /proc/"$pid"/stat)
	hz=$(getconf CLK_TCK)
	echo "== $mode, round $round"
	"$VEGETA" report -type text <"$WORK/$mode-$round.bin" | grep -E 'Requests|Latencies|Success|Status Codes|Error' || true
	[[ $mode == console ]] && cat "$WORK/keys"
	printf 'process: peak RSS %s MB, RSS now %s MB, CPU %.1f s\n' \
		"$(awk '/VmHWM/{printf "%.1f", $2/1024}' /proc/"$pid"/status)" \
		"$(awk '/VmRSS/{printf "%.1f", $2/1024}' /proc/"$pid"/status)" \
		"$(echo "($cpu1 - $cpu0) / $hz" | bc -l)"
	if [[ $mode == console && -n ${tmux0:-} ]]; then
		printf 'terminal (tmux server): CPU %.1f s\n' "$(echo "($(awk '{print $14+$15}' /proc/"$tmuxpid"/stat) - $tmux0) / $hz" | bc -l)"
	fi
	if [[ $mode == console ]]; then
		tmux capture-pane -p -t "$SESSION" | sed -n '1,4p'
		tmux send-keys -t "$SESSION" q
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		tmux kill-session -t "$SESSION" 2>/dev/null || true
	else
		kill -INT "$pid"
		wait "$pid" || true
		SERVE_PID=
	fi
}

for round in $(seq "$ROUNDS"); do
	measure serve "$round"
	measure console "$round"
done
