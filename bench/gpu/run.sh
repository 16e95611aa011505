#!/usr/bin/env bash
# The one-shot GPU check (issue 12, section 3; docs/BENCHMARKS.md, "On a GPU"), run on a lent GPU machine with the
# bundle bench/gpu/pack.sh made here:
#   device run, carry ["bench/gpu/bundle"], timeout_s 540:  bash bench/gpu/run.sh
#   here, the same steps tiny on the CPU (what the README's test command runs):  bash bench/gpu/run.sh --cpu
# Steps, each under its own time limit, every one recorded even when one fails:
#   1. the bundle's programs load with the GPU machine's LibTorch (nothing missing, same torch version);
#   2. tessera-cli doctor, then the gpu tests, one at a time (--cpu: the device check must refuse and say why, and
#      the gpu test program must list its tests);
#   3. benchmarks, Tessera against the torchvision reference written as an expert would (bench/train/
#      reference_train.py --expert: DataLoader with a worker per core, channels_last, bf16 autocast, fused AdamW,
#      cudnn.benchmark; GPU synchronised before each timestamp), on the same generated photos, 224 px, strong
#      augmentation: ResNet-18 and ResNet-50 training images/s, the 2,000 photos x 100 epochs ResNet-18 job end to
#      end (decoding included), and prediction of 12 MP JPEGs.
# Writes to $OUT (default /tmp/tessera-gpu-check): run.log (everything), results.jsonl (one line per measurement),
# gpu-tests.xml, summary.md. Exit status: 0 when every step passed.
set -uo pipefail
set -a  # every variable below reaches the steps, which run under `timeout` in a shell of their own
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
MODE=gpu
[[ "${1:-}" == "--cpu" ]] && MODE=cpu
OUT=${OUT:-/tmp/tessera-gpu-check}
BUNDLE=${BUNDLE:-$HERE/bundle}
PY=${PY:-python3}  # on the GPU machine: its Python with torch 2.11 and torchvision 0.26
WORK=${WORK:-$(mktemp -d /tmp/tessera-gpu-work.XXXXXX)}
mkdir -p "$OUT" "$WORK"
RESULTS="$OUT/results.jsonl"
: >"$RESULTS"
exec > >(tee "$OUT/run.log") 2>&1
CORES=$(nproc)

if [[ $MODE == gpu ]]; then
  DEVICE=cuda PER_CLASS=500 PHOTO_W=800 PHOTO_H=600 SIZE=224 BATCH=256 EPOCHS=8 JOB_EPOCHS=100
  PREDICT_COUNT=192 PREDICT_W=4000 PREDICT_H=3000 PREDICT_BATCH=64 REPEATS=3
else
  DEVICE=cpu PER_CLASS=10 PHOTO_W=160 PHOTO_H=120 SIZE=64 BATCH=8 EPOCHS=2 JOB_EPOCHS=2
  PREDICT_COUNT=4 PREDICT_W=640 PREDICT_H=480 PREDICT_BATCH=4 REPEATS=1
fi

failures=()
step() {  # step NAME SECONDS COMMAND...: runs one step (a program or a function of this script) under a time limit
  local name=$1 limit=$2 start status
  shift 2
  echo "=== $name ($(date -u +%H:%M:%S), limit ${limit} s)"
  start=$(date +%s.%N)
  timeout --kill-after=10 "$limit" bash -c '"$@"' "$name" "$@"
  status=$?
  local seconds
  seconds=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }")
  echo "=== $name: exit $status after ${seconds} s"
  printf '{"step": "%s", "exit": %d, "seconds": %s}\n' "$name" "$status" "$seconds" >>"$RESULTS"
  ((status == 0)) || failures+=("$name (exit $status)")
  return $status
}

