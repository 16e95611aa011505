#include "core/imaging/imagedecoder.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <system_error>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/imaging/headerprobe.h"

namespace tessera::imaging {
namespace {

constexpr size_t kProbePrefixBytes = 256 * 1024;  // JPEG APP segments before SOF rarely exceed this

std::string megapixels(int64_t pixels) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MP", double(pixels) / 1e6);
    return buf;
}

std::string formatLabel(const std::string& format) {
    if (format == "jpeg") return "JPEG";
    if (format == "png") return "PNG";
    if (format == "tiff") return "TIFF";
    if (format == "bmp") return "BMP";
    if (format == "webp") return "WebP";
    return format;
}

std::string osReason(int err) { return err ? std::strerror(err) : std::string("unknown error"); }

// Reads up to maxBytes (all when 0). errno is the only portable way to learn why an ifstream failed on POSIX.
Expected<std::vector<uint8_t>> readBytes(const std::filesystem::path& path, size_t maxBytes) {
    const std::string name = path.string();
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (ec) return makeError("cannot read " + name + ": " + ec.message());
    if (std::filesystem::is_directory(status)) return makeError("cannot read " + name + ": " + osReason(EISDIR));
    // A FIFO or device would block or never end; photos are regular files.
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
        return makeError("cannot read " + name + ": not a regular file");
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError("cannot read " + name + ": " + osReason(errno));
    std::vector<uint8_t> bytes;
    auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > 0) bytes.reserve(maxBytes ? std::min<uintmax_t>(size, maxBytes) : size);
    // Read in chunks until EOF rather than trusting file_size: the file may be growing or a special file.
    char chunk[64 * 1024];
    while (in && (maxBytes == 0 || bytes.size() < maxBytes)) {
        size_t want = sizeof chunk;
        if (maxBytes) want = std::min(want, maxBytes - bytes.size());
        errno = 0;
        in.read(chunk, std::streamsize(want));
        bytes.insert(bytes.end(), chunk, chunk + in.gcount());
    }
    if (in.bad() || (!in.eof() && in.fail() && (maxBytes == 0 || bytes.size() < maxBytes)))
        return makeError("cannot read " + name + ": " + osReason(errno));
    return bytes;
}

// Largest DCT scale (1/2, 1/4, 1/8) that keeps the decoded long side >= minLongSide; libjpeg rounds up.
int jpegReduction(int storedLongSide, int minLongSide) {
    if (minLongSide <= 0) return 1;
    for (int f : {8, 4, 2})
        if ((storedLongSide + f - 1) / f >= minLongSide) return f;
    return 1;
}

int jpegFlags(int reduction, bool gray) {
    int flags = gray ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR;
    if (reduction == 2) flags = gray ? cv::IMREAD_REDUCED_GRAYSCALE_2 : cv::IMREAD_REDUCED_COLOR_2;
    if (reduction == 4) flags = gray ? cv::IMREAD_REDUCED_GRAYSCALE_4 : cv::IMREAD_REDUCED_COLOR_4;
    if (reduction == 8) flags = gray ? cv::IMREAD_REDUCED_GRAYSCALE_8 : cv::IMREAD_REDUCED_COLOR_8;
    return flags | cv::IMREAD_IGNORE_ORIENTATION;
}

// libjpeg pads a truncated scan with grey and only warns, so OpenCV returns a half-grey image. A complete file
// has an end-of-image marker after its first scan (trailing bytes after it are allowed and common).
bool jpegHasEndMarker(const std::vector<uint8_t>& b, size_t scanOffset) {
    if (scanOffset == 0 || b.size() < 2) return false;
    for (size_t i = b.size() - 1; i > scanOffset; --i)
        if (b[i] == 0xD9 && b[i - 1] == 0xFF) return true;
    return false;
}

// Transparent pixels are composited over white rather than dropped: cut-out finds on a transparent background
// often keep arbitrary (black or stale) colour under alpha 0, and white is what viewers and the thumbnail grid show.
void compositeOverWhite(const cv::Mat& src, cv::Mat& rgb) {
    const int cn = src.channels();  // 2 (gray, alpha) or 4 (B, G, R, alpha)
    rgb.create(src.rows, src.cols, CV_8UC3);
    for (int y = 0; y < src.rows; ++y) {
        const uint8_t* s = src.ptr<uint8_t>(y);
        uint8_t* d = rgb.ptr<uint8_t>(y);
        for (int x = 0; x < src.cols; ++x, s += cn, d += 3) {
            const int a = s[cn - 1], white = 255 * (255 - a) + 127;
            if (cn == 2) {
                d[0] = d[1] = d[2] = uint8_t((s[0] * a + white) / 255);
            } else {
                d[0] = uint8_t((s[2] * a + white) / 255);
                d[1] = uint8_t((s[1] * a + white) / 255);
                d[2] = uint8_t((s[0] * a + white) / 255);
            }
        }
    }
}

