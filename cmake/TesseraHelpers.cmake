# One helper for a library, one for a test, one for warnings and ccache. Options are prefixed TESSERA_.
include_guard(GLOBAL)

function(tessera_enable_ccache)
  if(TESSERA_USE_CCACHE)
    find_program(TESSERA_CCACHE ccache)
    if(TESSERA_CCACHE)
      set(CMAKE_CXX_COMPILER_LAUNCHER "${TESSERA_CCACHE}" PARENT_SCOPE)
      message(STATUS "Tessera: using ccache ${TESSERA_CCACHE}")
    endif()
  endif()
endfunction()

function(tessera_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
endfunction()

# tessera_add_library(name SOURCES ... [PUBLIC_LIBS ...] [PRIVATE_LIBS ...])
function(tessera_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
  tessera_set_warnings(${name})
endfunction()

# tessera_add_test(name SOURCES ... LIBS ... LABELS unit|ui|slow|gpu [TIMEOUT s])
# Each GoogleTest case becomes its own ctest test (discovered when ctest runs), labelled as given.
function(tessera_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    message(FATAL_ERROR "tessera_add_test(${name}): LABELS is required")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/tests")
  target_compile_definitions(${name} PRIVATE
    TESSERA_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    TESSERA_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    TESSERA_PYTHON="${TESSERA_PYTHON}")
  tessera_set_warnings(${name})
  # Tests that do not use torch need not load it: it costs ~2 s per test process at start-up. Torch tests keep
  # every torch library: --as-needed would drop libtorch_cuda, which registers the CUDA operators unreferenced.
  if(NOT "${ARG_LIBS}" MATCHES "torch")
    target_link_options(${name} PRIVATE "LINKER:--as-needed")
  endif()
  # gpu tests run one at a time (one device, and timings and memory must not interfere) and only after the device
  # check (tests/CMakeLists.txt) has passed: without a GPU, ctest -L gpu reports them "Not Run" next to the check's
  # failure, which says why.
  set(_gpu_properties)
  if("gpu" IN_LIST ARG_LABELS)
    set(_gpu_properties RUN_SERIAL TRUE FIXTURES_REQUIRED tessera_gpu_device)
  endif()
  gtest_discover_tests(${name}
    TEST_PREFIX "${name}."
    DISCOVERY_MODE PRE_TEST
    # Listing the tests loads LibTorch (~1 GB of shared libraries): from a cold page cache that takes longer than
    # the 5 s default.
    DISCOVERY_TIMEOUT 120
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
               ENVIRONMENT QT_QPA_PLATFORM=offscreen ${_gpu_properties})
  # (One variable only: CMake 3.25's gtest_discover_tests splits a list value into separate arguments, which shifted
  # every property after it; an OMP_NUM_THREADS=2 that used to follow here never reached a test.)
endfunction()
