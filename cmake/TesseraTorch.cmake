# Finds LibTorch and states, as a CMake-level fact, whether it is a CUDA build.
#
# Where: Torch_DIR or CMAKE_PREFIX_PATH when given; otherwise the torch wheel in ${TESSERA_VENV} (made by
# packaging/install-deps.sh), found by a glob rather than by importing torch (which takes seconds and needs a
# working Python). Result: TESSERA_TORCH_CUDA (ON/OFF), and TESSERA_WITH_CUDA=0/1 defined for tessera_core sources.
# With TESSERA_REQUIRE_CUDA (the default) a CPU-only LibTorch is a configure error, so CI can never silently build
# without the CUDA path.
include_guard(GLOBAL)

if(NOT Torch_DIR)
  file(GLOB _tessera_torch_cmake "${TESSERA_VENV}/lib/python3*/site-packages/torch/share/cmake")
  if(_tessera_torch_cmake)
    list(GET _tessera_torch_cmake 0 _tessera_torch_cmake)
    list(APPEND CMAKE_PREFIX_PATH "${_tessera_torch_cmake}")
    # Torch's config looks up a few libraries with the system paths first; a distribution's older LibTorch
    # (Debian's libtorch-dev) there must not win over the venv's.
    foreach(_lib torch c10_cuda)
      string(TOUPPER "${_lib}_LIBRARY" _var)
      find_library(${_var} ${_lib} PATHS "${_tessera_torch_cmake}/../../lib" NO_DEFAULT_PATH)
    endforeach()
  endif()
endif()

# Torch's CUDA config looks for the toolkit that matches its own CUDA (13.0); Debian's /usr/local/cuda is that one.
if(NOT CUDAToolkit_ROOT AND NOT DEFINED ENV{CUDAToolkit_ROOT} AND EXISTS /usr/local/cuda/bin/nvcc)
  set(CUDAToolkit_ROOT /usr/local/cuda)
endif()
# No Tessera source is CUDA C++; torch's config still wants target architectures (A100, H100/H200).
if(NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST} AND NOT TORCH_CUDA_ARCH_LIST)
  set(TORCH_CUDA_ARCH_LIST "8.0;9.0")
endif()

find_package(Torch REQUIRED)
if(Torch_VERSION VERSION_LESS 2.4)
  message(FATAL_ERROR "Tessera needs LibTorch >= 2.4 (found ${Torch_VERSION} in ${Torch_DIR}). "
                      "Run: bash packaging/install-deps.sh")
endif()

if(TORCH_CUDA_LIBRARIES OR TARGET torch_cuda)
  set(TESSERA_TORCH_CUDA ON)
else()
  set(TESSERA_TORCH_CUDA OFF)
endif()
if(TESSERA_REQUIRE_CUDA AND NOT TESSERA_TORCH_CUDA)
  message(FATAL_ERROR "LibTorch ${Torch_VERSION} in ${Torch_DIR} is a CPU-only build. Tessera's CI builds the CUDA "
                      "path; run packaging/install-deps.sh, or configure with -DTESSERA_REQUIRE_CUDA=OFF.")
endif()
message(STATUS "Tessera: LibTorch ${Torch_VERSION} from ${Torch_DIR}, CUDA build: ${TESSERA_TORCH_CUDA}")

# The torch wheel's libtorch.so exports its own copy of libstdc++'s std::filesystem (built with GCC 13). Linked
# first, it interposes every std::filesystem call of the program, and in a GCC 12 program some of those copies jump
# to a null address (remove_all crashed every test that cleans a temporary folder). Putting libstdc++ first among
# the needed libraries makes the system's own, matching implementation the one every caller binds to.
add_link_options("SHELL:-Wl,--push-state,--no-as-needed -lstdc++ -Wl,--pop-state")
