#!/usr/bin/env bash
# Kills tessera-cli with SIGKILL at random moments of scan, train, predict, import-csv and export-csv, then reruns
# or resumes each, and checks what a user relies on after a power cut or a killed program:
#   - the project opens (stats exits 0) and no label that was committed before the kill is lost;
#   - a training resumed after any number of kills ends with the same weights as one never interrupted (CPU);
#   - a prediction file resumed after kills is the same file, byte for byte, as one written in one go;
#   - an export is either the previous file or the complete new one, never a torn one.
# Usage: bench/reliability/kill_at_random.sh [KILLS_PER_COMMAND (default 50)] [BUILD_DIR (default build)]
# Prints one line per command with the counts; exit status 1 when any check failed. Runs in a temporary folder.
set -uo pipefail
kills=${1:-50}
build=${2:-build}
here=$(cd "$(dirname "$0")/../.." && pwd)
cli="$here/$build/app/cli/tessera-cli"
[[ -x "$cli" ]] || cli="$here/$build/tessera-cli"
[[ -x "$cli" ]] || { echo "no tessera-cli under $build" >&2; exit 2; }
python="$here/.venv/bin/python3"
work=$(mktemp -d /tmp/tessera-kill.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# Runs "$@" to the end; on failure records `what` with the command's last error line.
must() {
  local what=$1; shift
  local out rc
  out=$("$@" 2>&1 >/dev/null); rc=$?
  ((rc == 0)) && return 0
  fail "$what: $(printf '%s\n' "$out" | grep -v '\[' | tail -n 1)"
  return 1
}
seconds() { date +%s.%N; }
# A random delay in [0, max) seconds, max a decimal.
random_delay() { awk -v m="$1" -v r="$RANDOM$RANDOM" 'BEGIN { srand(r); printf "%.3f", rand() * m }'; }
# Runs "$@" and SIGKILLs it after a random part of `limit` seconds; prints "killed" or "finished".
run_killed_within() {
  local limit=$1; shift
  timeout -s KILL "$(random_delay "$limit")" "$@" >/dev/null 2>&1
  [[ $? -eq 137 ]] && echo killed || echo finished
}
# The project's labels as export-csv writes them, rows sorted under the header (for comparisons).
sorted_csv() { { head -n 1 "$1"; tail -n +2 "$1" | sort; } > "$1.sorted" && mv "$1.sorted" "$1"; }
labels_of() { "$cli" export-csv "$1" "$2" >/dev/null 2>&1 && sorted_csv "$2"; }
weights_digest() { "$python" -c 'import hashlib,sys,zipfile; print(hashlib.sha256(zipfile.ZipFile(sys.argv[1]).read("model.safetensors")).hexdigest())' "$1"; }
timed() { local t0; t0=$(seconds); "$@" >/dev/null 2>&1; local rc=$?; awk -v a="$t0" -v b="$(seconds)" 'BEGIN { printf "%.2f", b - a }'; return $rc; }

demo="$work/demo"
"$cli" make-demo "$demo" --per-class 12 --seed 3 >/dev/null 2>&1 || { echo "make-demo failed" >&2; exit 2; }

# --- scan: a fresh project each time, killed, then scanned again to the end --------------------------------------
# Each command is killed at a uniformly random moment of the time an uninterrupted run of it takes (start-up
# included), so kills land in start-up, in the work and in the final writes alike.
cp -r "$demo" "$work/scan-ref"
scan_s=$(timed "$cli" scan "$work/scan-ref" --threads 2) || { echo "scan failed" >&2; exit 2; }
labels_of "$work/scan-ref" "$work/scan-ref.csv"
n_killed=0
for ((i = 0; i < kills; ++i)); do
  rm -rf "$work/scan" && cp -r "$demo" "$work/scan"
  [[ $(run_killed_within "$scan_s" "$cli" scan "$work/scan" --threads 2) == killed ]] && n_killed=$((n_killed + 1))
  must "scan after a kill (run $i)" "$cli" scan "$work/scan" --threads 2 || continue
  labels_of "$work/scan" "$work/scan.csv" || { fail "export after scan kill (run $i)"; continue; }
  cmp -s "$work/scan.csv" "$work/scan-ref.csv" || fail "scan run $i: labels differ from an uninterrupted scan"
done
echo "scan: $kills runs, $n_killed killed mid-way, every project reopened with all labels: $([[ $failures -eq 0 ]] && echo yes || echo NO)"

# --- import-csv / export-csv: labels committed before the kill survive; exports are whole ------------------------
project="$work/scan-ref"
awk -F, 'NR == 1 { print; next } { print $1 ",relabelled-" (NR % 3) }' "$work/scan-ref.csv" > "$work/relabel.csv"
import_s=$(timed "$cli" import-csv "$project" "$work/relabel.csv")
export_s=$(timed "$cli" export-csv "$project" "$work/export.csv")
"$cli" import-csv "$project" "$work/scan-ref.csv" >/dev/null 2>&1
before=$failures n_killed=0
for ((i = 0; i < kills; ++i)); do
  labels_of "$project" "$work/before.csv"
  [[ $(run_killed_within "$import_s" "$cli" import-csv "$project" "$work/relabel.csv") == killed ]] && n_killed=$((n_killed + 1))
  labels_of "$project" "$work/after.csv" || { fail "project does not open after an import kill (run $i)"; continue; }
  # Either nothing of the import or all of it (one transaction).
  if ! cmp -s "$work/after.csv" "$work/before.csv"; then
    "$cli" import-csv "$project" "$work/relabel.csv" >/dev/null 2>&1
    labels_of "$project" "$work/whole.csv"
    cmp -s "$work/after.csv" "$work/whole.csv" || fail "import run $i: a partial import is visible"
  fi
  "$cli" import-csv "$project" "$work/scan-ref.csv" >/dev/null 2>&1  # back to the folder labels for the next run
  echo previous > "$work/export.csv"
  [[ $(run_killed_within "$export_s" "$cli" export-csv "$project" "$work/export.csv") == killed ]] && n_killed=$((n_killed + 1))
  if [[ "$(cat "$work/export.csv")" != previous ]]; then
    sorted_csv "$work/export.csv"
    labels_of "$project" "$work/export-ref.csv"
    cmp -s "$work/export.csv" "$work/export-ref.csv" || fail "export run $i: torn export file"
  fi
done
echo "import-csv + export-csv: $((2 * kills)) runs, $n_killed killed mid-way, no partial import or torn export: $([[ $failures -eq $before ]] && echo yes || echo NO)"

# --- train: killed and resumed until it finishes; the weights equal an uninterrupted run's -----------------------
train_args=(--weights none --arch resnet18 --size 32 --epochs 4 --batch 16 --seed 7 --threads 2 --device cpu --quiet --no-cache)
train_s=$(timed "$cli" train "$project" "${train_args[@]}" --run-name reference)
reference=$(weights_digest "$project/.tessera/runs/reference/model.tessera-model")
before=$failures n_killed=0 n_resumed=0 runs=0
while ((n_killed < kills && runs < 4 * kills)); do
  name="killed-$runs"; runs=$((runs + 1))
  state=$(run_killed_within "$train_s" "$cli" train "$project" "${train_args[@]}" --run-name "$name")
  while [[ $state == killed ]]; do
    n_killed=$((n_killed + 1))
    state=$(run_killed_within "$train_s" "$cli" train "$project" "${train_args[@]}" --run-name "$name" --resume)
    n_resumed=$((n_resumed + 1))
  done
  bundle="$project/.tessera/runs/$name/model.tessera-model"
  if [[ ! -f "$bundle" ]]; then
    must "train $name: resume" "$cli" train "$project" "${train_args[@]}" --run-name "$name" --resume || continue
  fi
  [[ "$(weights_digest "$bundle")" == "$reference" ]] || fail "train $name: resumed weights differ from the uninterrupted run"
  rm -rf "$project/.tessera/runs/$name"
done
echo "train: $runs runs, $n_killed kills, $n_resumed resumes, every finished model equal to the uninterrupted one: $([[ $failures -eq $before ]] && echo yes || echo NO)"

# --- predict: killed and rerun (an existing output is resumed); the file equals one written in one go ------------
model="$project/.tessera/runs/reference/model.tessera-model"
predict_s=$(timed "$cli" predict "$model" "$demo" --out "$work/predict-ref.csv" --device cpu --quiet)
before=$failures n_killed=0
for ((i = 0; i < kills; ++i)); do
  rm -f "$work/predict.csv" "$work/predict.csv".*
  # Killed up to five times in a row, each time resuming the file the previous run left.
  for ((k = 0; k < 5; ++k)); do
    [[ $(run_killed_within "$predict_s" "$cli" predict "$model" "$demo" --out "$work/predict.csv" --device cpu --quiet) == killed ]] || break
    n_killed=$((n_killed + 1))
  done
  must "predict run $i: rerun" "$cli" predict "$model" "$demo" --out "$work/predict.csv" --device cpu --quiet
  cmp -s "$work/predict.csv" "$work/predict-ref.csv" || fail "predict run $i: resumed file differs from one written in one go"
done
echo "predict: $kills runs, $n_killed kills, every resumed file identical to the uninterrupted one: $([[ $failures -eq $before ]] && echo yes || echo NO)"

echo "kill_at_random: $failures failed checks"
((failures == 0))
