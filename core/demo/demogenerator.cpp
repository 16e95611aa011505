#include "core/demo/demogenerator.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/demo/demorandom.h"
#include "core/demo/sherdpainter.h"
#include "core/util/threadpool.h"

namespace tessera::demo {
namespace fs = std::filesystem;
namespace {

enum class Kind { Normal, TooSmall, ExactDuplicate, NearDuplicate, Blurry };

struct Plan {
    int cls = 0;
    int index = 0;
    std::string relPath;
    int width = 0;
    int height = 0;
    uint64_t seed = 0;
    Kind kind = Kind::Normal;
};

std::string fileName(const std::string& cls, int index) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "_%03d.jpg", index);
    return cls + "/" + cls + buf;
}

// Which image of which class carries a planted problem. Fixed positions (not random) so that every seed shows
// each problem once and tests can name the files.
Plan plan(int cls, int index, const DemoOptions& options) {
    const int n = options.perClass;
    Plan p;
    p.cls = cls;
    p.index = index;
    p.relPath = fileName(DemoGenerator::classNames()[size_t(cls)], index);
    p.seed = DemoRandom::mix(DemoRandom::mix(options.seed) + uint64_t(cls) * 100003u + uint64_t(index));
    DemoRandom rng(p.seed ^ 0x5EEDull);
    static const int sizes[][2] = {{640, 480}, {800, 600}, {1024, 768}, {1200, 900}};
    const auto& s = sizes[rng.uniformInt(0, 3)];
    const bool portrait = rng.chance(0.25);
    p.width = portrait ? s[1] : s[0];
    p.height = portrait ? s[0] : s[1];
    if (n >= 2 && index == 1 && cls % 2 == 1) {
        p.kind = Kind::TooSmall;
        p.width = cls == 1 ? 200 : 150;
        p.height = cls == 1 ? 150 : 200;
    } else if (n >= 3 && index == n - 1 && (cls == 0 || cls == 1)) {
        p.kind = Kind::ExactDuplicate;
    } else if (n >= 3 && index == n - 1 && cls == 3) {
        p.kind = Kind::NearDuplicate;
    } else if (n >= 2 && index == n - 1 && cls == 2) {
        p.kind = Kind::Blurry;
    }
    return p;
}

Expected<std::vector<uchar>> encode(const cv::Mat& img, int quality, const std::string& name) {
    std::vector<uchar> bytes;
    try {
        if (!cv::imencode(".jpg", img, bytes, {cv::IMWRITE_JPEG_QUALITY, quality}))
            return makeError("cannot encode '" + name + "' as JPEG");
    } catch (const cv::Exception& e) {
        return makeError("cannot encode '" + name + "' as JPEG: " + e.what());
    }
    return bytes;
}

Expected<std::vector<uchar>> renderBytes(const Plan& p, const DemoOptions& options) {
    const auto deco = Decoration(p.cls);
    switch (p.kind) {
    case Kind::ExactDuplicate:
    case Kind::NearDuplicate: {
        const Plan original = plan(p.cls, 0, options);
        cv::Mat img = SherdPainter::paint(deco, original.width, original.height, original.seed);
        if (p.kind == Kind::ExactDuplicate) return encode(img, options.jpegQuality, p.relPath);
        // The same photo saved again smaller and more compressed: different bytes, same picture.
        cv::Mat smaller;
        cv::resize(img, smaller, cv::Size(img.cols * 4 / 5, img.rows * 4 / 5), 0, 0, cv::INTER_AREA);
        return encode(smaller, std::max(40, options.jpegQuality - 15), p.relPath);
    }
    case Kind::Blurry: {
        cv::Mat img = SherdPainter::paint(deco, p.width, p.height, p.seed);
        cv::GaussianBlur(img, img, cv::Size(0, 0), std::min(p.width, p.height) / 480.0 * 4.0);
        return encode(img, options.jpegQuality, p.relPath);
    }
    case Kind::Normal:
    case Kind::TooSmall:
        break;
    }
    return encode(SherdPainter::paint(deco, p.width, p.height, p.seed), options.jpegQuality, p.relPath);
}

Status writeFile(const fs::path& path, const std::vector<uchar>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return makeError("cannot write '" + path.string() + "': " + std::strerror(errno));
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    out.close();
    if (!out) return makeError("cannot write '" + path.string() + "': " + std::strerror(errno));
    return {};
}

}  // namespace

const std::vector<std::string>& DemoGenerator::classNames() {
    static const std::vector<std::string> names = {"incised", "impressed-dots", "painted-bands", "plain"};
    return names;
}

cv::Mat DemoGenerator::renderSherd(int decoration, int width, int height, uint64_t seed) {
    return SherdPainter::paint(Decoration(std::clamp(decoration, 0, 3)), width, height, seed);
}

Expected<DemoReport> DemoGenerator::generate(const fs::path& outDir, const DemoOptions& options,
                                             const JobContext& context) {
    if (options.perClass < 1) return makeError("demo: --per-class must be at least 1 (got " +
                                               std::to_string(options.perClass) + ")");
    std::error_code ec;
    if (fs::exists(outDir, ec) && !fs::is_directory(outDir, ec))
        return makeError("'" + outDir.string() + "' exists and is not a folder");
    for (const auto& cls : classNames()) {
        fs::create_directories(outDir / cls, ec);
        if (ec) return makeError("cannot create folder '" + (outDir / cls).string() + "': " + ec.message());
    }

    std::vector<Plan> plans;
    for (int c = 0; c < int(classNames().size()); ++c)
        for (int i = 0; i < options.perClass; ++i) plans.push_back(plan(c, i, options));

    std::vector<std::string> errors(plans.size());
    std::vector<int64_t> sizes(plans.size(), 0);
    std::atomic<int64_t> done{0};
    std::mutex progressMutex;  // progress consumers need not be thread-safe: one callback at a time
    const auto total = int64_t(plans.size());
    {
        util::ThreadPool pool(options.threads);
        pool.parallelFor(plans.size(), [&](size_t k) {
            if (context.cancelled()) return;
            auto bytes = renderBytes(plans[k], options);
            if (!bytes) {
                errors[k] = bytes.error();
            } else {
                auto written = writeFile(outDir / plans[k].relPath, *bytes);
                if (!written) errors[k] = written.error();
                sizes[k] = int64_t(bytes->size());
            }
            const int64_t d = ++done;
            std::lock_guard<std::mutex> lock(progressMutex);
            context.report({"demo", d, total, plans[k].relPath});
        });
    }
    if (context.cancelled()) return makeError("demo generation cancelled");
    for (const auto& e : errors)
        if (!e.empty()) return makeError(e);

    DemoReport report;
    report.root = outDir;
    report.classes = classNames();
    for (size_t k = 0; k < plans.size(); ++k) {
        const Plan& p = plans[k];
        report.files.push_back(p.relPath);
        report.bytesWritten += sizes[k];
        if (p.kind == Kind::TooSmall) report.tooSmall.push_back(p.relPath);
        if (p.kind == Kind::ExactDuplicate) report.exactDuplicates.push_back(p.relPath);
        if (p.kind == Kind::NearDuplicate) report.nearDuplicates.push_back(p.relPath);
        if (p.kind == Kind::Blurry) report.blurry.push_back(p.relPath);
    }
    std::sort(report.files.begin(), report.files.end());
    return report;
}

}  // namespace tessera::demo