echo "Tessera GPU check, mode $MODE, $(date -u), $(uname -m), $CORES cores"
[[ -f "$BUNDLE/BUNDLE.txt" ]] || { echo "no bundle at $BUNDLE: run bench/gpu/pack.sh first and carry it"; exit 2; }
cat "$BUNDLE/BUNDLE.txt"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

# LibTorch and NVIDIA's libraries come from this machine's torch wheel; everything else from the bundle.
read -r TORCH_LIB TORCH_VERSION NVIDIA_LIBS < <("$PY" - <<'PY'
import glob, os, torch
site = os.path.dirname(os.path.dirname(torch.__file__))
nvidia = sorted(glob.glob(os.path.join(site, "nvidia", "*", "lib")) + glob.glob(os.path.join(site, "nvidia", "lib")))
print(os.path.join(os.path.dirname(torch.__file__), "lib"), torch.__version__, ":".join(nvidia) or "-")
PY
)
[[ -n "${TORCH_LIB:-}" ]] || { echo "$PY cannot import torch"; exit 2; }
export LD_LIBRARY_PATH="$BUNDLE/lib:$TORCH_LIB${NVIDIA_LIBS:+:${NVIDIA_LIBS/#-/}}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
CLI="$BUNDLE/bin/tessera-cli"
echo "torch here: $TORCH_VERSION ($TORCH_LIB)"

