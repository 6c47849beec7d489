#!/usr/bin/env bash
# startup.sh — how long `scimlab serve` takes to be ready on an existing lab.
#
# Usage: scripts/startup.sh BINARY DB [RUNS]
#
#   BINARY  the scimlab binary
#   DB      the lab's database file (the request log beside it is used too)
#   RUNS    how many starts to time (default 5)
#
# Each run starts `BINARY serve` on DB and reports the milliseconds until it prints
# "SCIM base URL", which it does once the listener answers. The file is read with a
# shell builtin in a busy loop, so no process is started while the clock runs; a
# curl afterwards checks that the server answers. Reads are answered from then on;
# writes wait for the integrity check of the lab's files, which goes on after the
# start, and whose end serve logs ("passed the integrity check", after how long since
# the start began): the run reports it too, where the build logs it.
set -euo pipefail

BIN=$1
DB=$2
RUNS=${3:-5}
PORT=18797
DIR=$(dirname "$DB")
for _ in $(seq "$RUNS"); do
	out=$(mktemp)
	errs=$(mktemp)
	start=$(date +%s%N)
	XDG_CONFIG_HOME=$DIR XDG_DATA_HOME=$DIR XDG_STATE_HOME=$DIR NGROK_AUTHTOKEN= \
		"$BIN" serve --listen 127.0.0.1:$PORT --db "$DB" --no-tunnel >"$out" 2>"$errs" &
	pid=$!
	until [[ $(<"$out") == *"SCIM base URL"* ]]; do
		kill -0 "$pid" 2>/dev/null || { echo "startup: the server exited" >&2; exit 1; }
	done
	ready=$(date +%s%N)
	status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/scim/v2/ServiceProviderConfig")
	sleep 2
	checked=$(sed -n 's/.*passed the integrity check.* after=\([^ ]*\).*/\1/p' "$errs")
	echo "ready after $(((ready - start) / 1000000)) ms (then answered $status)${checked:+; integrity check passed $checked after the start began}"
	kill -INT "$pid"
	wait "$pid" || true
	rm -f "$out" "$errs"
done