// Any OpenCV decode result (8/16-bit or float, 1..4 channels, BGR order) to CV_8UC3 RGB, or CV_8UC1 luma.
Expected<cv::Mat> normalise(cv::Mat m, bool gray) {
    switch (m.depth()) {
        case CV_8U: break;
        case CV_16U: m.convertTo(m, CV_8U, 1.0 / 257.0); break;
        case CV_32F:
        case CV_64F: m.convertTo(m, CV_8U, 255.0); break;  // float TIFFs are 0..1 by convention
        default: return makeError("unsupported pixel type " + std::to_string(m.depth()));
    }
    cv::Mat out;
    switch (m.channels()) {
        case 1:
            if (gray) return m;
            cv::cvtColor(m, out, cv::COLOR_GRAY2RGB);
            return out;
        case 3: cv::cvtColor(m, out, gray ? cv::COLOR_BGR2GRAY : cv::COLOR_BGR2RGB); return out;
        case 2:
        case 4:
            compositeOverWhite(m, out);
            if (gray) cv::cvtColor(out, out, cv::COLOR_RGB2GRAY);
            return out;
        default: return makeError("unsupported channel count " + std::to_string(m.channels()));
    }
}

// EXIF orientation 1..8 to the displayed image (the same transforms as OpenCV's ApplyExifOrientation).
void orient(cv::Mat& m, int orientation) {
    switch (orientation) {
        case 2: cv::flip(m, m, 1); break;
        case 3: cv::rotate(m, m, cv::ROTATE_180); break;
        case 4: cv::flip(m, m, 0); break;
        case 5: cv::transpose(m, m); break;
        case 6: cv::rotate(m, m, cv::ROTATE_90_CLOCKWISE); break;
        case 7: cv::transpose(m, m); cv::flip(m, m, -1); break;
        case 8: cv::rotate(m, m, cv::ROTATE_90_COUNTERCLOCKWISE); break;
        default: break;
    }
}

int inverseOrientation(int o) { return o == 6 ? 8 : o == 8 ? 6 : o; }

}  // namespace

Status ImageDecoder::checkPixelLimit(const ImageHeader& header, int64_t maxPixels, const std::string& name) {
    if (maxPixels <= 0) return {};
    const std::string size = std::to_string(header.width) + "x" + std::to_string(header.height);
    if (header.pixels() > maxPixels)
        return makeError(name + ": image too large (" + size + " = " + megapixels(header.pixels()) + ", limit " +
                         megapixels(maxPixels) + ")");
    // Memory follows the decoded bytes, not the pixels: a 16-bit RGBA image takes eight bytes a pixel.
    const int64_t bytesPerPixel = int64_t(std::max(1, header.channels)) * std::max(1, header.bitDepth / 8);
    const int64_t limitBytes = maxPixels * 3;  // an 8-bit RGB image at the pixel limit
    if (header.pixels() * bytesPerPixel > limitBytes)
        return makeError(name + ": image too large to decode (" + size + ", " + std::to_string(header.channels) +
                         " channels of " + std::to_string(header.bitDepth) + " bits = " +
                         std::to_string(header.pixels() * bytesPerPixel >> 20) + " MiB decoded, limit " +
                         std::to_string(limitBytes >> 20) + " MiB)");
    return {};
}

Expected<ImageHeader> ImageDecoder::probeBuffer(const uint8_t* data, size_t size, const std::string& nameForErrors) {
    auto r = HeaderProbe::probe(data, size, nameForErrors);
    if (!r) return r.takeError();
    return r->header;
}

Expected<ImageHeader> ImageDecoder::probe(const std::filesystem::path& path) {
    auto prefix = readBytes(path, kProbePrefixBytes);
    if (!prefix) return prefix.takeError();
    auto header = probeBuffer(prefix->data(), prefix->size(), path.string());
    if (header || prefix->size() < kProbePrefixBytes) return header;
    // A header that does not fit the prefix (huge APP segments before the JPEG frame): read it all.
    auto all = readBytes(path, 0);
    if (!all) return all.takeError();
    return probeBuffer(all->data(), all->size(), path.string());
}

Expected<cv::Mat> ImageDecoder::decode(const std::filesystem::path& path, const DecodeOptions& options) {
    auto bytes = readFileBytes(path);
    if (!bytes) return bytes.takeError();
    return decodeBuffer(*bytes, path.string(), options);
}

