#!/usr/bin/env bash
# Installs everything Tessera's build, tests and benchmarks need on Debian 12, non-interactively and idempotently:
#   1. Debian packages (toolchain, Qt 6, OpenCV, SQLite, ...), with apt-get;
#   2. the official LibTorch 2.11 with CUDA 13.0 (the `torch` wheel from the Python package registry, which carries
#      LibTorch's headers, libraries and CMake config) plus torchvision 0.26, in a project-local virtual environment
#      `.venv/` at the repository root (override with TESSERA_VENV). CMake finds LibTorch there without flags; the
#      reference scripts and test fixtures run with `.venv/bin/python3`. No system Python package is changed.
# `--check` only reports what is missing (exit 1 if anything is).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

TORCH_VERSION=2.11.0        # what the GPU machines run (CUDA 13.0 build: 2.11.0+cu130)
TORCHVISION_VERSION=0.26.0  # the torchvision release paired with torch 2.11
VENV="${TESSERA_VENV:-$here/.venv}"

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # bench/gpu/pack.sh: fetching and unpacking Debian's OpenCV source for the static build it carries to GPU machines
  curl xz-utils
  # fuzz targets (tests/fuzz): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # GUI
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev libqcustomplot-dev libgl-dev
  # imaging, BLAS for OpenCV
  libopencv-dev libopencv-contrib-dev libopenblas0-pthread
  # storage, formats, network, CLI
  libsqlitecpp-dev libsqlite3-dev nlohmann-json3-dev libcli11-dev libzip-dev libre2-dev libcurl4-openssl-dev libssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev xvfb xauth
  # packaging: dpkg-shlibdeps computes the .deb's Depends; validators for the desktop file and AppStream metadata
  dpkg-dev file desktop-file-utils appstream
  # Debian's Python 3.11, which the LibTorch virtual environment is made from
  python3 python3-venv
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The venv is complete when its torch and torchvision are the pinned versions and torch is a CUDA build.
venv_status() {
  [[ -x "$VENV/bin/python3" ]] || { echo "no virtual environment at $VENV"; return 1; }
  "$VENV/bin/python3" - "$TORCH_VERSION" "$TORCHVISION_VERSION" <<'PY' 2>&1
import sys
want_torch, want_tv = sys.argv[1], sys.argv[2]
try:
    import torch, torchvision
except Exception as e:
    print(f"torch/torchvision not importable: {e}"); sys.exit(1)
t, tv = torch.__version__.split("+")[0], torchvision.__version__.split("+")[0]
if t != want_torch or tv != want_tv:
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}; want {want_torch}, {want_tv}"); sys.exit(1)
if not torch.version.cuda:
    print(f"torch {torch.__version__} is a CPU-only build; want the CUDA build"); sys.exit(1)
import torch.utils
print(f"LibTorch {torch.__version__} (CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}), "
      f"torchvision {torchvision.__version__}; CMake config at {torch.utils.cmake_prefix_path}")
PY
}

if [[ "${1:-}" == "--check" ]]; then
  status=0
  if ((${#missing[@]})); then
    printf 'missing Debian package: %s\n' "${missing[@]}"
    status=1
  else
    echo "all ${#PACKAGES[@]} Debian packages installed"
  fi
  if venv_out=$(venv_status); then
    echo "venv $VENV: $venv_out"
  else
    echo "missing: $venv_out"
    status=1
  fi
  exit $status
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} Debian packages already installed"
else
  echo "install-deps: installing ${#missing[@]} Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if venv_out=$(venv_status); then
  echo "install-deps: venv already complete: $venv_out"
else
  # About 3.6 GB to download the first time (torch 530 MB, cuDNN, cuBLAS, NCCL, ... from the registry); pip's
  # cache makes a second venv (another clone) a local unpack.
  echo "install-deps: installing torch $TORCH_VERSION + torchvision $TORCHVISION_VERSION into $VENV"
  echo "install-deps: (first time: about 3.6 GB from the Python package registry)"
  [[ -x "$VENV/bin/python3" ]] || /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check \
    "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
  venv_out=$(venv_status) || { echo "install-deps: FAILED: $venv_out" >&2; exit 1; }
  echo "install-deps: venv ready: $venv_out"
fi
echo "install-deps: done"
