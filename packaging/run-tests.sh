#!/usr/bin/env bash
# Quick start, step 2: configure, build and run every test (labels unit, ui, slow; gpu tests report themselves
# as skipped-with-reason only where they cannot run). Needs the packages from install-deps.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

if ! bash packaging/install-deps.sh --check >/dev/null; then
  echo "run-tests: missing packages; run: bash packaging/install-deps.sh" >&2
  bash packaging/install-deps.sh --check >&2 || true
  exit 1
fi
export CCACHE_BASEDIR="$here"
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
ctest --preset default "$@"
