#!/usr/bin/env bash
# release-check.sh — check the release configuration and build a snapshot release the way
# a tagged release would be built, then check what it produced.
#
# Usage: scripts/release-check.sh
#
# Runs goreleaser (pinned in tools/go.mod) from the repository root:
#   1. goreleaser check
#   2. goreleaser release --snapshot --clean, into dist/ (replaced each run; publishes nothing)
# then checks that dist/ holds the six archives (linux, darwin, windows × amd64, arm64;
# zip for windows) under the expected names, each with the binary, README.md, LICENSE,
# docs/*.md, the shell completions (completions/) and the man page (manpages/); that the
# bash completion loads in bash and the man page is roff; that checksums.txt matches them; that the linux/amd64 binary is statically
# linked; and, unpacked from its archive into a temporary directory, that it prints its
# version, commit and date and that "scimlab serve" answers
# GET /scim/v2/ServiceProviderConfig with 200 and exits cleanly on SIGTERM.
# Needs git, tar, sha256sum and curl; unzip or python3 to list the zip archives; ldd,
# readelf or file to tell a static binary. Leaves nothing running and nothing but dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C

goreleaser() { go tool -modfile=tools/go.mod goreleaser "$@"; }

fail() {
	echo "release-check: $*" >&2
	exit 1
}

started=$SECONDS
step() {
	printf '\n== %s (%ds so far)\n' "$*" $((SECONDS - started))
}

for tool in git tar gzip sha256sum curl bash; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is required"
done
if command -v unzip >/dev/null 2>&1; then
	zip_list() { unzip -Z1 "$1"; }
	zip_extract() { unzip -q "$1" -d "$2"; }
elif command -v python3 >/dev/null 2>&1; then
	zip_list() { python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; }
	zip_extract() { python3 -m zipfile -e "$1" "$2"; }
else
	fail "unzip or python3 is required to read the windows archives"
fi

WORK=$(mktemp -d)
PID=""
cleanup() {
	if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
		kill -KILL "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

# goreleaser reads the commit and its date only where git names a remote; in a clone
# without one (or a local worktree) it would stamp "none". Name the project's repository
# for these git calls only, through the environment: nothing is written, nothing fetched.
if [[ -z $(git remote) ]]; then
	export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url
	export GIT_CONFIG_VALUE_0=https://github.com/scimlab/scimlab.git
fi

step "goreleaser check"
goreleaser check

step "goreleaser release --snapshot --clean"
goreleaser release --snapshot --clean

step "archives"
[[ -f dist/metadata.json ]] || fail "dist/metadata.json is missing"
VERSION=$(grep -o '"version":"[^"]*"' dist/metadata.json | head -1 | cut -d'"' -f4)
[[ -n $VERSION ]] || fail "no version in dist/metadata.json"
echo "snapshot version $VERSION"
COMMIT=$(git rev-parse --short HEAD)
COMMIT_DATE=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ)

