#pragma once
// What Tessera can compute on, for the System check dialog, the status bar, `tessera-cli doctor` and run cards:
// the LibTorch build (CPU or CUDA), the NVIDIA driver and its devices, cuDNN, CPU threads, and — when CUDA cannot be
// used — the exact reason. Torch-free header; the probe itself runs inside the core.
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::learn {

struct GpuInfo {
    int index = 0;
    std::string name;
    int64_t memoryBytes = 0;
    int computeMajor = 0, computeMinor = 0;
    bool bf16 = false;  // compute capability >= 8.0 (Ampere and later)
};

struct DeviceInfo {
    std::string torchVersion;          // "1.13.0", "2.5.1"
    bool torchHasCuda = false;         // LibTorch built with CUDA support
    std::string torchCudaVersion;      // CUDA runtime LibTorch was built with ("12.4"), empty for CPU-only builds
    std::string cudnnVersion;          // "9.1.0", empty when none
    bool cudaAvailable = false;        // torch can run on a CUDA device now
    std::string cudaUnavailableReason; // exact reason when !cudaAvailable (CPU-only build, no driver, no device)
    std::string driverVersion;         // NVIDIA driver's CUDA version ("13.0"), empty when no driver
    std::vector<GpuInfo> gpus;         // as the driver reports them
    int cpuThreads = 0;                // threads LibTorch uses for CPU work
    int hardwareThreads = 0;           // logical cores
    std::string cpuCapability;         // "AVX2", "AVX512", ...
    bool cpuNativeBf16 = false;        // AVX-512 BF16 or AMX-BF16: bf16 runs natively (oneDNN). With LibTorch
                                       // 2.11 fp32 still trained faster on AVX-512 BF16, so training asks for bf16
                                       // only when the user does (--precision bf16)
    std::string blas;                  // BLAS LibTorch was built against ("generic", "mkl", "open")
    // The BLAS the dynamic loader actually resolved (Debian switches libblas.so.3 with update-alternatives, so the
    // build's BLAS does not say whether the slow reference BLAS or OpenBLAS runs). Empty when none is loaded as a
    // shared library (the official LibTorch links MKL statically).
    std::string blasLoaded;            // "OpenBLAS", "reference BLAS (netlib)", "Intel MKL", ...
    std::string blasLoadedPath;        // the resolved file
    bool blasLoadedSlow = false;       // the reference BLAS: CPU training is several times slower

    // One line for a status bar: "NVIDIA H100 80GB HBM3 (CUDA)" or "CPU · 16 threads".
    std::string summary() const;
    // The full report, one "key: value" per line, copyable into a bug report.
    std::string report() const;
};

// Probes once per process (cheap afterwards); thread-safe.
const DeviceInfo& deviceInfo();

}  // namespace tessera::learn