check_libraries() {  # every library resolves, and only to the bundle, the torch wheel or the C/C++ runtime
  local bad=0 program line
  if ! grep -qx "torch ${TORCH_VERSION}" "$BUNDLE/BUNDLE.txt"; then
    echo "the bundle was built against $(grep '^torch ' "$BUNDLE/BUNDLE.txt"), this machine has torch $TORCH_VERSION"
    bad=1
  fi
  for program in "$BUNDLE"/bin/*; do
    while read -r line; do
      echo "$(basename "$program"): $line"
      bad=1
    done < <(ldd "$program" | awk '$2 == "=>" && ($3 == "not" || $0 ~ /version .* not found/)')
    while read -r line; do
      echo "$(basename "$program"): $line resolves outside the bundle and the torch wheel"
      bad=1
    done < <(ldd "$program" | awk -v runtime="$HERE/runtime-libraries" '
               BEGIN { while ((getline name < runtime) > 0) system_lib[name] = 1 }
               $2 == "=>" && !($1 in system_lib) { print $1, $3 }' |
      grep -v -F -e " $BUNDLE/lib/" -e " $TORCH_LIB/" -e "/nvidia/")
  done
  return $bad
}
export -f check_libraries
step libraries 60 check_libraries

# --- 2. doctor and the gpu tests ---
run_gpu_tests() {  # one test per process, as ctest -L gpu would; the reports merged into gpu-tests.xml
  local tests status=0 t
  tests=$("$BUNDLE/bin/test_learn_cuda" --gtest_list_tests | awk '/^[^ ]/ { suite = $1 } /^  / { print suite $1 }')
  [[ -n "$tests" ]] || { echo "test_learn_cuda lists no tests"; return 1; }
  mkdir -p "$WORK/gpu-tests"
  for t in $tests; do
    "$BUNDLE/bin/test_learn_cuda" --gtest_filter="$t" --gtest_output="xml:$WORK/gpu-tests/$t.xml" || status=1
  done
  "$PY" - "$WORK/gpu-tests" "$OUT/gpu-tests.xml" <<'PY'
import glob, sys
parts = [open(f).read().split("?>", 1)[-1].strip() for f in sorted(glob.glob(sys.argv[1] + "/*.xml"))]
open(sys.argv[2], "w").write('<?xml version="1.0" encoding="UTF-8"?>\n<runs>\n' + "\n".join(parts) + "\n</runs>\n")
PY
  echo "gpu tests: $(wc -w <<<"$tests") run, one per process, $(grep -c '<failure' "$OUT/gpu-tests.xml") failure(s)"
  return $status
}
export -f run_gpu_tests
if [[ $MODE == gpu ]]; then
  step doctor 60 "$CLI" doctor --require-gpu
  step gpu-tests 240 run_gpu_tests
else
  refuse_without_gpu() {  # what `ctest -L gpu` shows on a machine without a GPU: the device check fails with a reason,
    local said          # and every gpu test, run anyway, fails for that reason and no other
    if said=$("$CLI" doctor --require-gpu 2>&1); then
      echo "doctor --require-gpu passed on a machine without a GPU"; return 1
    fi
    echo "$said" | tail -3
    if run_gpu_tests >"$WORK/gpu-tests.txt" 2>&1; then
      echo "the gpu tests passed on a machine without a GPU"; return 1
    fi
    tail -1 "$WORK/gpu-tests.txt"
    local failed why
    failed=$(grep -c '<failure' "$OUT/gpu-tests.xml")
    why=$(grep '<failure' "$OUT/gpu-tests.xml" | grep -c 'no CUDA device is available')
    echo "$failed gpu test(s) failed, $why of them because no CUDA device is available"
    ((failed > 0 && failed == why))
  }
  export -f refuse_without_gpu
  step gpu-refused 120 refuse_without_gpu
fi

# --- 3. benchmarks ---
PHOTOS="$WORK/photos"
make_photos() {
  "$PY" "$SRC/bench/train/make_photos.py" "$PHOTOS" --per-class "$PER_CLASS" --width "$PHOTO_W" \
      --height "$PHOTO_H" --jobs "$CORES" && "$CLI" scan "$PHOTOS" >/dev/null
}
export -f make_photos
step photos 180 make_photos

train_pair() {  # train_pair ARCH: Tessera, then the expert reference on the same split, each one JSON line
  local arch=$1 run="speed-$1"
  rm -rf "$PHOTOS/.tessera/runs/$run"
  "$CLI" train "$PHOTOS" --arch "$arch" --weights none --mode full --epochs "$EPOCHS" --size "$SIZE" \
      --batch "$BATCH" --lr 0.002 --aug strong --seed 1 --device "$DEVICE" --quiet --run-name "$run" \
      --metrics-log "$WORK/$run.jsonl" || return 1
  "$PY" - "$WORK/$run.jsonl" "$arch" "$BATCH" >>"$RESULTS" <<'PY' || return 1
import json, statistics, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
epochs = [l["data"]["imagesPerSecond"] for l in lines if l.get("type") == "epoch"]
result = [l for l in lines if l.get("type") == "result"][-1]
steady = epochs[1:] or epochs  # the first epoch pays cuDNN's algorithm search and the decoding
print(json.dumps({"bench": f"train-{sys.argv[2]}", "tool": "tessera", "images_per_second": statistics.median(steady),
                  "epoch_images_per_second": epochs, "seconds": result["seconds"], "batch": int(sys.argv[3]),
                  "precision": result.get("precision")}))
PY
  "$PY" "$SRC/bench/train/reference_train.py" --root "$PHOTOS" --card "$PHOTOS/.tessera/runs/$run/card.json" \
      --arch "$arch" --device "$DEVICE" --expert --workers "$CORES" --epochs "$EPOCHS" --size "$SIZE" \
      --batch "$BATCH" --lr 0.002 --scale-min 0.08 >"$WORK/$run-reference.txt" || return 1
  tail -1 "$WORK/$run-reference.txt" | "$PY" -c '
import json, sys
r = json.loads(sys.stdin.read())
print(json.dumps({"bench": "train-" + r["arch"], "tool": "reference-expert",
                  "images_per_second": r["train_images_per_second"], "epoch_images_per_second": r["epoch_images_per_second"],
                  "seconds": r["seconds"], "batch": r["batch"], "bf16": r["bf16"], "workers": r["workers"]}))' >>"$RESULTS"
}
export -f train_pair
step train-resnet18 150 train_pair resnet18
step train-resnet50 180 train_pair resnet50

whole_job() {  # the published job: 2,000 photos x 100 epochs, ResNet-18, wall time from the command's start
  rm -rf "$PHOTOS/.tessera/cache" "$PHOTOS/.tessera/runs/job"
  local start seconds
  start=$(date +%s.%N)
  "$CLI" train "$PHOTOS" --arch resnet18 --weights none --mode full --epochs "$JOB_EPOCHS" --size "$SIZE" \
      --batch "$BATCH" --aug strong --seed 1 --device "$DEVICE" --quiet --run-name job \
      --metrics-log "$WORK/job.jsonl" || return 1
  seconds=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $start }")
  "$PY" - "$WORK/job.jsonl" "$seconds" "$JOB_EPOCHS" "$((PER_CLASS * 4))" "$PHOTOS/.tessera/runs/job/card.json" \
      >>"$RESULTS" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
last = [l["data"] for l in lines if l.get("type") == "epoch"][-1]
result = [l for l in lines if l.get("type") == "result"][-1]
card = json.load(open(sys.argv[5]))  # where the time went besides the steps: checkpoints
print(json.dumps({"bench": "job-resnet18", "tool": "tessera", "seconds": float(sys.argv[2]), "epochs": int(sys.argv[3]),
                  "photos": int(sys.argv[4]), "val_accuracy": last["valAcc"],
                  "train_seconds": result["seconds"], "checkpoint_seconds": card.get("checkpointSeconds")}))
PY
}
export -f whole_job
step job-resnet18 150 whole_job

predict_pair() {
  WORK="$WORK/predict" COUNT=$PREDICT_COUNT WIDTH=$PREDICT_W HEIGHT=$PREDICT_H BATCH=$PREDICT_BATCH DEVICE=$DEVICE \
      WORKERS=$CORES JOBS=$CORES CLI="$CLI" PY="$PY" bash "$SRC/bench/predict/run_benchmark.sh" - "$REPEATS" \
      | tee "$WORK/predict.txt" || return 1
  "$PY" - "$WORK/predict.txt" "$PREDICT_W" "$PREDICT_H" >>"$RESULTS" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
for tool, key in (("tessera", "median tessera"), ("reference-expert", "median reference")):
    m = re.search(key + r":\s+([\d.]+) s = ([\d.]+) images/s", text)
    print(json.dumps({"bench": f"predict-{sys.argv[2]}x{sys.argv[3]}", "tool": tool, "seconds": float(m.group(1)),
                      "images_per_second": float(m.group(2))}))
PY
}
export -f predict_pair
step predict 150 predict_pair

# --- summary ---
"$PY" - "$RESULTS" "$MODE" >"$OUT/summary.md" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
steps = [r for r in rows if "step" in r]
bench = [r for r in rows if "bench" in r]
print(f"# GPU check ({sys.argv[2]} mode)\n\n| step | exit | seconds |\n|---|---|---|")
for s in steps:
    print(f"| {s['step']} | {s['exit']} | {s['seconds']} |")
print("\n| benchmark | tool | images/s | seconds | vs reference |\n|---|---|---|---|---|")
for b in bench:
    ref = [r for r in bench if r["bench"] == b["bench"] and r["tool"] == "reference-expert"]
    ratio = (f"{b['images_per_second'] / ref[0]['images_per_second']:.2f}x"
             if ref and b["tool"] == "tessera" and "images_per_second" in b else "")
    ips = f"{b['images_per_second']:.1f}" if "images_per_second" in b else ""
    print(f"| {b['bench']} | {b['tool']} | {ips} | {b['seconds']:.1f} | {ratio} |")
PY
cat "$OUT/summary.md"
set +a
rm -rf "$WORK"
if ((${#failures[@]})); then
  echo "GPU check ($MODE): ${#failures[@]} step(s) failed: ${failures[*]}"
  exit 1
fi
echo "GPU check ($MODE): every step passed"
