#!/usr/bin/env bash
# The collection map against umap-learn, on the same features, scored by one measure (trustworthiness, k = 15).
#   bench/map/run_benchmark.sh BUILD_DIR WORK_DIR [PROJECT_FOLDER MODEL]
# 1. 10,000 synthetic feature rows of 512 values (bench_map synthetic): Tessera's layout 3 times (seeds 1-3), umap-learn
#    3 times (random_state 1-3, single-threaded like Tessera's; the first run includes numba's compilation).
# 2. With a project and a model (bundle or weights file): the quick model's features of that project (what
#    `tessera-cli map` lays out), the same comparison. Set TESSERA_PROJECTS_DIR when the project is kept per user.
# umap-learn goes into a throwaway virtual environment under WORK_DIR (pip): it is the reference, not a dependency.
set -euo pipefail
BUILD=${1:?build dir}
WORK=${2:?work dir}
PROJECT=${3:-}
MODEL=${4:-}
BENCH="$BUILD/bench/map/bench_map"
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
if [ ! -x "$WORK/umap-venv/bin/python" ]; then
  python3 -m venv "$WORK/umap-venv"
  "$WORK/umap-venv/bin/pip" install --quiet umap-learn
fi
PY="$WORK/umap-venv/bin/python"

compare() {  # name features dim
  local name=$1 features=$2 dim=$3
  echo "== $name: Tessera"
  "$BENCH" layout "$features" "$dim" 3 "$WORK/$name-tessera.f32" 2>/dev/null
  echo "== $name: umap-learn"
  "$PY" "$HERE/reference_umap.py" "$features" "$dim" 3 "$WORK/$name-umap.f32"
  "$BENCH" score "$features" "$dim" "$WORK/$name-umap.f32"
}

"$BENCH" synthetic 10000 512 "$WORK/synthetic.f32"
compare synthetic "$WORK/synthetic.f32" 512
if [ -n "$PROJECT" ]; then
  dim=$("$BENCH" project "$PROJECT" "$MODEL" "$WORK/project.f32" | sed 's/.*"dim": \([0-9]*\).*/\1/')
  compare project "$WORK/project.f32" "$dim"
fi
