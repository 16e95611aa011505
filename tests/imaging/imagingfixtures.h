#pragma once
// Shared helpers for the imaging tests: a scratch directory, synthetic photos, hand-built EXIF / PNG headers and
// the PIL fixtures (CMYK JPEG, gray+alpha PNG, TIFF/PNG orientation) that OpenCV cannot write itself.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace tessera::imaging::testing {

namespace fs = std::filesystem;

// A unique directory under the system temp dir, removed when the object dies.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        path_ = fs::temp_directory_path() /
                ("tessera-imaging-" + std::to_string(stamp) + "-" + std::to_string(counter++));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        // chmod-000 fixtures must be made removable again first.
        for (auto it = fs::recursive_directory_iterator(path_, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
            fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / fs::path(name); }

private:
    fs::path path_;
};

inline void writeBytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    ASSERT_TRUE(out.good()) << path;
}

inline std::vector<uint8_t> readAll(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A picture with structure at several scales (shapes, lines, mild noise), so that pHash and blur mean something.
// Stored in BGR order, as OpenCV writes it.
inline cv::Mat syntheticPhoto(int width, int height, uint64_t seed) {
    cv::RNG rng(seed);
    cv::Mat img(height, width, CV_8UC3);
    cv::Scalar a(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255));
    cv::Scalar b(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255));
    for (int y = 0; y < height; ++y) img.row(y).setTo(a + (b - a) * (double(y) / height));
    for (int i = 0; i < 25; ++i) {
        cv::Scalar colour(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255));
        cv::Point c(rng.uniform(0, width), rng.uniform(0, height));
        int r = rng.uniform(width / 30 + 1, width / 5 + 2);
        if (i % 3 == 0) cv::circle(img, c, r, colour, cv::FILLED, cv::LINE_AA);
        else if (i % 3 == 1) cv::rectangle(img, cv::Rect(c.x, c.y, r, r / 2 + 1), colour, cv::FILLED);
        else cv::line(img, c, cv::Point(rng.uniform(0, width), rng.uniform(0, height)), colour, 2, cv::LINE_AA);
    }
    cv::Mat noise(img.size(), CV_8UC3);
    rng.fill(noise, cv::RNG::NORMAL, 0, 6);
    cv::add(img, noise, img);
    return img;
}

inline std::vector<uint8_t> encode(const std::string& ext, const cv::Mat& img, const std::vector<int>& params = {}) {
    std::vector<uint8_t> out;
    EXPECT_TRUE(cv::imencode(ext, img, out, params)) << ext;
    return out;
}

// Big-endian / little-endian TIFF block with IFD0 holding only the Orientation tag.
inline std::vector<uint8_t> exifTiffBlock(int orientation, bool bigEndian) {
    auto u16 = [&](std::vector<uint8_t>& v, uint32_t x) {
        if (bigEndian) v.insert(v.end(), {uint8_t(x >> 8), uint8_t(x)});
        else v.insert(v.end(), {uint8_t(x), uint8_t(x >> 8)});
    };
    auto u32 = [&](std::vector<uint8_t>& v, uint32_t x) {
        if (bigEndian) v.insert(v.end(), {uint8_t(x >> 24), uint8_t(x >> 16), uint8_t(x >> 8), uint8_t(x)});
        else v.insert(v.end(), {uint8_t(x), uint8_t(x >> 8), uint8_t(x >> 16), uint8_t(x >> 24)});
    };
    std::vector<uint8_t> t;
    if (bigEndian) t = {'M', 'M'};
    else t = {'I', 'I'};
    u16(t, 42);
    u32(t, 8);
    u16(t, 1);           // one entry
    u16(t, 0x0112);      // Orientation
    u16(t, 3);           // SHORT
    u32(t, 1);           // count
    u16(t, uint32_t(orientation));
    u16(t, 0);           // value padding
    u32(t, 0);           // no next IFD
    return t;
}

// Inserts an Exif APP1 segment right after SOI.
inline std::vector<uint8_t> withExifOrientation(const std::vector<uint8_t>& jpeg, int orientation, bool bigEndian) {
    std::vector<uint8_t> tiff = exifTiffBlock(orientation, bigEndian);
    size_t len = 2 + 6 + tiff.size();
    std::vector<uint8_t> app1 = {0xFF, 0xE1, uint8_t(len >> 8), uint8_t(len), 'E', 'x', 'i', 'f', 0, 0};
    app1.insert(app1.end(), tiff.begin(), tiff.end());
    std::vector<uint8_t> out(jpeg.begin(), jpeg.begin() + 2);
    out.insert(out.end(), app1.begin(), app1.end());
    out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
    return out;
}

inline uint32_t crc32(const uint8_t* p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
        c ^= p[i];
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

inline void putBe32(std::vector<uint8_t>& v, uint32_t x) {
    v.insert(v.end(), {uint8_t(x >> 24), uint8_t(x >> 16), uint8_t(x >> 8), uint8_t(x)});
}

// A PNG signature + IHDR (with a correct CRC) + an empty IDAT + IEND: a valid header claiming any size.
inline std::vector<uint8_t> pngClaiming(uint32_t width, uint32_t height, uint8_t depth = 8, uint8_t colourType = 2) {
    std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    auto chunk = [&](const char* type, const std::vector<uint8_t>& data) {
        putBe32(png, uint32_t(data.size()));
        std::vector<uint8_t> body(type, type + 4);
        body.insert(body.end(), data.begin(), data.end());
        png.insert(png.end(), body.begin(), body.end());
        putBe32(png, crc32(body.data(), body.size()));
    };
    std::vector<uint8_t> ihdr;
    putBe32(ihdr, width);
    putBe32(ihdr, height);
    ihdr.insert(ihdr.end(), {depth, colourType, 0, 0, 0});
    chunk("IHDR", ihdr);
    chunk("IDAT", {0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    chunk("IEND", {});
    return png;
}

// Runs a Python snippet with Debian's Python (has PIL); returns the exit status.
inline int runPython(const fs::path& dir, const std::string& script) {
    fs::path file = dir / "fixture.py";
    {
        std::ofstream out(file);
        out << script;
    }
    std::string cmd = std::string(TESSERA_PYTHON) + " '" + file.string() + "'";
    return std::system(cmd.c_str());
}

// Mean colour (RGB order as stored in the Mat) of a w x h patch at (x, y).
inline cv::Vec3d meanAt(const cv::Mat& rgb, int x, int y, int w, int h) {
    cv::Scalar m = cv::mean(rgb(cv::Rect(x, y, w, h)));
    return {m[0], m[1], m[2]};
}

}  // namespace tessera::imaging::testing
