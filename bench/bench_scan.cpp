// bench_scan: times a cold scan + statistics of a fresh project and a re-scan of the unchanged tree, over N
// synthetic 640x480 JPEG sherd photos (generated once, deterministic, reused when present).
// Usage: bench_scan [--dir DIR] [--count N] [--repeat R] [--threads T]
// Reports medians over the repeats: images/s (cold scan + stats), files/s (re-scan), peak RSS (getrusage).
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "core/demo/demogenerator.h"
#include "core/demo/demorandom.h"
#include "core/imaging/imageanalyzer.h"
#include "core/imaging/imagedecoder.h"
#include "core/util/sha256.h"
#include "core/project/scanner.h"
#include "core/stats/projectstatistics.h"
#include "core/util/threadpool.h"

namespace fs = std::filesystem;
using namespace tessera;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

long peakRssMiB() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024;  // Linux: kilobytes
}

// CPU seconds of the whole process (all threads): unlike wall time, not inflated when other jobs share the cores.
double processCpu() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double threadCpu() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

// N images in 4 class folders; a marker file records a complete set so later runs reuse it.
bool ensureImages(const fs::path& root, int count, unsigned threads) {
    const fs::path marker = root / ".bench-complete";
    {
        std::ifstream in(marker);
        int have = 0;
        if (in >> have && have == count) {
            std::printf("reusing %d images in %s\n", count, root.c_str());
            return true;
        }
    }
    const auto& classes = demo::DemoGenerator::classNames();
    for (const auto& c : classes) fs::create_directories(root / c);
    std::printf("generating %d 640x480 JPEGs in %s ...\n", count, root.c_str());
    const auto t0 = Clock::now();
    std::atomic<int> failures{0};
    util::ThreadPool pool(threads);
    pool.parallelFor(size_t(count), [&](size_t i) {
        const int cls = int(i % classes.size());
        const cv::Mat img = demo::DemoGenerator::renderSherd(cls, 640, 480, demo::DemoRandom::mix(0xBE4C4ull + i));
        char name[64];
        std::snprintf(name, sizeof name, "%s_%05zu.jpg", classes[size_t(cls)].c_str(), i);
        if (!cv::imwrite((root / classes[size_t(cls)] / name).string(), img, {cv::IMWRITE_JPEG_QUALITY, 90}))
            ++failures;
    });
    if (failures > 0) {
        std::fprintf(stderr, "bench_scan: %d images could not be written under %s\n", failures.load(), root.c_str());
        return false;
    }
    std::ofstream(marker) << count;
    std::printf("generated in %.1f s\n", since(t0));
    return true;
}

// Where the per-image time of a cold scan goes: each step of ImageAnalyzer::analyze timed alone (thread CPU
// time, one thread) over the first `n` images.
void breakdown(const fs::path& root, int n) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.path().extension() == ".jpg") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    files.resize(std::min(files.size(), size_t(n)));
    double read = 0, hash = 0, probe = 0, decode = 0, analyze = 0;
    imaging::DecodeOptions gray;
    gray.minLongSide = 512;
    gray.grayscale = true;
    for (const auto& f : files) {
        double t = threadCpu();
        auto bytes = imaging::readFileBytes(f);
        read += threadCpu() - t;
        t = threadCpu();
        const auto h = util::sha256Hex(bytes->data(), bytes->size());
        hash += threadCpu() - t;
        t = threadCpu();
        auto header = imaging::ImageDecoder::probeBuffer(bytes->data(), bytes->size(), f.string());
        probe += threadCpu() - t;
        t = threadCpu();
        auto img = imaging::ImageDecoder::decodeBuffer(*bytes, f.string(), gray);
        decode += threadCpu() - t;
        t = threadCpu();
        const auto a = imaging::ImageAnalyzer::analyze(f);
        analyze += threadCpu() - t;
        if (h.empty() || !header || !img || !a.readable) std::fprintf(stderr, "breakdown: %s failed\n", f.c_str());
    }
    const double k = 1000.0 / double(files.size());
    std::printf("per image, one thread, CPU ms: read %.3f, sha256 %.3f, probe %.3f, gray decode %.3f; "
                "whole ImageAnalyzer::analyze %.3f (=> %.0f images per CPU-second)\n",
                read * k, hash * k, probe * k, decode * k, analyze * k, 1000.0 / (analyze * k));
}

