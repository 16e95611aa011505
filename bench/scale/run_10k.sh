#!/usr/bin/env bash
# A project of 10,000 real photos end to end (issue 14), every step through the real tessera-cli, each step timed:
#   1. the photo folder: Fashion-MNIST's 10,000 test images in 10 class folders (make_fashion_project.py);
#   2. scan (labels from the folders, pHash near-duplicate groups);
#   3. train a small model from scratch (the leak check and the grouped split run before its first step);
#   4. check-labels with that model's features: every photo embedded once, 5-fold cross-validation, confident learning;
#   5. map: the same features laid out (UMAP) with the label check's verdicts, CSV and PNG;
#   6. noisy labels: 10 % of the labels flipped at random, three seeds, precision and recall of the flagged list
#      (bench/labels/noisy_labels.py; the features are cached by then).
#   bench/scale/run_10k.sh BUILD_DIR WORK_DIR [COUNT] [EPOCHS]
# WORK_DIR is created; the project lives in WORK_DIR/photos/.tessera. Needs dataset-fashion-mnist (apt).
set -euo pipefail
BUILD=$(cd "${1:?build dir}" && pwd)
WORK=${2:?work dir}
COUNT=${3:-10000}
EPOCHS=${4:-3}
CLI="$BUILD/app/cli/tessera-cli"
HERE=$(cd "$(dirname "$0")" && pwd)
PROJECT="$WORK/photos"
mkdir -p "$WORK"

step() {  # name command...
  local name=$1
  shift
  local start end
  start=$(date +%s.%N)
  "$@"
  end=$(date +%s.%N)
  printf 'TIME %-14s %8.1f s\n' "$name" "$(echo "$end - $start" | bc)"
}

step photos python3 "$HERE/make_fashion_project.py" "$PROJECT" --count "$COUNT"
step scan "$CLI" scan "$PROJECT"
step train "$CLI" train "$PROJECT" --weights none --epochs "$EPOCHS" --size 32 --aug light --quiet
step check-labels "$CLI" check-labels "$PROJECT" --out "$WORK/flagged.csv" --list 5 --quiet
step map "$CLI" map "$PROJECT" --out "$WORK/map.csv" --png "$WORK/map.png" --quiet
MODEL=$(ls -t "$PROJECT"/.tessera/runs/*/model.tessera-model | head -1)
step noisy-labels python3 "$HERE/../labels/noisy_labels.py" --cli "$CLI" --project "$PROJECT" --weights "$MODEL" \
  --noise 0.1 --seeds 1 2 3
