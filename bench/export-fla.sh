#!/usr/bin/env bash
# Exports FLA's Python sources (the fla/ package only) from a fetched git
# mirror into .fla/pkg (git-ignored; never committed), for bench/run.sh to
# compare against. Carry .fla/pkg to the GPU machine with the device tool.
#   bench/export-fla.sh [GITDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
G=${1:-/work/.mirror/fla-org+flash-linear-attention/repo}
rm -rf .fla/pkg && mkdir -p .fla/pkg
git --git-dir="$G" archive HEAD fla | tar -x -C .fla/pkg
git --git-dir="$G" rev-parse HEAD > .fla/pkg/FLA_COMMIT
echo "FLA $(cat .fla/pkg/FLA_COMMIT) -> .fla/pkg ($(du -sh .fla/pkg | cut -f1))"
