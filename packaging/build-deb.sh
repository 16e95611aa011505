#!/usr/bin/env bash
# Builds Tessera's Debian package and checks it the way a user would meet it: the package's file list and Depends,
# then an install into a temporary root (dpkg-deb -x) whose tessera-cli --version and doctor must run with no
# LD_LIBRARY_PATH and no build tree (no RPATH into it, zoo.json found beside the binary), and the desktop file and
# AppStream metadata validated when desktop-file-validate / appstreamcli are installed.
#
#   bash packaging/build-deb.sh                 # Release build in build-release/ (no tests, no benchmarks), then cpack
#   bash packaging/build-deb.sh --from build    # package an existing, built build folder (no rebuild; used by CI)
#   bash packaging/build-deb.sh --check FILE.deb  # only check a package
# The .deb is written to <build folder>/packages/. Install it with:
#   sudo dpkg -i tessera_*.deb; sudo apt-get -f install
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

from=""
check_only=""
while (($#)); do
  case "$1" in
    --from) from="${2:?--from needs a build folder}"; shift 2 ;;
    --check) check_only="${2:?--check needs a .deb file}"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "build-deb: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done

fail() { echo "build-deb: FAILED: $*" >&2; exit 1; }
root=""
trap '[[ -z "$root" ]] || rm -rf "$root"' EXIT

check_deb() {
  local deb
  deb=$(realpath -m "$1")
  [[ -f "$deb" ]] || fail "no package file $deb"
  echo "build-deb: checking $deb ($(du -h "$deb" | cut -f1))"
  dpkg-deb --field "$deb"
  local depends
  depends=$(dpkg-deb --field "$deb" Depends)
  [[ "$depends" == *libtorch* ]] || fail "Depends lacks libtorch (was dpkg-shlibdeps run?): $depends"

  local files
  files=$(dpkg-deb --contents "$deb" | awk '{print $NF}')
  sed 's/^/  /' <<<"$files"
  local required=(./usr/bin/tessera-cli ./usr/share/tessera/zoo.json)
  if grep -qxF ./usr/bin/tessera <<<"$files"; then
    required+=(./usr/share/applications/tessera.desktop ./usr/share/icons/hicolor/scalable/apps/tessera.svg
               ./usr/share/metainfo/org.tessera.Tessera.metainfo.xml)
  fi
  for f in "${required[@]}"; do
    grep -qxF "$f" <<<"$files" || fail "package lacks $f"
  done

  root=$(mktemp -d "${TMPDIR:-/tmp}/tessera-deb-root.XXXXXX")
  dpkg-deb -x "$deb" "$root"

  # No RPATH/RUNPATH may point into the source or build tree.
  for exe in "$root"/usr/bin/*; do
    local rpath
    rpath=$(readelf -d "$exe" | grep -E 'R(UN)?PATH' || true)
    if [[ -n "$rpath" && "$rpath" == *"$here"* ]]; then fail "$(basename "$exe") has a build-tree RPATH: $rpath"; fi
  done

  # Run from an unrelated folder so models/zoo.json under the working folder cannot be what is found.
  local out
  out=$(cd "$root" && env -u LD_LIBRARY_PATH -u TESSERA_ZOO "$root/usr/bin/tessera-cli" --version) ||
    fail "tessera-cli --version failed"
  echo "$out"
  [[ "$out" == *"LibTorch"* && "$out" == *"CUDA"* && "$out" == *"cuDNN"* ]] || fail "--version lacks LibTorch/CUDA/cuDNN"
  out=$(cd "$root" && env -u LD_LIBRARY_PATH -u TESSERA_ZOO "$root/usr/bin/tessera-cli" doctor) ||
    fail "tessera-cli doctor failed"
  echo "$out"
  [[ "$out" == *"$root/usr/share/tessera/zoo.json"* ]] ||
    fail "doctor did not find the installed zoo.json under $root/usr/share/tessera"
  if [[ -x "$root/usr/bin/tessera" ]]; then
    # --version must work without a display (no DISPLAY, no Qt platform plugin chosen).
    out=$(cd "$root" && env -u LD_LIBRARY_PATH -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM \
          "$root/usr/bin/tessera" --version) || fail "tessera --version failed"
    echo "$out"
    [[ "$out" == *"LibTorch"* ]] || fail "tessera --version lacks the LibTorch line"
  fi

  if [[ -f "$root/usr/share/applications/tessera.desktop" ]]; then
    if command -v desktop-file-validate >/dev/null; then
      desktop-file-validate "$root/usr/share/applications/tessera.desktop" || fail "desktop-file-validate"
      echo "build-deb: desktop file valid"
    else
      echo "build-deb: desktop-file-validate not installed (package desktop-file-utils): desktop file not checked"
    fi
    if command -v appstreamcli >/dev/null; then
      appstreamcli validate --no-net "$root/usr/share/metainfo/org.tessera.Tessera.metainfo.xml" ||
        fail "appstreamcli validate"
    else
      echo "build-deb: appstreamcli not installed (package appstream): metainfo not checked"
    fi
  fi

  # Would `apt-get install ./tessera.deb` resolve every Depends on this system? (simulation: installs nothing)
  if command -v apt-get >/dev/null; then
    apt-get install -s -q "$deb" >"$root/apt.log" 2>&1 || { cat "$root/apt.log" >&2;
      fail "apt-get cannot resolve the package's Depends"; }
    echo "build-deb: apt-get resolves all Depends (simulated install)"
  fi
  echo "build-deb: OK: $deb"
}

if [[ -n "$check_only" ]]; then
  check_deb "$check_only"
  exit 0
fi

command -v dpkg-shlibdeps >/dev/null || fail "dpkg-shlibdeps is missing (package dpkg-dev): bash packaging/install-deps.sh"
export CCACHE_BASEDIR="$here"
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"

if [[ -z "$from" ]]; then
  from="$here/build-release"
  cmake -S . -B "$from" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTESSERA_BUILD_TESTS=OFF -DTESSERA_BUILD_BENCH=OFF \
    >/dev/null
  cmake --build "$from" -j "$(nproc)"
else
  from=$(cd "$from" && pwd)
  # Reconfigure only when the folder predates the packaging rules; the build itself must be up to date already.
  [[ -f "$from/CPackConfig.cmake" ]] || cmake "$from" >/dev/null
  [[ -x "$from/app/cli/tessera-cli" ]] || fail "$from has no built tessera-cli; build it first"
fi

cpack --config "$from/CPackConfig.cmake" -G DEB -B "$from/packages" >/dev/null
deb=$(ls -t "$from"/packages/tessera_*.deb | head -n 1)
check_deb "$deb"
