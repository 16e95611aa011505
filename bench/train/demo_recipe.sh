#!/bin/bash
# The quick start's demo job as a benchmark: the 160-photo demo (4 decorations), trained from scratch with the given
# options for several seeds; prints per seed the final validation accuracy and the wall time of `tessera-cli train`
# (decoding included), then the mean, the spread (max - min) and the median time. Used to tune the small-data recipe.
#   bench/train/demo_recipe.sh BUILD_DIR WORK_DIR "SEEDS" [TRAIN OPTIONS...]
#   e.g. bench/train/demo_recipe.sh build /tmp/recipe "1 2 3" --size 128 --epochs 12
set -euo pipefail
BUILD=${1:?build dir}; WORK=${2:?work dir}; SEEDS=${3:?seeds}; shift 3
CLI="$BUILD/app/cli/tessera-cli"
DEMO="$WORK/demo"
if [ ! -d "$DEMO/.tessera" ]; then
  "$CLI" make-demo "$DEMO" >/dev/null
  "$CLI" scan "$DEMO" >/dev/null
fi
accs=(); times=()
for seed in $SEEDS; do
  start=$(date +%s%N)
  out=$("$CLI" train "$DEMO" --weights none --device cpu --no-cache --quiet --seed "$seed" "$@")
  end=$(date +%s%N)
  acc=$(sed -n 's/^final val acc \([0-9.]*\).*/\1/p' <<<"$out")
  ms=$(( (end - start) / 1000000 ))
  printf 'seed %s: val acc %s in %d.%03d s\n' "$seed" "$acc" $((ms / 1000)) $((ms % 1000))
  accs+=("$acc"); times+=("$((ms / 1000)).$(printf %03d $((ms % 1000)))")
done
python3 - "${accs[*]}" "${times[*]}" "$*" <<'PY'
import statistics, sys
accs = [float(a) for a in sys.argv[1].split()]
times = [float(t) for t in sys.argv[2].split()]
print(f"options: {sys.argv[3]}")
print(f"val acc mean {statistics.mean(accs):.3f}, spread {max(accs) - min(accs):.3f} ({' '.join(f'{a:.3f}' for a in accs)}); "
      f"median time {statistics.median(times):.1f} s")
PY
