#!/usr/bin/env bash
# Builds the few OpenCV modules Tessera's core uses (core, imgproc, imgcodecs, img_hash) as static libraries, from
# Debian's own OpenCV 4.6.0 source (the version the normal build links), for bench/gpu/pack.sh: a tessera-cli that
# carries its image decoding inside it instead of Debian's libopencv closure (146 libraries, 213 MB: GDAL, VTK, ...)
# and so runs on a GPU machine that has no OpenCV. The image formats come from Debian's libjpeg-turbo, libpng,
# libtiff and libwebp, which the bundle carries beside the program. No JPEG 2000 or OpenEXR (the normal build has
# them; the GPU check needs neither).
#   packaging/build-static-opencv.sh [PREFIX=.deps/opencv-4.6.0-static]
# Downloads about 128 MB once (sha256-checked against Debian's .dsc) into .deps/src; idempotent: a complete PREFIX is
# left as it is.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${1:-$here/.deps/opencv-4.6.0-static}
SRC_DIR="$here/.deps/src"
POOL=http://deb.debian.org/debian/pool/main/o/opencv
declare -A SHA256=(
  [opencv_4.6.0+dfsg.orig.tar.xz]=40a59ba7e5c18a43652de0a08733c9843a39bba619b1f3e26a5fac4a6f041423
  [opencv_4.6.0+dfsg.orig-contrib.tar.xz]=3bba7c17e4a4a8b995c60904453dfc39315b3bea50e14008fd851afe7a1ff798
)

if [[ -f "$PREFIX/lib/cmake/opencv4/OpenCVConfig.cmake" && -f "$PREFIX/lib/libopencv_img_hash.a" ]]; then
  echo "static OpenCV already built at $PREFIX"
  exit 0
fi

mkdir -p "$SRC_DIR"
for file in "${!SHA256[@]}"; do
  if [[ ! -f "$SRC_DIR/$file" ]] || ! echo "${SHA256[$file]}  $SRC_DIR/$file" | sha256sum --check --status; then
    echo "downloading $POOL/$file"
    curl --fail --silent --show-error --location --retry 3 -o "$SRC_DIR/$file.part" "$POOL/$file"
    if ! echo "${SHA256[$file]}  $SRC_DIR/$file.part" | sha256sum --check --status; then
      echo "error: $SRC_DIR/$file.part does not have the sha256 Debian's opencv_4.6.0+dfsg-12.dsc names" >&2
      exit 1
    fi
    mv "$SRC_DIR/$file.part" "$SRC_DIR/$file"
  fi
done

work="$here/.deps/opencv-build"  # a fixed path: ccache (CCACHE_BASEDIR) then serves a rebuild in another clone
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
tar -xJf "$SRC_DIR/opencv_4.6.0+dfsg.orig.tar.xz" -C "$work"
tar -xJf "$SRC_DIR/opencv_4.6.0+dfsg.orig-contrib.tar.xz" -C "$work"
src=$(find "$work" -maxdepth 1 -type d -name 'opencv-4.6.0*' | head -1)
contrib=$(find "$work" -maxdepth 3 -type d -path '*contrib*/modules/img_hash' | head -1)
contrib=${contrib%/img_hash}
[[ -d "$src" && -d "$contrib" ]] || { echo "error: unexpected layout of the OpenCV source tarballs" >&2; exit 1; }

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Baseline SSE4.2 with AVX2 dispatch: runs on any x86-64 GPU host of the last decade, fast where it matters (resize,
# colour conversion). Debian's source has no bundled third-party copies: the codecs are the system's.
cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  "${launcher[@]}" \
  -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DENABLE_PRECOMPILED_HEADERS=OFF \
  -DOPENCV_EXTRA_MODULES_PATH="$contrib" -DBUILD_LIST=core,imgproc,imgcodecs,img_hash \
  -DCPU_BASELINE=SSE4_2 -DCPU_DISPATCH=AVX2 \
  -DBUILD_TESTS=OFF -DBUILD_PERF_TESTS=OFF -DBUILD_EXAMPLES=OFF -DBUILD_opencv_apps=OFF -DBUILD_JAVA=OFF \
  -DBUILD_opencv_python2=OFF -DBUILD_opencv_python3=OFF -DBUILD_DOCS=OFF \
  -DBUILD_ZLIB=OFF -DBUILD_JPEG=OFF -DBUILD_PNG=OFF -DBUILD_TIFF=OFF -DBUILD_WEBP=OFF -DBUILD_OPENJPEG=OFF \
  -DWITH_JPEG=ON -DWITH_PNG=ON -DWITH_TIFF=ON -DWITH_WEBP=ON \
  -DWITH_OPENJPEG=OFF -DWITH_JASPER=OFF -DWITH_OPENEXR=OFF -DWITH_GDAL=OFF -DWITH_GDCM=OFF -DWITH_IMGCODEC_HDR=ON \
  -DWITH_IPP=OFF -DWITH_ITT=OFF -DWITH_OPENCL=OFF -DWITH_CUDA=OFF -DWITH_VA=OFF -DWITH_VA_INTEL=OFF \
  -DWITH_TBB=OFF -DWITH_OPENMP=OFF -DWITH_EIGEN=OFF -DWITH_LAPACK=OFF -DWITH_PROTOBUF=OFF -DWITH_ADE=OFF \
  -DWITH_GTK=OFF -DWITH_QT=OFF -DWITH_FFMPEG=OFF -DWITH_GSTREAMER=OFF -DWITH_V4L=OFF -DWITH_1394=OFF \
  -DWITH_CAROTENE=OFF -DWITH_QUIRC=OFF -DCV_TRACE=OFF -DOPENCV_GENERATE_PKGCONFIG=OFF
cmake --build "$work/build" -j "$(nproc)"
cmake --install "$work/build" >/dev/null
echo "static OpenCV (core, imgproc, imgcodecs, img_hash) installed at $PREFIX"
