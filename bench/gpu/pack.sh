#!/usr/bin/env bash
# Makes bench/gpu/bundle/: what bench/gpu/run.sh needs on a GPU machine that has torch 2.11 in its Python but no
# OpenCV, Qt, SQLite, libzip or network (docs/BENCHMARKS.md, "On a GPU"). Run here, then carry the folder:
#   bench/gpu/pack.sh                       # about 25 min the first time on 2 cores (OpenCV, then Tessera), then 1 s
#   device run, carry ["bench/gpu/bundle"]: bash bench/gpu/run.sh
#
# Carrying binaries beats building there: the GPU machine lacks a dozen -dev packages, and this bundle is about 25 MB
# where Tessera's sources, OpenCV's and those packages' would be several times that and minutes of its 15.
# What it holds:
#   bin/  tessera-cli, the gpu test program (test_learn_cuda), bench_train_step: built by the `gpu-bundle` preset
#         against the same LibTorch 2.11 (CUDA 13.0) wheel the GPU machine's Python has, with OpenCV linked in
#         statically (packaging/build-static-opencv.sh), stripped;
#   lib/  every shared library they need that is neither LibTorch's (the GPU machine's torch wheel has those) nor the
#         C and C++ runtime (libc, libm, libstdc++, libgcc_s, the loader): SQLite, libzip, curl, the codecs, ...;
#   BUNDLE.txt  what it was built from (commit, torch version), for run.sh to check.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUNDLE="$HERE/bundle"
BUILD="$SRC/build-gpu"
PY="${PY:-$SRC/.venv/bin/python3}"
TARGETS=(tessera-cli test_learn_cuda bench_train_step)
MAX_BUNDLE_MB=56  # the device tool carries at most 64 MiB, the working tree (about 4 MiB) included

cd "$SRC"
bash packaging/build-static-opencv.sh
export CCACHE_BASEDIR="$SRC"
cmake --preset gpu-bundle >/dev/null
cmake --build --preset gpu-bundle --target "${TARGETS[@]}"

# The shared libraries the GPU machine's torch wheel provides: LibTorch's own and NVIDIA's (cudart, cuDNN, ...).
torch_dir=$("$PY" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
torch_version=$("$PY" -c 'import torch; print(torch.__version__)')
device_provides=$(find "$torch_dir/lib" "$torch_dir/../nvidia" -name '*.so*' -printf '%f\n' 2>/dev/null | sort -u)
# The C and C++ runtime every Linux has (one soname a line), which run.sh expects the GPU machine to provide too.
RUNTIME="$HERE/runtime-libraries"

rm -rf "$BUNDLE"
mkdir -p "$BUNDLE/bin" "$BUNDLE/lib"
for target in "${TARGETS[@]}"; do
  binary=$(find "$BUILD" -type f -name "$target" -perm -u+x | head -1)
  [[ -n "$binary" ]] || { echo "error: $target was not built in $BUILD" >&2; exit 1; }
  strip --strip-unneeded -o "$BUNDLE/bin/$target" "$binary"
  # ldd lists the whole closure, each library with the file it resolved to.
  while read -r soname path; do
    grep -qxF "$soname" "$RUNTIME" && continue
    grep -qxF "$soname" <<<"$device_provides" && continue
    [[ -f "$path" ]] || { echo "error: $target needs $soname, which is not installed here" >&2; exit 1; }
    [[ -f "$BUNDLE/lib/$soname" ]] || strip --strip-unneeded -o "$BUNDLE/lib/$soname" "$(readlink -f "$path")"
  done < <(ldd "$binary" | awk '$2 == "=>" { print $1, $3 } $2 != "=>" && $1 !~ /^\// { print $1, "" }')
done

git_commit=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$SRC" diff --quiet HEAD 2>/dev/null || git_commit="$git_commit+changes"
{
  echo "commit $git_commit"
  echo "torch $torch_version"
  echo "built $(date -u +%Y-%m-%dT%H:%MZ) on $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "programs ${TARGETS[*]}"
  echo "libraries $(ls "$BUNDLE/lib" | tr '\n' ' ')"
} >"$BUNDLE/BUNDLE.txt"

size_mb=$(du -sm "$BUNDLE" | cut -f1)
echo "bundle: $BUNDLE, ${size_mb} MB, $(ls "$BUNDLE/lib" | wc -l) libraries; carry it with bench/gpu/run.sh"
if ((size_mb > MAX_BUNDLE_MB)); then
  echo "error: the bundle is ${size_mb} MB, over the ${MAX_BUNDLE_MB} MB that can travel beside the working tree" >&2
  exit 1
fi
