#!/usr/bin/env bash
# Quick start, step 1: install dependencies, build Tessera, generate the bundled demo find dataset, scan it as a
# project, print its resolution statistics, train a classifier and label the photos with it. Safe to run again.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

bash packaging/install-deps.sh
export CCACHE_BASEDIR="$here"
# Lets ccache cache the sources built with the LibTorch precompiled header.
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
cmake --preset default >/dev/null
# Only what the main job needs, the CLI, so that its result comes first; the GUI is built after it, and
# `packaging/run-tests.sh` builds the tests and benchmarks.
cmake --build --preset default -j "$(nproc)" --target tessera-cli

demo="${TESSERA_DEMO_DIR:-$here/demo-project}"
cli="$here/build/app/cli/tessera-cli"
if [[ ! -d "$demo" ]]; then
  "$cli" make-demo "$demo"
fi
"$cli" scan "$demo"
"$cli" stats "$demo"

# The main job: train a classifier on the labelled demo finds, then label photos with it. The starting weights are
# the pretrained ImageNet ResNet-18 when it is in the cache (a fine-tune): with network, `weights download` fetches
# it (hash-checked); offline it says so and Tessera trains from scratch.
echo
if ! "$cli" weights download resnet18 --quiet; then
  echo "quickstart: no pretrained weights (offline?): training from scratch. To fine-tune later, get them with"
  echo "  $cli weights download resnet18   (or, offline: $cli weights import resnet18 FILE)"
fi
"$cli" train "$demo" --weights auto --arch resnet18 --epochs 32 --size 112 --seed 1 --quiet
# A fresh file: rows of an older model are not resumed. The project's active model labels the photos.
rm -f "$demo/predictions.csv" "$demo/predictions.csv.done"
"$cli" predict "$demo" --out "$demo/predictions.csv" --quiet
echo
echo "Demo project: $demo"
echo "Predictions (top-3 per photo): $demo/predictions.csv"
echo
echo "Building the GUI (about 2 minutes on 2 cores)..."
cmake --build --preset default -j "$(nproc)" --target tessera
echo "Open the demo in the GUI with: $here/build/app/gui/tessera \"$demo\""
