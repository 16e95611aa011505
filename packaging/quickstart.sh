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
cmake --build --preset default -j "$(nproc)"

demo="${TESSERA_DEMO_DIR:-$here/demo-project}"
cli="$here/build/app/cli/tessera-cli"
if [[ ! -d "$demo" ]]; then
  "$cli" make-demo "$demo"
fi
"$cli" scan "$demo"
"$cli" stats "$demo"

# The main job: train a classifier on the labelled demo finds, then label photos with it. Offline there are no
# pretrained ImageNet weights, so this trains a small ResNet-18 from scratch (about 20 s on 2 cores; accuracy is
# modest). With weights (`tessera-cli weights download resnet18`, or `weights import FILE` offline) pass
# `--weights resnet18` and it becomes a fine-tune.
echo
"$cli" train "$demo" --arch resnet18 --weights none --epochs 8 --size 96 --batch 32 --aug archaeology --seed 1 --quiet
model=$(ls -td "$demo"/.tessera/runs/*/model.tessera-model | head -1)
rm -f "$demo/predictions.csv" "$demo/predictions.csv.done"  # a fresh file: rows of an older model are not resumed
"$cli" predict "$model" "$demo" --out "$demo/predictions.csv" --quiet
echo
echo "Demo project: $demo"
echo "Model: $model"
echo "Predictions (top-3 per photo): $demo/predictions.csv"
echo "Open it in the GUI with: $here/build/app/gui/tessera \"$demo\""
