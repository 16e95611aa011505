#!/usr/bin/env bash
# Quick start, step 1: install dependencies, build Tessera, generate the bundled demo find dataset, scan it as a
# project and print its resolution statistics. Safe to run again (everything is incremental).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

bash packaging/install-deps.sh
export CCACHE_BASEDIR="$here"
# Lets ccache cache the sources built with the LibTorch precompiled header.
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"

demo="${TESSERA_DEMO_DIR:-$here/demo-project}"
cli="$here/build/app/cli/tessera-cli"
if [[ ! -d "$demo" ]]; then
  "$cli" make-demo "$demo"
fi
"$cli" scan "$demo"
"$cli" stats "$demo"
echo
echo "Demo project: $demo"
echo "Open it in the GUI with: $here/build/app/gui/tessera \"$demo\""
