#pragma once
// Generated test data for the learning code: four visually distinct classes (red disc, green bar, blue stripes, yellow
// cross) on noisy grey backgrounds, with random position, size and aspect. Used in memory (TrainData) and as PNGs.
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace tessera::learn::test {

inline cv::Mat synthImage(int cls, int w, int h, std::mt19937& rng) {
    auto u = [&](int lo, int hi) { return lo + int(rng() % uint32_t(hi - lo + 1)); };
    cv::Mat img(h, w, CV_8UC3);
    const int bg = u(60, 190);
    cv::randu(img, cv::Scalar(bg - 20, bg - 20, bg - 20), cv::Scalar(bg + 20, bg + 20, bg + 20));
    const int s = std::min(w, h);
    const cv::Point c(u(s * 3 / 10, w - s * 3 / 10), u(s * 3 / 10, h - s * 3 / 10));
    const int r = u(s / 5, s * 3 / 10);
    const int t = std::max(2, s / 10);
    switch (cls % 4) {  // RGB order
        case 0: cv::circle(img, c, r, cv::Scalar(u(200, 255), u(0, 50), u(0, 50)), cv::FILLED); break;
        case 1: cv::rectangle(img, {c.x - r, c.y - t}, {c.x + r, c.y + t}, cv::Scalar(u(0, 50), u(180, 255), u(0, 50)), cv::FILLED); break;
        case 2:
            for (int y = c.y - r; y <= c.y + r; y += 2 * t)
                cv::line(img, {c.x - r, y}, {c.x + r, y}, cv::Scalar(u(0, 50), u(0, 80), u(200, 255)), t / 2 + 1);
            break;
        default:
            cv::line(img, {c.x - r, c.y}, {c.x + r, c.y}, cv::Scalar(u(200, 255), u(200, 255), u(0, 40)), t);
            cv::line(img, {c.x, c.y - r}, {c.x, c.y + r}, cv::Scalar(u(200, 255), u(200, 255), u(0, 40)), t);
    }
    return img;
}

inline const std::vector<std::string>& synthClassNames() {
    static const std::vector<std::string> n{"disc", "bar", "stripes", "cross"};
    return n;
}

// A unique empty temp folder, removed when the object dies.
struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& tag) {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() / ("tessera-" + tag + "-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

// Writes perClass PNGs per class into root/<class>/img_<i>.png (RGB images saved as BGR files).
inline void writeSynthFolder(const std::filesystem::path& root, int perClass, int classes, uint32_t seed,
                             int minSide = 36, int maxSide = 56) {
    std::mt19937 rng(seed);
    for (int c = 0; c < classes; ++c) {
        const auto dir = root / synthClassNames()[size_t(c)];
        std::filesystem::create_directories(dir);
        for (int i = 0; i < perClass; ++i) {
            const int w = minSide + int(rng() % uint32_t(maxSide - minSide + 1));
            const int h = minSide + int(rng() % uint32_t(maxSide - minSide + 1));
            cv::Mat rgb = synthImage(c, w, h, rng), bgr;
            cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
            cv::imwrite((dir / ("img_" + std::to_string(i) + ".png")).string(), bgr);
        }
    }
}

}  // namespace tessera::learn::test
