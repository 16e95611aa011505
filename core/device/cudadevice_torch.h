#pragma once
// CUDA device queries for the training and prediction paths. TESSERA_WITH_CUDA is a CMake-level fact (the LibTorch
// found is a CUDA build, cmake/TesseraTorch.cmake): its CUDA headers are then required, never guessed at.
#include <algorithm>
#include <cstdint>
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

// A small host tensor (per-step parameters, row indices) on `device`. On a GPU: staged in pinned memory and copied
// without waiting, so the host can run ahead of the GPU (the caching host allocator keeps the pinned block until the
// copy has run). Elsewhere: the tensor itself.
inline torch::Tensor upload(const torch::Tensor& host, torch::Device device) {
    if (!device.is_cuda() || host.is_cuda()) return host.to(device);
    return (host.is_pinned() ? host : host.pin_memory()).to(device, /*non_blocking=*/true);
}

// Free memory on the current GPU as its driver reports it (0 without CUDA).
inline int64_t freeMemoryBytes() {
#if TESSERA_WITH_CUDA
    if (!torch::cuda::is_available()) return 0;
    size_t free = 0, total = 0;
    if (cudaMemGetInfo(&free, &total) != cudaSuccess) return 0;
    return int64_t(free);
#else
    return 0;
#endif
}

// Whether a training set of `pixelBytes` decoded photos may live on a GPU with `freeBytes` free: only with room left
// for the training itself (weights, optimiser state, activations, cuDNN workspaces): 3 GiB or 30 % of the free
// memory, whichever is more. Otherwise the photos stay in host memory and each batch is copied over.
inline bool pixelsFitOnGpu(int64_t pixelBytes, int64_t freeBytes) {
    const int64_t reserve = std::max<int64_t>(int64_t(3) << 30, freeBytes / 10 * 3);
    return pixelBytes <= freeBytes - reserve;
}

inline void emptyCache() {
#if TESSERA_WITH_CUDA
    if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
}

}  // namespace tessera::learn::cuda
