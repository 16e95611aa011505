#pragma once
// Writes a synthetic find dataset for demos, tutorials and benchmarks: photos of pottery sherds in four decoration
// classes (incised lines, impressed dots, painted bands, plain), one sub-folder per class, at mixed resolutions,
// with a few deliberate health problems (too small, exact and near duplicates, one blurry photo).
// Deterministic: the same options give the same pixels (and the same bytes with the same libjpeg).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/util/expected.h"
#include "core/util/jobcontext.h"

namespace tessera::demo {

struct DemoOptions {
    int perClass = 40;            // images per class (>= 1); 4 classes
    uint64_t seed = 20240611;     // any value; equal seeds give identical datasets
    int jpegQuality = 90;
    unsigned threads = 0;         // 0: one per hardware thread

    static DemoOptions defaults() { return DemoOptions{}; }
};

struct DemoReport {
    std::filesystem::path root;
    std::vector<std::string> classes;         // folder names
    std::vector<std::string> files;           // relative paths, '/'-separated, sorted
    int64_t bytesWritten = 0;
    // The planted problems, as relative paths, so demos and tests can point at them.
    std::vector<std::string> tooSmall;
    std::vector<std::string> exactDuplicates;  // each is a byte copy of "<class>/<class>_000.jpg"
    std::vector<std::string> nearDuplicates;   // a rescaled re-encode of "<class>/<class>_000.jpg"
    std::vector<std::string> blurry;
};

class DemoGenerator {
public:
    // Folder names of the four classes, in class order.
    static const std::vector<std::string>& classNames();

    // Writes <outDir>/<class>/<class>_NNN.jpg (creating folders; existing files of the same name are overwritten).
    static Expected<DemoReport> generate(const std::filesystem::path& outDir,
                                         const DemoOptions& options = DemoOptions::defaults(),
                                         const JobContext& context = JobContext{});

    // One sherd photo (BGR, CV_8UC3) of decoration class 0..3; the same arguments give the same pixels.
    static cv::Mat renderSherd(int decoration, int width, int height, uint64_t seed);
};

}  // namespace tessera::demo
