#pragma once
// CUDA device queries for the training and prediction paths. TESSERA_WITH_CUDA is a CMake-level fact (the LibTorch
// found is a CUDA build, cmake/TesseraTorch.cmake): its CUDA headers are then required, never guessed at.
#include <string>

#include <torch/torch.h>

#if TESSERA_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace tessera::learn::cuda {

// bf16 autocast needs compute capability 8.0 (Ampere) for speed; older GPUs train in fp16 with a loss scaler.
inline bool supportsBf16() {
#if TESSERA_WITH_CUDA
    if (!torch::cuda::is_available()) return false;
    return at::cuda::getCurrentDeviceProperties()->major >= 8;
#else
    return false;
#endif
}

inline std::string deviceName() {
#if TESSERA_WITH_CUDA
    if (!torch::cuda::is_available()) return {};
    return at::cuda::getCurrentDeviceProperties()->name;
#else
    return {};
#endif
}

// Out of GPU memory: the caching allocator throws the typed c10::OutOfMemoryError; cuDNN and cuBLAS report their
// own workspace allocation failures as a plain c10::Error carrying their status code.
inline bool isOutOfMemory(const c10::Error& e) {
    if (dynamic_cast<const c10::OutOfMemoryError*>(&e)) return true;
    const std::string what = e.what_without_backtrace();
    return what.find("CUDNN_STATUS_ALLOC_FAILED") != std::string::npos ||
           what.find("CUBLAS_STATUS_ALLOC_FAILED") != std::string::npos;
}

inline void emptyCache() {
#if TESSERA_WITH_CUDA
    if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
}

}  // namespace tessera::learn::cuda
