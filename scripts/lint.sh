#!/usr/bin/env bash
# lint.sh — gofmt, go vet and staticcheck over the whole module.
#
# Usage: scripts/lint.sh
#
# staticcheck is pinned in tools/go.mod and runs as
#   go tool -modfile=tools/go.mod staticcheck ./...
# (the first run builds it, a minute or two on two cores; later runs take seconds).
# Runs every check, prints what each found, and exits 1 if any found something.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=()

echo "== gofmt"
unformatted=$(gofmt -l .)
if [[ -n $unformatted ]]; then
	echo "gofmt needed on:"
	echo "$unformatted"
	failed+=(gofmt)
fi

echo "== go vet"
go vet ./... || failed+=("go vet")

echo "== staticcheck"
go tool -modfile=tools/go.mod staticcheck ./... || failed+=(staticcheck)

if ((${#failed[@]})); then
	echo "lint: found problems: ${failed[*]}" >&2
	exit 1
fi
echo "lint: ok"
