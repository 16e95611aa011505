#!/bin/bash
# Accuracy on a real photo collection: Tessera's training (its defaults plus the given options) against the
# torchvision script of issue 13 (reference_train.py: RandomResizedCrop 0.35-1, flip, rotation 20, colour jitter,
# AdamW lr 1e-3 wd 0.05, warm-up + cosine, label smoothing 0.1, batch 32) on the SAME photos, split, size and
# epochs, for several seeds. The project is kept outside the (read-only) collection. Prints one line per seed and
# tool, then the mean and spread (max - min) of each.
#   bench/train/real_photos.sh BUILD_DIR WORK_DIR PHOTO_DIR "SEEDS" EPOCHS SIZE [TESSERA OPTIONS...]
#   e.g. bench/train/real_photos.sh build /tmp/real ../shared/data/egyptian-museum "1 2 3" 6 112
# REFERENCE=0 skips the reference script (its result depends only on the split, that is on the seed).
set -euo pipefail
BUILD=${1:?build dir}; WORK=${2:?work dir}; PHOTOS=${3:?photo folder}; SEEDS=${4:?seeds}; EPOCHS=${5:?epochs}
SIZE=${6:?size}; shift 6
SRC=$(cd "$(dirname "$0")/../.." && pwd)
CLI=("$BUILD/app/cli/tessera-cli" --projects-dir "$WORK/projects")
PY="${PY:-$SRC/.venv/bin/python}"
PHOTOS=$(cd "$PHOTOS" && pwd)
mkdir -p "$WORK"
"${CLI[@]}" scan "$PHOTOS" --keep-outside >/dev/null
tag="e$EPOCHS-s$SIZE-$(echo "$*" | tr -c 'a-zA-Z0-9.\n' '_')"
t_accs=(); r_accs=()
for seed in $SEEDS; do
  run="bench-$tag-seed$seed"
  # Tessera's batch is its default (automatic: 16 below 2,000 training photos) unless the options set it; the reference's is 32.
  "${CLI[@]}" train "$PHOTOS" --weights none --device cpu --quiet --seed "$seed" --epochs "$EPOCHS" --size "$SIZE" \
      --run-name "$run" "$@" > "$WORK/$run.txt"
  t=$(sed -n 's/^final val acc \([0-9.]*\).*/\1/p' "$WORK/$run.txt")
  card=$(find "$WORK/projects" -path "*/runs/$run/card.json" | head -1)
  r=0
  [ "${REFERENCE:-1}" = 0 ] || r=$($PY "$SRC/bench/train/reference_train.py" --root "$PHOTOS" --card "$card" --epochs "$EPOCHS" --size "$SIZE" \
      --batch 32 --lr 1e-3 --scale-min 0.35 --seed "$seed" | tail -1 | $PY -c 'import json,sys; print(json.load(sys.stdin)["val_accuracy"])')
  echo "seed $seed: tessera $t reference $r"
  t_accs+=("$t"); r_accs+=("$r")
done
$PY - "${t_accs[*]}" "${r_accs[*]}" "$*" <<'PY'
import statistics, sys
opts = sys.argv[3]
for name, arg in (("tessera", sys.argv[1]), ("reference", sys.argv[2])):
    a = [float(x) for x in arg.split()]
    print(f"{name}{' (' + opts + ')' if name == 'tessera' and opts else ''}: mean {statistics.mean(a):.3f}, "
          f"spread {max(a) - min(a):.3f} ({' '.join(f'{x:.3f}' for x in a)})")
PY
