#include "core/device/deviceinfo.h"

#include <dlfcn.h>
#if defined(__linux__)
#include <link.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/torch.h>
#include <torch/version.h>

namespace tessera::learn {
namespace {

// The value after `key` in at::show_config() ("  - CuDNN 9.1", "BLAS_INFO=open,"), empty when absent.
std::string configValue(const std::string& config, const std::string& key, const std::string& stops) {
    const auto at = config.find(key);
    if (at == std::string::npos) return {};
    const auto begin = at + key.size();
    const auto end = config.find_first_of(stops, begin);
    return config.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

// Native bf16 arithmetic on this CPU: CPUID leaf 7 sub-leaf 1 EAX bit 5 (AVX512_BF16) or leaf 7 sub-leaf 0 EDX
// bit 22 (AMX-BF16). Without it oneDNN emulates bf16 and fp32 is the faster choice.
bool probeCpuNativeBf16() {
#if defined(__x86_64__) || defined(__i386__)
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    const bool amxBf16 = (d >> 22) & 1u;
    const unsigned maxSubleaf = a;
    bool avx512Bf16 = false;
    if (maxSubleaf >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) avx512Bf16 = (a >> 5) & 1u;
    return avx512Bf16 || amxBf16;
#else
    return false;
#endif
}

std::string cudaVersionText(int v) {  // 12040 -> "12.4"
    return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

// The NVIDIA driver API, loaded at run time so that Tessera runs (and explains itself) where there is no driver.
void probeDriver(DeviceInfo& info, std::string& driverProblem) {
    void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        driverProblem = "no NVIDIA driver is installed (libcuda.so.1 could not be loaded)";
        return;
    }
    using InitFn = int (*)(unsigned);
    using IntFn = int (*)(int*);
    using GetFn = int (*)(int*, int);
    using NameFn = int (*)(char*, int, int);
    using MemFn = int (*)(size_t*, int);
    using AttrFn = int (*)(int*, int, int);
    auto init = reinterpret_cast<InitFn>(dlsym(lib, "cuInit"));
    auto driverVersion = reinterpret_cast<IntFn>(dlsym(lib, "cuDriverGetVersion"));
    auto count = reinterpret_cast<IntFn>(dlsym(lib, "cuDeviceGetCount"));
    auto get = reinterpret_cast<GetFn>(dlsym(lib, "cuDeviceGet"));
    auto name = reinterpret_cast<NameFn>(dlsym(lib, "cuDeviceGetName"));
    auto mem = reinterpret_cast<MemFn>(dlsym(lib, "cuDeviceTotalMem_v2"));
    auto attr = reinterpret_cast<AttrFn>(dlsym(lib, "cuDeviceGetAttribute"));
    if (!init || !driverVersion || !count || !get || !name || !mem || !attr) {
        driverProblem = "the NVIDIA driver library libcuda.so.1 is incomplete (missing driver API symbols)";
        return;  // the library stays loaded: unloading a driver library is not worth the risk
    }
    int v = 0;
    if (driverVersion(&v) == 0 && v > 0) info.driverVersion = cudaVersionText(v);
    if (const int rc = init(0); rc != 0) {
        driverProblem = rc == 100 ? "the NVIDIA driver is loaded but reports no CUDA device (CUDA_ERROR_NO_DEVICE)"
                                  : "the NVIDIA driver failed to initialise (cuInit error " + std::to_string(rc) +
                                        "; is the kernel module loaded and /dev/nvidia* accessible?)";
        return;
    }
    int n = 0;
    if (count(&n) != 0 || n == 0) {
        driverProblem = "the NVIDIA driver reports no CUDA device (check CUDA_VISIBLE_DEVICES)";
        return;
    }
    for (int i = 0; i < n; ++i) {
        int dev = 0;
        if (get(&dev, i) != 0) continue;
        GpuInfo g;
        g.index = i;
        char buf[256] = {};
        if (name(buf, int(sizeof buf) - 1, dev) == 0) g.name = buf;
        size_t bytes = 0;
        if (mem(&bytes, dev) == 0) g.memoryBytes = int64_t(bytes);
        attr(&g.computeMajor, 75, dev);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
        attr(&g.computeMinor, 76, dev);  // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR
        g.bf16 = g.computeMajor >= 8;
        info.gpus.push_back(g);
    }
}

#if defined(__linux__)
int collectLibrary(dl_phdr_info* info, size_t, void* data) {
    auto* names = static_cast<std::vector<std::string>*>(data);
    if (info->dlpi_name && *info->dlpi_name) names->emplace_back(info->dlpi_name);
    return 0;
}
#endif

// Fills info.blasLoaded*: the BLAS among the loaded shared libraries; libblas.so.3 (the one LibTorch calls through)
// rather than a libopenblas.so.0 loaded beside it.
void probeLoadedBlas(DeviceInfo& info) {
#if defined(__linux__)
    namespace fs = std::filesystem;
    std::vector<std::string> names;
    dl_iterate_phdr(collectLibrary, &names);
    bool chosenIsLibblas = false;
    for (const auto& name : names) {
        const std::string file = fs::path(name).filename().string();
        if (file.find("blas") == std::string::npos && file.find("mkl") == std::string::npos &&
            file.find("blis") == std::string::npos)
            continue;
        std::error_code ec;
        const fs::path real = fs::canonical(name, ec);
        const std::string path = ec ? name : real.string();
        const bool libblas = file.rfind("libblas.so", 0) == 0;
        if (!info.blasLoaded.empty() && (chosenIsLibblas || !libblas)) continue;
        chosenIsLibblas = libblas;
        info.blasLoadedPath = path;
        info.blasLoadedSlow = false;
        if (path.find("openblas") != std::string::npos) info.blasLoaded = "OpenBLAS";
        else if (path.find("mkl") != std::string::npos) info.blasLoaded = "Intel MKL";
        else if (path.find("blis") != std::string::npos) info.blasLoaded = "BLIS";
        else if (path.find("atlas") != std::string::npos) info.blasLoaded = "ATLAS";
        else if (path.find("/blas/libblas.so") != std::string::npos) {
            info.blasLoaded = "reference BLAS (netlib)";
            info.blasLoadedSlow = true;
        } else {
            info.blasLoaded = "unknown BLAS";
        }
    }
#else
    (void)info;
#endif
}

DeviceInfo probe() {
    DeviceInfo info;
    info.torchVersion = TORCH_VERSION;
    info.hardwareThreads = int(std::max(1u, std::thread::hardware_concurrency()));
    info.cpuThreads = at::get_num_threads();
    const std::string config = at::show_config();
    info.cpuCapability = configValue(config, "CPU capability usage: ", "\n");
    info.blas = configValue(config, "BLAS_INFO=", ",\n");
    probeLoadedBlas(info);
    info.cpuNativeBf16 = probeCpuNativeBf16();
    // Whether the loaded LibTorch was built with CUDA is a fact of the library (its CUDA hooks are registered),
    // independent of a driver or a device: at::hasCUDA() would also be false on a CUDA build without a GPU.
    info.torchHasCuda = at::detail::getCUDAHooks().isBuilt();
    info.torchCudaVersion = configValue(config, "CUDA Runtime ", "\n");
    if (info.torchCudaVersion.empty()) info.torchCudaVersion = configValue(config, "CUDA_VERSION=", ",\n");
    if (info.torchHasCuda) {
        try {
            const long v = at::detail::getCUDAHooks().versionCuDNN();
            if (v > 0)  // 8902 -> 8.9.2 (cuDNN 8), 90100 -> 9.1.0 (cuDNN 9)
                info.cudnnVersion = v >= 90000 ? std::to_string(v / 10000) + "." + std::to_string((v % 10000) / 100) +
                                                     "." + std::to_string(v % 100)
                                               : std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 100) +
                                                     "." + std::to_string(v % 100);
        } catch (const std::exception&) {
            // cuDNN not compiled in: leave empty, the report says "none".
        }
    }
    std::string driverProblem;
    probeDriver(info, driverProblem);
    try {
        info.cudaAvailable = info.torchHasCuda && torch::cuda::is_available() && torch::cuda::device_count() > 0;
    } catch (const std::exception& e) {
        info.cudaAvailable = false;
        driverProblem = std::string("LibTorch could not initialise CUDA: ") + e.what();
    }
    if (!info.cudaAvailable) {
        if (!info.torchHasCuda)
            info.cudaUnavailableReason =
                "this LibTorch " + info.torchVersion + " is a CPU-only build (no CUDA support compiled in)" +
                (info.gpus.empty() ? std::string() : "; the GPU is present but this build cannot use it");
        else if (!driverProblem.empty())
            info.cudaUnavailableReason = driverProblem;
        else
            info.cudaUnavailableReason = "LibTorch has CUDA support but found no usable device (driver " +
                                         (info.driverVersion.empty() ? std::string("unknown") : info.driverVersion) +
                                         " may be older than the CUDA " + info.torchCudaVersion + " it needs)";
    }
    return info;
}

std::string gib(int64_t bytes) {
    std::ostringstream o;
    o.setf(std::ios::fixed);
    o.precision(1);
    o << double(bytes) / (1024.0 * 1024.0 * 1024.0) << " GiB";
    return o.str();
}

}  // namespace

const DeviceInfo& deviceInfo() {
    static std::once_flag once;
    static DeviceInfo info;
    std::call_once(once, [] { info = probe(); });
    return info;
}

std::string DeviceInfo::summary() const {
    if (cudaAvailable && !gpus.empty()) return gpus.front().name + " (CUDA)";
    return "CPU · " + std::to_string(cpuThreads) + (cpuThreads == 1 ? " thread" : " threads");
}

std::string DeviceInfo::report() const {
    std::ostringstream o;
    const auto line = [&o](const std::string& key, const std::string& value) {
        o << key << ':' << std::string(key.size() < 21 ? 21 - key.size() : 1, ' ') << value << '\n';
    };
    line("LibTorch", torchVersion + (torchHasCuda ? " (CUDA " + torchCudaVersion + " build)" : " (CPU-only build)"));
    line("CUDA available", cudaAvailable ? "yes" : "no — " + cudaUnavailableReason);
    line("NVIDIA driver", driverVersion.empty() ? "none" : "supports CUDA " + driverVersion);
    line("cuDNN", cudnnVersion.empty() ? "none" : cudnnVersion);
    for (const auto& g : gpus)
        line("GPU " + std::to_string(g.index),
             g.name + ", " + gib(g.memoryBytes) + ", compute capability " + std::to_string(g.computeMajor) + "." +
                 std::to_string(g.computeMinor) + (g.bf16 ? ", bf16" : ", fp16 only"));
    line("CPU threads", std::to_string(cpuThreads) + " used of " + std::to_string(hardwareThreads) + " logical cores");
    if (!cpuCapability.empty()) line("CPU vector unit", cpuCapability);
    if (!blas.empty()) line("BLAS (build)", blas);
    line("BLAS (loaded)", blasLoaded.empty() ? "none as a shared library (built into LibTorch)"
                                             : blasLoaded + " — " + blasLoadedPath +
                                                   (blasLoadedSlow ? " (slow: install OpenBLAS)" : ""));
    line("CPU bf16", cpuNativeBf16 ? "native (AVX-512 BF16 / AMX); CPU training uses fp32 unless asked for bf16"
                                   : "no native bf16 (emulated, slow); CPU training uses fp32");
    return o.str();
}

}  // namespace tessera::learn
