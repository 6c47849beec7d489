#!/usr/bin/env bash
# tmux-smoke.sh — drive the scimlab console in a real terminal (tmux) against a real
# server, send requests with curl, and check what each screen shows.
#
# Usage: scripts/tmux-smoke.sh BINARY PORT [CAPTURE_DIR]
#
#   BINARY       the scimlab binary to test (e.g. built with: go build -o /tmp/scimlab .)
#   PORT         a free local TCP port for the SCIM server
#   CAPTURE_DIR  where to keep the pane captures (default: a temporary directory)
#
# It runs "BINARY --listen 127.0.0.1:PORT --token T --db F --no-tunnel" (the console is
# what a bare scimlab runs) twice, at 80x24 and at 200x50, with a throw-away database and
# config directory, resizes the window once to check the layout survives, and plays the
# Okta and Entra demos against its own server until each walkthrough is ticked; then once
# more with a console log directory that cannot be made. It exits non-zero at the first
# screen that does not show what it should, printing that capture. Needs tmux and curl.
#
# The pane captures are plain text, so they also serve as screenshot-like material for
# the README.
set -euo pipefail
export LC_ALL=C.UTF-8 # ${#line} counts characters, not bytes

if [[ $# -lt 2 ]]; then
	sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
PORT=$2
OUT=${3:-}
for tool in tmux curl; do
	command -v "$tool" >/dev/null || { echo "tmux-smoke: $tool is required" >&2; exit 2; }
done
[[ -x $BIN ]] || { echo "tmux-smoke: $BIN is not an executable" >&2; exit 2; }

WORK=$(mktemp -d)
[[ -n $OUT ]] || OUT=$WORK/captures
mkdir -p "$OUT"
SESSION=scimlab-smoke-$$
TOKEN=smoke-$(date +%s)-token
BASE=http://127.0.0.1:$PORT/scim/v2

cleanup() {
	tmux kill-session -t "$SESSION" 2>/dev/null || true
	# Keep the work directory only when the captures live in it.
	[[ $OUT == "$WORK"/* ]] || rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '\n== %s\n' "$*"; }

fail() { # fail MESSAGE [CAPTURE]: report and stop
	echo "FAIL $1" >&2
	[[ -n ${2:-} ]] && cat "$2" >&2
	echo "captures in $OUT" >&2
	exit 1
}

capture() { # capture NAME: save the visible pane, print its path
	local f=$OUT/$1.txt
	tmux capture-pane -p -t "$SESSION" >"$f"
	echo "$f"
}

# expect NAME TEXT...: capture the pane and require every TEXT in it.
expect() { expect_within 30 "$@"; }

# expect_within TRIES NAME TEXT...: expect, trying TRIES times 0.2 s apart.
expect_within() {
	local most=$1 name=$2
	shift 2
	local f tries=0
	while :; do
		f=$(capture "$name")
		local missing=""
		for want in "$@"; do
			grep -qF -- "$want" "$f" || missing="$want"
		done
		[[ -z $missing ]] && { echo "ok   $name"; return 0; }
		tries=$((tries + 1))
		if ((tries > most)); then
			fail "$name: missing \"$missing\"" "$f"
		fi
		sleep 0.2
	done
}

# expect_not NAME TEXT: the pane must not show TEXT.
expect_not() {
	local f
	f=$(capture "$1")
	if grep -qF -- "$2" "$f"; then
		fail "$1: shows \"$2\"" "$f"
	fi
	echo "ok   $1 (${3:-hides secret})"
}

# frame W H NAME: the pane is exactly H lines, the tab bar is on the first and the key
# help on the last, so nothing scrolled or wrapped.
frame() {
	local w=$1 h=$2 f
	f=$(capture "$3")
	local lines first last
	lines=$(wc -l <"$f")
	first=$(head -n1 "$f")
	last=$(tail -n1 "$f")
	if [[ $lines -ne $h || $first != *scimlab* || $last != *"?"* ]]; then
		fail "$3: layout broken at ${w}x${h} ($lines lines)" "$f"
	fi
	local line
	while IFS= read -r line; do
		((${#line} <= w)) || fail "$3: a line is wider than $w: $line" "$f"
	done <"$f"
	echo "ok   $3 (frame ${w}x${h})"
}

key() { tmux send-keys -t "$SESSION" "$@"; sleep 0.3; }

scim() { # scim METHOD PATH [BODY] [TOKEN] [USER_AGENT]
	local method=$1 path=$2 body=${3:-} tok=${4:-$TOKEN} ua=${5:-curl-smoke}
	local args=(-sS -o /dev/null -w '%{http_code}' -X "$method" -H "Authorization: Bearer $tok" -A "$ua"
		-H 'Accept: application/scim+json')
	[[ -n $body ]] && args+=(-H 'Content-Type: application/scim+json' --data-raw "$body")
	curl "${args[@]}" "$BASE$path"
}

run() { # run W H
	local w=$1 h=$2 tag=${1}x${2}
	local db=$WORK/$tag.db
	log "console at $tag"
	tmux kill-session -t "$SESSION" 2>/dev/null || true
	start_console "$w" "$h" "$db" "$WORK/state"

	log "a second server on the same database is refused, naming the first"
	local refused rc=0
	refused=$("$BIN" serve --listen 127.0.0.1:0 --db "$db" --no-tunnel 2>&1) || rc=$?
	if ((rc == 0)) || [[ $refused != *"already serving the database"* || $refused != *"127.0.0.1:$PORT"* ]]; then
		fail "$tag: a second serve on $db: exit $rc: $refused"
	fi
	echo "ok   $tag-00-second-server-refused"

	expect "$tag-01-connection" "SCIM base URL" "$BASE" "Bearer token" "local only" "SCIM connector base URL" "Tenant URL" "Secret Token"
	expect_not "$tag-01-connection-masked" "$TOKEN"
	frame "$w" "$h" "$tag-01-frame"
	key v
	expect "$tag-02-token-revealed" "$TOKEN"
	key v
	# No SSH, no display and no clipboard tool in this session: the copy goes to the
	# terminal as OSC 52, and the notice says it may not arrive.
	key t
	expect "$tag-02-copy-osc52" "Sent the bearer token to the terminal's clipboard (OSC 52)" "press v to show it"

	log "requests from curl (Okta- and Entra-shaped)"
	echo "test connection: $(scim GET '/Users?startIndex=1&count=2' '' "$TOKEN" 'Okta SCIM Client 1.0.0')"
	echo "create alice:    $(scim POST /Users '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@example.com","name":{"givenName":"Alice","familyName":"Example"},"active":true}' "$TOKEN" 'Okta SCIM Client 1.0.0')"
	echo "create group:    $(scim POST /Groups '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[]}' "$TOKEN" 'Okta SCIM Client 1.0.0')"
	echo "stale token:     $(scim GET /Users '' wrong-token)"
	echo "not found:       $(scim GET /Users/00000000-0000-4000-8000-000000000000)"
	echo "entra probe:     $(scim GET '/Users?filter=userName+eq+%226a2bd1a4-6c1a-4e8f-9a43-ad3a1ac9c2f1%22' '' "$TOKEN" 'Azure AD SCIM Background Worker')"

	key 2
	expect "$tag-03-requests" "POST" "/Users" "201" "401" "/Groups" "live"
	frame "$w" "$h" "$tag-03-frame"
	key Up
	expect "$tag-04-paused" "paused"
	echo "while paused:    $(scim GET '/Users?startIndex=1&count=2' '' "$TOKEN" 'Okta SCIM Client 1.0.0')"
	expect "$tag-04-paused-new" "1 new"
	key End
	expect "$tag-05-follow" "live"
	key m m
	expect "$tag-06-filter-post" "filter" "POST"
	key x
	key i
	expect "$tag-06-filter-okta" "filter Okta" "/Groups"
	key i
	expect "$tag-06-filter-entra" "filter Entra" "1 of"
	expect_not "$tag-06-filter-entra-only" "POST" "no Okta POST shown"
	key i
	expect "$tag-06-filter-neither" "filter not Okta/Entra" "401"
	key x
	key / a l i c e Enter
	expect "$tag-07-search" "alice"
	key x
	key Up Up Up Up Enter
	expect "$tag-08-inspector" "Request" "Authorization: Bearer [redacted]"
	expect_not "$tag-08-inspector-redacted" "$TOKEN"
	key G
	expect "$tag-08-inspector-response" "\"location\""
	key v
	expect "$tag-08-curl-shown" "as a curl command" "Authorization: Bearer \$SCIMLAB_TOKEN"
	key Escape
	key Escape

	key 3
	expect "$tag-09-users" "alice@example.com" "USERNAME"
	key Enter
	expect "$tag-10-user-detail" "alice@example.com" "History" "SCIM JSON"
	key Escape
	key 4
	expect "$tag-11-groups" "Engineering"
	key 5
	expect "$tag-12-walkthrough" "walkthrough"
	key p
	expect "$tag-13-presenter" "What just happened"
	key p
	key '?'
	expect "$tag-14-help" "All keys, by tab" "5 Walkthrough ◂ this tab" "Okta walkthrough"
	key End
	expect "$tag-14-help-end" "Dialogs" "confirm"
	key 3
	expect "$tag-14-help-users" "3 Users · 4 Groups ◂ this tab"
	key Escape
	expect "$tag-14-help-closed" "USERNAME"
	key 5

	log "resize"
	tmux resize-window -t "$SESSION" -x 100 -y 30 2>/dev/null || tmux resize-pane -t "$SESSION" -x 100 -y 30
	sleep 0.5
	key 2
	frame 100 30 "$tag-15-resized"
	tmux resize-window -t "$SESSION" -x "$w" -y "$h" 2>/dev/null || tmux resize-pane -t "$SESSION" -x "$w" -y "$h"
	sleep 0.5
	frame "$w" "$h" "$tag-16-restored"

	log "demo: Okta and Entra played against this server at the fastest pace"
	demo "$w" "$h" "$tag-18-demo-okta" 0 "Okta walkthrough"
	demo "$w" "$h" "$tag-19-demo-entra" 2 "Microsoft Entra ID walkthrough"

	log "labs: create one and switch to it in-process; the address and token stay"
	key 7
	expect "$tag-16-labs" "Labs" "serving the database" "NAME"
	key n
	tmux send-keys -t "$SESSION" -l "smoke-$w"
	key Enter
	expect "$tag-16-labs-create" "Create the lab smoke-$w?"
	key y
	sleep 0.5
	expect "$tag-16-labs-created" "smoke-$w ●" "serving"
	local status
	status=$(scim GET "/Users/$(printf 'no-such-%s' "$w")")
	[[ $status == 404 ]] || fail "$tag: the new lab answers $status to the token the IdP had, want 404 (empty lab)"
	echo "ok   $tag-16-labs-same-token"
	key 2
	expect "$tag-16-labs-requests" "smoke-$w"

	log "quit"
	key q
	for _ in $(seq 25); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/scim/v2/ServiceProviderConfig" || break
		sleep 0.2
	done
	if curl -s -o /dev/null "http://127.0.0.1:$PORT/scim/v2/ServiceProviderConfig"; then
		fail "$tag: the server still answers after q"
	else
		echo "ok   $tag-17-quit (server stopped)"
	fi
	tmux kill-session -t "$SESSION" 2>/dev/null || true
}

# demo W H NAME DOWN TITLE: open the demo panel, pick the IdP DOWN entries below the
# first at the fastest pace and start it; wait for the simulator's verdict, then check
# that every step of TITLE's walkthrough is ticked and the report lists the steps.
demo() {
	local w=$1 h=$2 name=$3 down=$4 title=$5 f i
	key M
	expect "$name-01-panel" "Demo: play an identity provider"
	key Up Up Up
	for ((i = 0; i < down; i++)); do key Down; done
	key Right Right Right Right Right
	expect "$name-02-fastest" "fastest"
	key Enter
	expect_within 150 "$name-03-done" "PASSED: all" "M report" "$title · 10 of 10 done"
	f=$(capture "$name-04-walkthrough")
	if grep -qE '^(▌| ) [○▶✘] +[0-9]+ ' "$f"; then
		fail "$name: a step of the $title is not ticked" "$f"
	fi
	if ((h >= 50)) && (($(grep -cE '^(▌| ) ✔ +[0-9]+ ' "$f") != 10)); then
		fail "$name: the $title does not show ten ticked steps" "$f"
	fi
	frame "$w" "$h" "$name-05-frame"
	key M
	expect "$name-06-report" "✔  1 test connection"
	key Escape
	expect_not "$name-07-report-closed" "M report" "the verdict line goes with the report"
}

# start_console W H DB STATE_DIR: the console in a fresh tmux session, with the
# environment pinned (no SSH session, no display, no ngrok), once its server answers.
start_console() {
	local w=$1 h=$2 db=$3 state=$4
	tmux kill-session -t "$SESSION" 2>/dev/null || true
	tmux new-session -d -s "$SESSION" -x "$w" -y "$h" \
		"env XDG_CONFIG_HOME=$WORK/config XDG_STATE_HOME='$state' XDG_DATA_HOME=$WORK/data TMPDIR=$WORK/tmp NGROK_AUTHTOKEN= \
		 SSH_TTY= SSH_CONNECTION= DISPLAY= WAYLAND_DISPLAY= TERM=xterm-256color \
		 '$BIN' --listen 127.0.0.1:$PORT --token '$TOKEN' --db '$db' --no-tunnel; sleep 30"
	for _ in $(seq 50); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/scim/v2/ServiceProviderConfig" && break
		sleep 0.2
	done
}

# The console starts although its log directory cannot be made (a file is in the
# way), says so in one line, and logs to the temporary directory instead.
log_fallback() {
	log "console log directory unusable"
	mkdir -p "$WORK/tmp"
	: >"$WORK/state-is-a-file"
	start_console 80 24 "$WORK/fallback.db" "$WORK/state-is-a-file"
	expect "fallback-01-connection" "SCIM base URL" "$BASE"
	key q
	expect "fallback-02-after-quit" "scimlab: warning: cannot write the console log" "scimlab stopped. The log of this session is in $WORK/tmp/"
	tmux kill-session -t "$SESSION" 2>/dev/null || true
}

run 80 24
run 200 50
log_fallback

log "captures in $OUT"
echo "tmux-smoke: all checks passed"