mapfile -t docs < <(cd docs && ls -1 -- *.md | sed 's|^|docs/|')
((${#docs[@]})) || fail "docs/ has no .md files"
extras=(completions/scimlab.bash completions/scimlab.zsh completions/scimlab.fish completions/scimlab.ps1 manpages/scimlab.1.gz)
mapfile -t found < <(cd dist && ls -1 -- *.tar.gz *.zip 2>/dev/null)
((${#found[@]} == 6)) || fail "want 6 archives in dist/, found ${#found[@]}: ${found[*]}"

for os in linux darwin windows; do
	for arch in amd64 arm64; do
		bin=scimlab ext=tar.gz
		[[ $os == windows ]] && bin=scimlab.exe ext=zip
		archive=dist/scimlab_${VERSION}_${os}_${arch}.$ext
		[[ -f $archive ]] || fail "missing $archive"
		if [[ $ext == zip ]]; then
			listing=$(zip_list "$archive")
		else
			listing=$(tar -tzf "$archive")
		fi
		got=$(grep -v '/$' <<<"$listing" | sort)
		want=$(printf '%s\n' "$bin" README.md LICENSE "${docs[@]}" "${extras[@]}" | sort)
		[[ $got == "$want" ]] || fail "$archive holds:
$got
want:
$want"
		grep -q " ${archive#dist/}\$" dist/checksums.txt || fail "checksums.txt does not list ${archive#dist/}"
		printf '%-45s %8s bytes\n' "${archive#dist/}" "$(wc -c <"$archive")"
	done
done
(cd dist && sha256sum -c --strict checksums.txt)

step "linux/amd64 binary from its archive"
mkdir -p "$WORK/unpacked"
tar -xzf "dist/scimlab_${VERSION}_linux_amd64.tar.gz" -C "$WORK/unpacked"
BIN=$WORK/unpacked/scimlab
[[ -x $BIN ]] || fail "scimlab in the linux/amd64 archive is not executable"

bash -c "source '$WORK/unpacked/completions/scimlab.bash' && complete -p scimlab" >/dev/null ||
	fail "completions/scimlab.bash does not load in bash"
grep -q '__start_scimlab' "$WORK/unpacked/completions/scimlab.bash" || fail "completions/scimlab.bash completes nothing"
gzip -dc "$WORK/unpacked/manpages/scimlab.1.gz" | grep -q '^\.TH SCIMLAB 1' || fail "manpages/scimlab.1.gz is no man page"
echo "completions/scimlab.bash loads in bash; manpages/scimlab.1.gz is a man page"

static_checks=0
if command -v file >/dev/null 2>&1; then
	desc=$(file -b "$BIN")
	echo "file: $desc"
	[[ $desc == *"statically linked"* ]] || fail "not statically linked: $desc"
	static_checks=$((static_checks + 1))
fi
if command -v readelf >/dev/null 2>&1; then
	headers=$(readelf -l "$BIN")
	[[ $headers != *INTERP* ]] || fail "the binary names a dynamic loader (readelf -l shows INTERP)"
	echo "readelf: no INTERP program header"
	static_checks=$((static_checks + 1))
fi
if command -v ldd >/dev/null 2>&1; then
	out=$(ldd "$BIN" 2>&1 || true)
	echo "ldd: $out"
	[[ $out == *"not a dynamic executable"* || $out == *"statically linked"* ]] || fail "ldd lists libraries: $out"
	static_checks=$((static_checks + 1))
fi
((static_checks)) || fail "none of file, readelf, ldd is installed to check the binary is static"
buildinfo=$(go version -m "$BIN")
[[ $buildinfo == *CGO_ENABLED=0* ]] || fail "the binary was not built with CGO_ENABLED=0"
[[ $buildinfo == *-trimpath=true* ]] || fail "the binary was not built with -trimpath"

# A clean home for the binary: nothing read from or written to the real one.
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/config XDG_DATA_HOME=$WORK/data
export XDG_STATE_HOME=$WORK/state XDG_CACHE_HOME=$WORK/cache
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
unset NGROK_AUTHTOKEN

got=$("$BIN" version)
echo "scimlab version: $got"
want="scimlab $VERSION (commit $COMMIT of $COMMIT_DATE"
[[ $got == "$want"* ]] || fail "scimlab version printed \"$got\", want it to start with \"$want\""

step "scimlab serve from the archive"
TOKEN=release-check-$$-token
SCIMLAB_TOKEN=$TOKEN "$BIN" serve --listen 127.0.0.1:0 --no-tunnel --db "$WORK/x.db" \
	>"$WORK/serve.out" 2>"$WORK/serve.err" &
PID=$!
BASE=""
for _ in $(seq 200); do
	BASE=$(sed -n 's|^ *SCIM base URL *\(http://[^ ]*/scim/v2\)$|\1|p' "$WORK/serve.out")
	[[ -n $BASE ]] && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
[[ -n $BASE ]] || fail "serve printed no base URL:
$(cat "$WORK/serve.out" "$WORK/serve.err")"
echo "serving at $BASE"

code=$(curl -sS -o "$WORK/spc.json" -w '%{http_code}' --max-time 10 \
	-H "Authorization: Bearer $TOKEN" "$BASE/ServiceProviderConfig")
[[ $code == 200 ]] || fail "GET $BASE/ServiceProviderConfig answered $code: $(cat "$WORK/spc.json")"
grep -q 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig' "$WORK/spc.json" ||
	fail "the ServiceProviderConfig body lacks its schema: $(cat "$WORK/spc.json")"
echo "GET /scim/v2/ServiceProviderConfig: $code"

kill -TERM "$PID"
for _ in $(seq 100); do
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$PID" 2>/dev/null && fail "serve still running 10s after SIGTERM"
rc=0
wait "$PID" || rc=$?
PID=""
((rc == 0)) || fail "serve exited with status $rc after SIGTERM:
$(cat "$WORK/serve.err")"
grep -q '^scimlab stopped\.$' "$WORK/serve.out" || fail "serve did not say it stopped:
$(cat "$WORK/serve.out")"
echo "serve exited 0 on SIGTERM"

printf '\nrelease-check: ok in %ds (snapshot %s of commit %s)\n' $((SECONDS - started)) "$VERSION" "$COMMIT"
