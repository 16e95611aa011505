#!/usr/bin/env bash
# Installs every Debian 12 package Tessera's build, tests and benchmarks need.
# Idempotent and non-interactive. `--check` only lists what is missing (exit 1 if anything is).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # GUI
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev libqcustomplot-dev libgl-dev
  # imaging, learning
  libopencv-dev libopencv-contrib-dev libtorch-dev libopenblas0-pthread
  # storage, formats, network, CLI
  libsqlitecpp-dev libsqlite3-dev nlohmann-json3-dev libcli11-dev libzip-dev libcurl4-openssl-dev libssl-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev xvfb xauth
  # packaging: dpkg-shlibdeps computes the .deb's Depends; validators for the desktop file and AppStream metadata
  dpkg-dev file desktop-file-utils appstream
  # reference scripts and test fixtures (Debian's own interpreter: /usr/bin/python3)
  python3 python3-torch python3-torchvision python3-numpy python3-pil python3-opencv
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ "${1:-}" == "--check" ]]; then
  if ((${#missing[@]})); then
    printf 'missing: %s\n' "${missing[@]}"
    exit 1
  fi
  echo "all ${#PACKAGES[@]} packages installed"
  exit 0
fi

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
