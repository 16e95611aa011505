# CPack: a Debian package (tessera_<version>_<arch>.deb) of the install rules (bin/tessera-cli, bin/tessera, the
# desktop file, icon, AppStream metadata, share/tessera/zoo.json). Build it with packaging/build-deb.sh, or from an
# existing build folder with `cpack --config <build>/CPackConfig.cmake -G DEB` (no rebuild).
# Depends is computed by dpkg-shlibdeps from the binaries (package dpkg-dev), so `dpkg -i` + `apt-get -f install`
# pulls exactly the shared libraries the build linked: Debian's libtorch, OpenCV, Qt 6, ...
include_guard(GLOBAL)

# Installed binaries carry no RPATH: every library comes from the system's library path, never from the build tree.
# (CMake's default already drops the build RPATH at install; this makes it explicit and independent of cache
# settings.) A LibTorch outside the system paths (the official zip under /opt) gets that one folder as RUNPATH so
# that an installed tessera-cli still starts; such a build is for a container or /usr/local, not for the .deb.
set(_tessera_installed_programs tessera-cli tessera)
set(_tessera_rpath "")
if(DEFINED TORCH_INSTALL_PREFIX AND NOT TORCH_INSTALL_PREFIX MATCHES "^/usr(/|$)")
  set(_tessera_rpath "${TORCH_INSTALL_PREFIX}/lib")
endif()
foreach(_target IN LISTS _tessera_installed_programs)
  if(TARGET ${_target})
    set_target_properties(${_target} PROPERTIES
      INSTALL_RPATH "${_tessera_rpath}"
      INSTALL_RPATH_USE_LINK_PATH OFF
      BUILD_WITH_INSTALL_RPATH OFF)
  endif()
endforeach()

set(CPACK_PACKAGE_NAME "tessera")
set(CPACK_PACKAGE_VENDOR "Tessera")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "Tessera developers <tessera@tessera.org>")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://tessera.org")
set(CPACK_RESOURCE_FILE_README "${PROJECT_SOURCE_DIR}/README.md")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_GENERATOR "DEB")
# Release and RelWithDebInfo builds are stripped in the package (the debug info is ~10x the code).
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_NAME "tessera")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Tessera developers <tessera@tessera.org>")
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://tessera.org")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Debian's libtorch links libblas.so.3, which the slow reference BLAS also satisfies; OpenBLAS makes CPU training
# several times faster (`tessera-cli doctor` says which one is loaded).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libopenblas0-pthread")
# Loaded as plugins, so dpkg-shlibdeps cannot see them: the SVG image format/icon engine (the icons are SVG).
if(TESSERA_BUILD_UI)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6svg6")
endif()
set(CPACK_DEBIAN_COMPRESSION_TYPE "xz")
# The synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY; CPack indents this text and turns the empty line into " .".
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"Tessera turns folders of find photos (pottery sherds, vessels, roof tiles,
coins) into a trained image classifier, then labels new finds in batches.
It browses a project as a thumbnail grid, shows resolution statistics and
data-health warnings, labels with the keyboard, fine-tunes ImageNet ResNets
(on an NVIDIA GPU when there is one) and reviews predictions least certain
first. Everything runs offline; photos are never modified.

This package contains the desktop application (tessera, when built with the
GUI) and the headless command-line twin (tessera-cli).")

include(CPack)
