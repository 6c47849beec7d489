#!/usr/bin/env bash
# The test command: installs what the tests need, then lint and the whole suite with the
# race detector. A fresh machine needs nothing but Go; tmux, curl and bash-completion
# come from apt when they are missing (the console's terminal smoke test drives a real
# tmux and curls it; the completion test loads scimlab's bash completion in bash).
set -euo pipefail
cd "$(dirname "$0")/.."

go version

missing=()
for tool in tmux curl; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ -f /usr/share/bash-completion/bash_completion ]] || missing+=(bash-completion)
if ((${#missing[@]})); then
	sudo=""
	[[ $(id -u) -eq 0 ]] || sudo="sudo -n"
	if command -v apt-get >/dev/null 2>&1 &&
		$sudo apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; then
		echo "installed ${missing[*]}"
	else
		# The tests that need them then skip and say why; everything else still runs.
		echo "warning: could not install ${missing[*]}; the tmux smoke test will be skipped" >&2
	fi
fi

# gofmt, go vet and staticcheck (pinned in tools/go.mod).
bash scripts/lint.sh
go test -race -timeout 20m ./...
