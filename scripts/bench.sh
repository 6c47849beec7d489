#!/usr/bin/env bash
# bench.sh — the load phases of docs/performance.md against one or more scimlab builds.
#
# Usage: scripts/bench.sh [-u USERS] [-c CONCURRENCY] [-r ROUNDS] [-s SCENARIO] [-i IDP] SIM SERVER...
#
#   SIM        the scimlab binary whose `simulate` sends the load (it needs the scenario)
#   SERVER...  scimlab binaries to measure, e.g. the build before a change and after it
#   -u USERS   users the scenario works on (default 10000)
#   -c N       concurrent clients (default 16)
#   -r ROUNDS  rounds; each round runs every server once, in turn, so machine noise hits
#              all of them alike (default 3)
#   -s NAME    scenario (default bench: create, lookup, deactivate)
#   -i IDP     okta or entra, as the scenario says (default okta)
#
# Each run starts `SERVER serve` on a fresh database in a temporary directory, waits
# until it answers, plays the scenario with `SIM simulate --target`, and prints one line
# per step (requests/s) and per request kind (p50/p99), the server's CPU time per
# request, and the machine's load average before the run. Every request is logged by
# the server, as in normal use.
set -euo pipefail

USERS=10000 CONC=16 ROUNDS=3 SCENARIO=bench IDP=okta
while getopts u:c:r:s:i: opt; do
	case $opt in
	u) USERS=$OPTARG ;;
	c) CONC=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	s) SCENARIO=$OPTARG ;;
	i) IDP=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[[ $# -ge 2 ]] || { sed -n '2,18p' "$0"; exit 2; }
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
SIM=$(abs "$1")
shift
SERVERS=()
for s in "$@"; do SERVERS+=("$(abs "$s")"); done

PORT=18779
TOKEN=bench-token-0123456789abcdef
BASE=http://127.0.0.1:$PORT/scim/v2
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
	[[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

wait_up() {
	for _ in $(seq 200); do
		curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/ServiceProviderConfig" && return 0
		sleep 0.05
	done
	echo "bench: the server did not start" >&2
	exit 1
}

measure() { # measure SERVER ROUND
	local bin=$1 round=$2 dir=$WORK/run-$2-$RANDOM
	mkdir -p "$dir"
	XDG_CONFIG_HOME=$dir XDG_DATA_HOME=$dir XDG_STATE_HOME=$dir NGROK_AUTHTOKEN= \
		"$bin" serve --listen 127.0.0.1:$PORT --token "$TOKEN" --db "$dir/lab.db" --no-tunnel >/dev/null 2>"$dir/stderr" &
	SERVER_PID=$!
	wait_up
	local load
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	"$SIM" simulate "$IDP" --scenario "$SCENARIO" --target "$BASE" --token "$TOKEN" \
		--users "$USERS" --concurrency "$CONC" --json >"$dir/report.json" || true
	# The server's CPU time over the run (user + system), which other processes on
	# the machine disturb far less than they disturb requests per second.
	local ticks
	ticks=$(awk '{print $14 + $15}' /proc/"$SERVER_PID"/stat)
	kill -INT "$SERVER_PID"
	wait "$SERVER_PID" || true
	SERVER_PID=
	jq -r --arg bin "$bin" --arg round "$round" --arg load "$load" --argjson cpu "$(echo "$ticks / $(getconf CLK_TCK)" | bc -l)" '
		"== \($bin) round \($round) (load average before: \($load)) passed=\(.passed)",
		"server CPU \($cpu*100|round/100)s for \(.requests) requests = \($cpu/.requests*1e6|round)µs/request",
		(.steps[] | "step \(.index) \(.title): \(.requests) requests in \(.elapsedNs/1e9*1000|round/1000)s = \(.requestsPerSecond|round)/s"),
		(.latency[] | "  \(.kind): n=\(.count) errors=\(.errors) p50=\(.p50Ns/1e6*100|round/100)ms p99=\(.p99Ns/1e6*100|round/100)ms max=\(.maxNs/1e6*100|round/100)ms")
	' "$dir/report.json"
	rm -rf "$dir"
}

for round in $(seq "$ROUNDS"); do
	for bin in "${SERVERS[@]}"; do
		measure "$bin" "$round"
	done
done