Expected<cv::Mat> ImageDecoder::decodeBuffer(const std::vector<uint8_t>& bytes, const std::string& name,
                                             const DecodeOptions& options) {
    try {
        auto probed = HeaderProbe::probe(bytes.data(), bytes.size(), name);
        if (!probed) return probed.takeError();
        const ImageHeader& h = probed->header;
        const std::string label = formatLabel(h.format);
        if (auto limit = checkPixelLimit(h, options.maxPixels, name); !limit) return limit.takeError();

        int flags = cv::IMREAD_UNCHANGED;  // keeps alpha and 16 bits; we normalise below
        bool openCvOrients = false;
        if (h.format == "jpeg" && h.bitDepth != 8)
            return makeError(name + ": " + std::to_string(h.bitDepth) + "-bit JPEG is not supported");
        if (probed->animated) return makeError(name + ": animated WebP is not supported");
        if (h.format == "jpeg") {
            if (!jpegHasEndMarker(bytes, probed->jpegScanOffset))
                return makeError(name + ": truncated JPEG data (no end-of-image marker)");
            // libjpeg would fill the missing rows in grey and call a forged size readable.
            const uint64_t scanBytes = bytes.size() - std::min(bytes.size(), probed->jpegScanOffset);
            if (scanBytes < probed->jpegMinScanBytes)
                return makeError(name + ": the JPEG header claims " + std::to_string(h.width) + "x" +
                                 std::to_string(h.height) + " pixels, but the file holds far too little image data "
                                 "for that (" + std::to_string(scanBytes) + " bytes, at least " +
                                 std::to_string(probed->jpegMinScanBytes) + " needed): damaged or forged");
            int longSide = std::max(probed->storedWidth, probed->storedHeight);
            // CMYK/YCCK: OpenCV converts Adobe (inverted) CMYK to colour itself; gray goes through colour then.
            flags = jpegFlags(jpegReduction(longSide, options.minLongSide), options.grayscale && !h.cmyk);
        } else if (h.format == "tiff") {
            // OpenCV's TIFF decoder applies the Orientation tag itself, whatever the flags (checked in the tests).
            openCvOrients = true;
            if (h.cmyk) flags = cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION;  // UNCHANGED would keep raw CMYK
        } else if (h.format == "bmp") {
            // 32-bit BMPs often leave the fourth byte at 0; treating it as alpha would turn photos white.
            flags = cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION;
        }

        cv::Mat raw = cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8U, const_cast<uint8_t*>(bytes.data())), flags);
        if (raw.empty()) return makeError(name + ": cannot decode " + label + " data (truncated or corrupt)");
        auto normalised = normalise(raw, options.grayscale);
        if (!normalised) return makeError(name + ": " + normalised.error());
        cv::Mat out = std::move(*normalised);

        const int o = h.exifOrientation;
        if (openCvOrients) {
            // Guard against a decoder path that did not rotate: the axes must match the displayed size.
            bool swapped = o >= 5 && probed->storedWidth != probed->storedHeight && out.cols == probed->storedWidth &&
                           out.rows == probed->storedHeight;
            if (swapped && options.applyExifOrientation) orient(out, o);
            if (!swapped && !options.applyExifOrientation) orient(out, inverseOrientation(o));
        } else if (options.applyExifOrientation) {
            orient(out, o);
        }
        return out;
    } catch (const cv::Exception& e) {
        return makeError(name + ": cannot decode image (OpenCV: " + e.msg + ")");
    } catch (const std::bad_alloc&) {
        return makeError(name + ": cannot decode image (out of memory)");
    } catch (const std::exception& e) {
        return makeError(name + ": cannot decode image (" + std::string(e.what()) + ")");
    }
}

Expected<std::vector<uint8_t>> readFileBytes(const std::filesystem::path& path) {
    try {
        return readBytes(path, 0);
    } catch (const std::exception& e) {  // bad_alloc on an absurd file, filesystem_error
        return makeError("cannot read " + path.string() + ": " + e.what());
    }
}

cv::Mat resizeToLongSide(const cv::Mat& src, int longSide, ResizeQuality quality) {
    const int srcLong = std::max(src.cols, src.rows);
    if (srcLong == longSide) return src;
    const double scale = double(longSide) / srcLong;
    const cv::Size size = src.cols >= src.rows
                              ? cv::Size(longSide, std::max(1, int(std::lround(src.rows * scale))))
                              : cv::Size(std::max(1, int(std::lround(src.cols * scale))), longSide);
    const bool average = quality == ResizeQuality::Best ? scale < 1.0 : scale <= 0.5;
    cv::Mat out;
    cv::resize(src, out, size, 0, 0, average ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}

}  // namespace tessera::imaging
