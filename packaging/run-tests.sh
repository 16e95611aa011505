#!/usr/bin/env bash
# Quick start, step 2: configure, build and run every test (labels unit, ui, slow, and gpu when an NVIDIA GPU is
# present), then the one-shot GPU check's script in its CPU mode (bench/gpu: the bundle it carries to a GPU machine
# is built and every step runs tiny here; about 20 min the first time, for OpenCV's static build and a second build
# tree, then 1 min; set TESSERA_SKIP_GPU_CHECK=1 to skip), then package the build as a .deb and check an install of it
# in a temporary root (no rebuild; set TESSERA_SKIP_PACKAGE=1 to skip). Extra arguments go to ctest, e.g. `-L unit`,
# and leave the GPU check out. Needs the packages from install-deps.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

if ! bash packaging/install-deps.sh --check >/dev/null; then
  echo "run-tests: missing packages; run: bash packaging/install-deps.sh" >&2
  bash packaging/install-deps.sh --check >&2 || true
  exit 1
fi
export CCACHE_BASEDIR="$here"
# Lets ccache cache the sources built with the LibTorch precompiled header.
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
gpu_args=()
if nvidia-smi -L >/dev/null 2>&1; then
  echo "run-tests: NVIDIA GPU present: running all labels including gpu"
else
  echo "run-tests: no NVIDIA GPU on this machine: tests labelled 'gpu' are built but not run (ctest -L gpu says why)"
  gpu_args=(-LE gpu)
fi
ctest --preset default "${gpu_args[@]}" "$@"
if (($# == 0)) && [[ "${TESSERA_SKIP_GPU_CHECK:-0}" != 1 ]]; then
  bash bench/gpu/pack.sh
  OUT="$here/build/gpu-check-cpu" PY="$here/.venv/bin/python3" bash bench/gpu/run.sh --cpu
fi
# The .deb takes every library from Debian's packages (dpkg-shlibdeps). The LibTorch this build links is the torch
# wheel's in .venv/, which no Debian package provides: a package of it would point into this checkout. Until the
# package bundles LibTorch, it is not built from a venv build; say so rather than produce a broken package.
torch_dir=$(sed -n 's/^Torch_DIR:PATH=//p' build/CMakeCache.txt)
if [[ "${TESSERA_SKIP_PACKAGE:-0}" == 1 ]]; then
  :
elif [[ "$torch_dir" == "$here/.venv/"* ]]; then
  echo "run-tests: no .deb: this build links LibTorch from .venv/ ($torch_dir), which no Debian package provides"
else
  bash packaging/build-deb.sh --from build
fi
