#pragma once
// Version and build shims of core/learn that core/nn/torchcompat.h does not cover: CUDA device queries that need the
// CUDA headers (absent from CPU-only LibTorch builds such as Debian's), and out-of-memory detection (1.13 throws a
// c10::Error saying "out of memory", 2.x a c10::OutOfMemoryError, which derives from c10::Error).
#include <string>

#include <torch/torch.h>

#if __has_include(<cuda_runtime_api.h>) && __has_include(<ATen/cuda/CUDAContext.h>)
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#define TESSERA_HAVE_CUDA_HEADERS 1
#else
#define TESSERA_HAVE_CUDA_HEADERS 0
#endif

namespace tessera::learn::compat {

inline bool isOutOfMemory(const c10::Error& e) {
    const std::string what = e.what();
    return what.find("out of memory") != std::string::npos || what.find("OutOfMemory") != std::string::npos;
}

// bf16 autocast needs compute capability 8.0 (Ampere) for speed; older GPUs train in fp16 with a loss scaler.
inline bool cudaSupportsBf16() {
#if TESSERA_HAVE_CUDA_HEADERS
    if (!torch::cuda::is_available()) return false;
    return at::cuda::getCurrentDeviceProperties()->major >= 8;
#else
    return false;
#endif
}

inline std::string cudaDeviceName() {
#if TESSERA_HAVE_CUDA_HEADERS
    if (!torch::cuda::is_available()) return {};
    return at::cuda::getCurrentDeviceProperties()->name;
#else
    return {};
#endif
}

inline void cudaEmptyCache() {
#if TESSERA_HAVE_CUDA_HEADERS
    if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
}

}  // namespace tessera::learn::compat
