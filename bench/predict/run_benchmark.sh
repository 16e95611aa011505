#!/bin/bash
# Batch prediction, end to end (decode included): tessera-cli predict vs the PyTorch reference
# (reference_predict.py: torchvision transforms + DataLoader workers) on the same photos, ResNet-18 at 224 px on
# the CPU. Runs the two alternately, REPEATS times each, and prints each run, the medians and the ratio.
#
# usage: bench/predict/run_benchmark.sh [BUILD_DIR] [REPEATS]
#   env: WORK (default /tmp/tessera-predict-bench), COUNT (photos, default 200), WIDTH/HEIGHT (4000x3000),
#        WORKERS (reference DataLoader workers, default: cores), BATCH (default 32), DEVICE (cpu or cuda, both
#        programs; default cpu), JOBS (processes that draw the photos, default 1), CLI (default: BUILD_DIR's)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BUILD="${1:-$HERE/../../build}"
REPEATS="${2:-3}"
WORK="${WORK:-/tmp/tessera-predict-bench}"
COUNT="${COUNT:-200}"
BATCH="${BATCH:-32}"
DEVICE="${DEVICE:-cpu}"
WORKERS="${WORKERS:-$(nproc)}"
PY="${PY:-$HERE/../../.venv/bin/python}"   # the venv made by packaging/install-deps.sh: torch 2.11 + torchvision 0.26
CLI="${CLI:-$BUILD/app/cli/tessera-cli}"
[ -x "$CLI" ] || { echo "no $CLI: build tessera-cli first" >&2; exit 1; }
mkdir -p "$WORK"
PHOTOS="$WORK/photos-${WIDTH:-4000}x${HEIGHT:-3000}"
"$PY" "$HERE/make_big_jpegs.py" "$PHOTOS" --count "$COUNT" --width "${WIDTH:-4000}" --height "${HEIGHT:-3000}" \
    --jobs "${JOBS:-1}" >/dev/null
MODEL="$WORK/resnet18-224.tessera-model"
[ -f "$MODEL" ] || "$PY" "$HERE/make_bundle.py" "$MODEL" --arch resnet18 --classes 3 --input-size 224 \
    --policy shorter_side_then_center_crop --seed 0
N=$(find "$PHOTOS" -name '*.jpg' | wc -l)

now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }  # awk, not bc: GPU machines' images have no bc
declare -a T_TESS T_REF
for r in $(seq 1 "$REPEATS"); do
    rm -f "$WORK/tessera.csv" "$WORK/tessera.csv.done"
    t0=$(now); "$CLI" predict "$MODEL" "$PHOTOS" --out "$WORK/tessera.csv" --batch "$BATCH" --device "$DEVICE" -q >/dev/null
    t1=$(now); T_TESS+=("$(calc "$t1 - $t0")")
    t0=$(now); "$PY" "$HERE/reference_predict.py" "$PHOTOS" --out "$WORK/reference.csv" --batch "$BATCH" \
        --workers "$WORKERS" --device "$DEVICE" 2>/dev/null
    t1=$(now); T_REF+=("$(calc "$t1 - $t0")")
    printf 'run %d: tessera %.2f s (%.2f img/s), reference %.2f s (%.2f img/s)\n' "$r" "${T_TESS[-1]}" \
        "$(calc "$N / ${T_TESS[-1]}")" "${T_REF[-1]}" "$(calc "$N / ${T_REF[-1]}")"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
MT=$(median "${T_TESS[@]}"); MR=$(median "${T_REF[@]}")
printf 'photos: %d (%s), device %s, batch %d, reference workers %d, repeats %d, load: %s\n' "$N" "$PHOTOS" "$DEVICE" "$BATCH" "$WORKERS" \
    "$REPEATS" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'median tessera:   %.2f s = %.2f images/s\n' "$MT" "$(calc "$N / $MT")"
printf 'median reference: %.2f s = %.2f images/s\n' "$MR" "$(calc "$N / $MR")"
printf 'ratio (tessera / reference images/s): %.2fx\n' "$(calc "$MR / $MT")"
# Same weights on both sides: how often do the top-1 classes agree (decoders and resize filters differ slightly)?
"$PY" - "$WORK/tessera.csv" "$WORK/reference.csv" <<'PYEOF'
import csv, sys
t = {r["file"]: r["top1"] for r in csv.DictReader(open(sys.argv[1]))}
r = {x["file"]: x["top1"] for x in csv.DictReader(open(sys.argv[2]))}
same = sum(1 for f in r if t.get(f) == r[f])
print("top-1 agreement with the reference: %d/%d" % (same, len(r)))
PYEOF
