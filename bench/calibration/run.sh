#!/bin/bash
# Do calibrated scores mean what they say on photos no model saw? For each seed: the quick start's recipe trained on
# the demo (its model is calibrated on its own validation photos), then predict on a second demo drawn with another
# seed (new photos of the same four classes), with and without the bundle's temperature; held_out_ece.py scores
# both. With CV=1, the model is then recalibrated on a 5-fold cross-validation's out-of-fold scores
# (evaluate --cv 5 --calibrate, about 8 minutes a seed) and scored a third time.
#   bench/calibration/run.sh BUILD_DIR WORK_DIR "SEEDS"
set -euo pipefail
BUILD=${1:?build dir}; WORK=${2:?work dir}; SEEDS=${3:?seeds}
CLI="$BUILD/app/cli/tessera-cli"
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
if [ ! -d "$WORK/test/.tessera" ]; then
  "$CLI" make-demo "$WORK/test" --seed 101 >/dev/null
fi
for seed in $SEEDS; do
  demo="$WORK/demo-$seed"
  rm -rf "$demo"
  "$CLI" make-demo "$demo" >/dev/null
  "$CLI" scan "$demo" >/dev/null
  "$CLI" train "$demo" --weights none --arch resnet18 --epochs 32 --size 112 --seed "$seed" --quiet \
    --run-name "seed$seed" | grep -E "final val acc|scores (not )?calibrated"
  model="$demo/.tessera/runs/seed$seed/model.tessera-model"
  rm -f "$WORK/seed$seed"-*.csv "$WORK/seed$seed"-*.csv.done
  "$CLI" predict "$model" "$WORK/test" --top-k 4 --out "$WORK/seed$seed-calibrated.csv" --quiet
  "$CLI" predict "$model" "$WORK/test" --top-k 4 --out "$WORK/seed$seed-raw.csv" --quiet --uncalibrated
  files=("$WORK/seed$seed-raw.csv" "$WORK/seed$seed-calibrated.csv")
  if [ "${CV:-0}" = 1 ]; then
    "$CLI" evaluate --cv 5 "$model" "$demo" --calibrate --quiet | grep -E "^accuracy|out-of-fold"
    "$CLI" predict "$model" "$WORK/test" --top-k 4 --out "$WORK/seed$seed-cv.csv" --quiet
    files+=("$WORK/seed$seed-cv.csv")
  fi
  python3 "$HERE/held_out_ece.py" "${files[@]}"
done
