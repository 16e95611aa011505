#!/usr/bin/env bash
# Runs one libFuzzer target for a fixed time on its seed corpus (ctest label `fuzz`). New inputs go to a scratch
# corpus in the build tree, never into the repository; a crash, leak, sanitizer report or timeout fails the test and
# leaves the input as <work>/crash-* (add it to corpus/<target>/ with a unit test once fixed).
#   run-fuzzer.sh FUZZER SEED_DIR WORK_DIR SECONDS
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" "$seeds"
