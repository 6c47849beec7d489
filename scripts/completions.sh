#!/usr/bin/env bash
# completions.sh — write scimlab's shell completions and man page for the release archives.
#
# Usage: scripts/completions.sh
#
# Writes, from the repository root (both directories replaced, both git-ignored):
#   completions/scimlab.bash, scimlab.zsh, scimlab.fish, scimlab.ps1
#   manpages/scimlab.1.gz
# goreleaser runs it as a before-hook (.goreleaser.yaml), so every archive carries what
# "scimlab completion SHELL" and "scimlab man" print for the commit being released.
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf completions manpages
mkdir -p completions manpages
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/scimlab" .
"$bin/scimlab" completion bash >completions/scimlab.bash
"$bin/scimlab" completion zsh >completions/scimlab.zsh
"$bin/scimlab" completion fish >completions/scimlab.fish
"$bin/scimlab" completion powershell >completions/scimlab.ps1
"$bin/scimlab" man | gzip -9 -n >manpages/scimlab.1.gz
for f in completions/* manpages/*; do
	[[ -s $f ]] || { echo "completions.sh: $f is empty" >&2; exit 1; }
done
