#!/bin/bash
# CPU training benchmark: Tessera (tessera-cli train) vs the PyTorch reference (reference_train.py) on the same
# generated JPEG photos, same split, same model/optimiser/lr/batch/epochs, the reference written twice: as a user
# would (fp32) and as an expert would (--expert: channels_last, bf16 autocast, fused AdamW). Runs interleaved
# (T, R, E, T, R, E, ...) so all see the same machine load. Prints one JSON line per run; docs/BENCHMARKS.md takes
# the medians.
#   bench/train/run_benchmark.sh BUILD_DIR WORK_DIR [PER_CLASS=50] [EPOCHS=2] [RUNS=3]
set -euo pipefail
BUILD=${1:?build dir}; WORK=${2:?work dir}; PER=${3:-50}; EPOCHS=${4:-2}; RUNS=${5:-3}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CLI="$BUILD/app/cli/tessera-cli"
PY="${PY:-$SRC/.venv/bin/python}"  # the venv made by packaging/install-deps.sh: torch 2.11 + torchvision 0.26
mkdir -p "$WORK"
DATA="$WORK/photos-$PER"
if [ ! -d "$DATA" ]; then
  $PY "$SRC/bench/train/make_photos.py" "$DATA" --per-class "$PER" --width 800 --height 600
  "$CLI" scan "$DATA" >/dev/null
fi
COMMON=(--arch resnet18 --weights none --mode full --epochs "$EPOCHS" --size 128 --batch 32 --lr 0.002
        --aug strong --seed 1 --device cpu --quiet)
for i in $(seq 1 "$RUNS"); do
  rm -rf "$DATA/.tessera/runs/bench-$i"  # a rerun in the same work folder: a run name is never reused
  "$CLI" train "$DATA" "${COMMON[@]}" --run-name "bench-$i" --metrics-log "$WORK/tessera-$i.jsonl" > "$WORK/tessera-$i.txt"
  echo "{\"tool\": \"tessera\", \"run\": $i, \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"result\": $(tail -1 "$WORK/tessera-$i.jsonl"), \"last_epoch\": $(grep '"type":"epoch"' "$WORK/tessera-$i.jsonl" | tail -1)}"
  $PY "$SRC/bench/train/reference_train.py" --root "$DATA" --card "$DATA/.tessera/runs/bench-$i/card.json" \
      --epochs "$EPOCHS" --size 128 --batch 32 --lr 0.002 | tail -1 > "$WORK/reference-$i.json"
  echo "{\"tool\": \"reference\", \"run\": $i, \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"result\": $(cat "$WORK/reference-$i.json")}"
  $PY "$SRC/bench/train/reference_train.py" --root "$DATA" --card "$DATA/.tessera/runs/bench-$i/card.json" \
      --epochs "$EPOCHS" --size 128 --batch 32 --lr 0.002 --expert | tail -1 > "$WORK/expert-$i.json"
  echo "{\"tool\": \"expert\", \"run\": $i, \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"result\": $(cat "$WORK/expert-$i.json")}"
done
