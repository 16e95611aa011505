// tessera-cli doctor: the System check in text (or JSON) — LibTorch build, CUDA devices or the exact reason CUDA is
// unusable, cuDNN, OpenCV, the BLAS actually loaded, the model zoo, the weights cache. Exits 1 when a GPU was asked
// for (--require-gpu / --device cuda) and none is usable, so job scripts can fail early and say why.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>

#include "app/cli/cliutil.h"
#include "app/cli/command.h"
#include "core/device/deviceinfo.h"
#include "core/nn/modelzoo.h"
#include "core/nn/weightscache.h"

namespace tessera::cli {
namespace {
namespace fs = std::filesystem;

struct DoctorArgs {
    bool requireGpu = false;
    std::string device = "auto";
    bool json = false;
};

// Whether files can be created in `dir` (or, when it does not exist yet, in its nearest existing ancestor, where
// it would be created). Nothing is written.
std::string writableProblem(const fs::path& dir) {
    std::error_code ec;
    fs::path probe = dir;
    while (!probe.empty() && !fs::exists(probe, ec)) {
        if (probe == probe.parent_path()) break;
        probe = probe.parent_path();
    }
    if (probe.empty()) return "no existing parent folder";
    if (!fs::is_directory(probe, ec)) return probe.string() + " is not a folder";
    if (::access(probe.c_str(), W_OK | X_OK) != 0) return probe.string() + " is not writable by this user";
    return {};
}

std::string executablePath() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("unknown") : exe.string();
}

struct WeightsLine {
    std::string name, state, path;
};

struct Report {
    nlohmann::json json;
    std::string text;
    std::vector<std::string> warnings;
};

std::string pad(const std::string& key) {
    return key + ':' + std::string(key.size() < 21 ? 21 - key.size() : 1, ' ');
}

Report buildReport() {
    const learn::DeviceInfo& d = learn::deviceInfo();
    Report r;
    std::ostringstream t;
    t << pad("Tessera") << TESSERA_VERSION << '\n';
    t << pad("Executable") << executablePath() << '\n';
    t << d.report();

    if (d.blasLoadedSlow)
        r.warnings.push_back("the reference BLAS is loaded (slow CPU training); install OpenBLAS: "
                             "sudo apt-get install libopenblas0-pthread");
    t << pad("OpenCV") << cv::getVersionString() << '\n';

    nlohmann::json weightsJson = nlohmann::json::array();
    std::string zooPath;
    auto zoo = nn::ModelZoo::load();
    const nn::WeightsCache cache;
    if (zoo) {
        zooPath = zoo->source().string();
        t << pad("Model zoo") << zooPath << " (" << zoo->entries().size() << " entries)\n";
        std::string cached;
        for (const auto& e : zoo->entries()) {
            const nn::CacheStatus s = cache.status(e, false);
            weightsJson.push_back({{"name", e.name}, {"state", nn::cacheStateName(s.state)}, {"path", s.path.string()}});
            if (s.state == nn::CacheState::Present || s.state == nn::CacheState::Verified)
                cached += (cached.empty() ? "" : ", ") + e.name;
            else if (s.state == nn::CacheState::Partial)
                cached += (cached.empty() ? "" : ", ") + e.name + " (partial download)";
        }
        t << pad("Cached weights")
          << (cached.empty() ? "none — 'tessera-cli weights download resnet18', or offline "
                               "'tessera-cli weights import NAME FILE'"
                             : cached)
          << '\n';
    } else {
        t << pad("Model zoo") << "not found" << '\n';
        r.warnings.push_back(zoo.error());
    }
    const std::string cacheProblem = writableProblem(cache.dir());
    t << pad("Weights cache") << cache.dir().string()
      << (cacheProblem.empty() ? " (writable)" : " (NOT writable: " + cacheProblem + ")") << '\n';
    if (!cacheProblem.empty())
        r.warnings.push_back("the weights cache " + cache.dir().string() + " cannot be written (" + cacheProblem +
                             "); set TESSERA_CACHE_DIR to a writable folder");

    nlohmann::json gpus = nlohmann::json::array();
    for (const auto& g : d.gpus)
        gpus.push_back({{"index", g.index},
                        {"name", g.name},
                        {"memory_bytes", g.memoryBytes},
                        {"compute_capability", std::to_string(g.computeMajor) + "." + std::to_string(g.computeMinor)},
                        {"bf16", g.bf16}});
    r.json = {{"tessera_version", TESSERA_VERSION},
              {"executable", executablePath()},
              {"torch_version", d.torchVersion},
              {"torch_has_cuda", d.torchHasCuda},
              {"torch_cuda_version", d.torchCudaVersion},
              {"cudnn_version", d.cudnnVersion},
              {"cuda_available", d.cudaAvailable},
              {"cuda_unavailable_reason", d.cudaUnavailableReason},
              {"driver_cuda_version", d.driverVersion},
              {"gpus", gpus},
              {"cpu_threads", d.cpuThreads},
              {"hardware_threads", d.hardwareThreads},
              {"cpu_capability", d.cpuCapability},
              {"blas_build", d.blas},
              {"blas_loaded", d.blasLoaded},
              {"blas_loaded_path", d.blasLoadedPath},
              {"opencv_version", cv::getVersionString()},
              {"zoo", zooPath},
              {"weights_cache", cache.dir().string()},
              {"weights_cache_writable", cacheProblem.empty()},
              {"weights", weightsJson}};
    r.text = t.str();
    return r;
}

int runDoctor(const DoctorArgs& args) {
    Report r = buildReport();
    const learn::DeviceInfo& d = learn::deviceInfo();
    const bool gpuRequested = args.requireGpu || args.device == "cuda";
    const bool gpuMissing = gpuRequested && !d.cudaAvailable;
    r.json["warnings"] = r.warnings;
    r.json["gpu_requested"] = gpuRequested;
    r.json["ok"] = !gpuMissing;
    if (args.json) {
        std::cout << r.json.dump(2) << '\n';
    } else {
        std::cout << r.text;
        for (const auto& w : r.warnings) std::cout << pad("Warning") << w << '\n';
        if (gpuMissing)
            std::cout << pad("Result") << "GPU requested but unavailable\n";
        else
            std::cout << pad("Result") << (r.warnings.empty() ? "ok" : "usable, with warnings above") << " — "
                      << (d.cudaAvailable ? "training runs on " + d.summary() : "training runs on the CPU") << '\n';
        std::cout.flush();
    }
    if (gpuMissing)
        return userError("a GPU was requested (" + std::string(args.requireGpu ? "--require-gpu" : "--device cuda") +
                         ") but CUDA is unavailable: " + d.cudaUnavailableReason);
    return kOk;
}

const CommandRegistrar registrar("doctor",
                                 "Check this machine: LibTorch build, CUDA/GPU or why not, cuDNN, BLAS, weights cache",
                                 [](CLI::App& sub) -> std::function<int()> {
    auto args = std::make_shared<DoctorArgs>();
    sub.add_flag("--require-gpu", args->requireGpu, "Exit with status 1 (and the reason) when CUDA is unavailable");
    sub.add_option("--device", args->device, "Device the job will use; 'cuda' is the same as --require-gpu")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
        ->capture_default_str();
    sub.add_flag("--json", args->json, "Print JSON (for scripts) instead of the text report");
    return [args] { return runDoctor(*args); };
});

}  // namespace
}  // namespace tessera::cli