struct Timing {
    double cpu = 0;
    double scan = 0, stats = 0, total = 0;
    int64_t files = 0, analysed = 0;
};

// Opens (creating) the project, scans, computes statistics and stores the flags, like `tessera-cli scan`.
bool scanOnce(const fs::path& root, unsigned threads, Timing& t) {
    const auto t0 = Clock::now();
    const double c0 = processCpu();
    auto store = project::ProjectStore::open(root, true);
    if (!store) {
        std::fprintf(stderr, "bench_scan: %s\n", store.error().c_str());
        return false;
    }
    auto options = project::ScanOptions::defaults();
    options.threads = threads;
    auto report = project::Scanner::scan(*store, options);
    if (!report) {
        std::fprintf(stderr, "bench_scan: %s\n", report.error().c_str());
        return false;
    }
    t.scan = since(t0);
    const auto t1 = Clock::now();
    auto images = store->images();
    auto classes = store->classes();
    auto labels = store->classByImage();
    if (!images || !classes || !labels) return false;
    const auto s = stats::computeStatistics(*images, *classes, *labels);
    if (!store->setFlags(stats::imageFlags(*images, s))) return false;
    t.stats = since(t1);
    t.total = since(t0);
    t.cpu = processCpu() - c0;
    t.files = report->filesSeen;
    t.analysed = report->added + report->updated;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path dir = fs::temp_directory_path() / "tessera-bench-scan";
    int count = 5000, repeat = 3;
    unsigned threads = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "bench_scan: %s needs a value\n", a.c_str());
                std::exit(1);
            }
            return argv[++i];
        };
        if (a == "--dir") dir = next();
        else if (a == "--count") count = std::atoi(next());
        else if (a == "--repeat") repeat = std::atoi(next());
        else if (a == "--threads") threads = unsigned(std::atoi(next()));
        else {
            std::fprintf(stderr, "usage: bench_scan [--dir DIR] [--count N] [--repeat R] [--threads T]\n");
            return 1;
        }
    }
    if (count < 1 || repeat < 1) return 1;
    if (!ensureImages(dir, count, threads)) return 1;

    breakdown(dir, 300);
    std::vector<double> coldRate, rescanRate, coldScan, coldStats, rescanTotal, coldCpu;
    for (int r = 0; r < repeat; ++r) {
        std::error_code ec;
        fs::remove_all(dir / ".tessera", ec);  // fresh project; the image files stay in the page cache
        Timing cold, warm;
        if (!scanOnce(dir, threads, cold) || !scanOnce(dir, threads, warm)) return 2;
        if (cold.analysed != count || warm.analysed != 0) {
            std::fprintf(stderr, "bench_scan: expected %d analysed then 0, got %lld and %lld\n", count,
                         (long long)cold.analysed, (long long)warm.analysed);
            return 2;
        }
        coldRate.push_back(cold.files / cold.total);
        rescanRate.push_back(warm.files / warm.scan);
        coldScan.push_back(cold.scan);
        coldStats.push_back(cold.stats);
        rescanTotal.push_back(warm.total);
        coldCpu.push_back(cold.cpu);
        std::printf("run %d: cold scan %.2f s + stats %.3f s = %.2f s (%.0f images/s; %.1f CPU-s); "
                    "re-scan %.3f s (%.0f files/s), + stats %.3f s\n",
                    r + 1, cold.scan, cold.stats, cold.total, cold.files / cold.total, cold.cpu, warm.scan,
                    warm.files / warm.scan, warm.stats);
    }
    std::printf("\nmedian of %d: cold scan+stats %.0f images/s (scan %.2f s, stats %.3f s, %.1f CPU-s = %.0f images "
                "per CPU-second); re-scan %.0f files/s (with stats %.3f s); peak RSS %ld MiB; load average now: ",
                repeat, median(coldRate), median(coldScan), median(coldStats), median(coldCpu),
                count / median(coldCpu), median(rescanRate), median(rescanTotal), peakRssMiB());
    std::fflush(stdout);
    std::system("cut -d' ' -f1-3 /proc/loadavg");
    return 0;
}
