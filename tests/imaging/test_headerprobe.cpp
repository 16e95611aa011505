// Header-only probe: sizes, channels, depth, orientation and CMYK from JPEG/PNG/TIFF/BMP/WebP headers, clear errors
// for malformed ones, and no read past the buffer for any prefix or mutation of a valid header.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <set>

#include "core/imaging/imagedecoder.h"
#include "imaging/imagingfixtures.h"

namespace tessera::imaging {
namespace {

using namespace testing;

Expected<ImageHeader> probeBytes(const std::vector<uint8_t>& b, const std::string& name = "sample.img") {
    // An exact-size heap copy, so that a read past the end is a real out-of-bounds read (ASan, valgrind).
    std::unique_ptr<uint8_t[]> copy(new uint8_t[b.size() ? b.size() : 1]);
    if (!b.empty()) std::memcpy(copy.get(), b.data(), b.size());
    return ImageDecoder::probeBuffer(b.empty() ? nullptr : copy.get(), b.size(), name);
}

std::vector<uint8_t> be16(uint32_t x) { return {uint8_t(x >> 8), uint8_t(x)}; }

void append(std::vector<uint8_t>& v, const std::vector<uint8_t>& w) { v.insert(v.end(), w.begin(), w.end()); }

// SOI, APP14 "Adobe" (transform 0 = CMYK), SOF0 with four components, SOS, a byte of scan data, EOI.
std::vector<uint8_t> cmykJpegHeader(uint32_t w, uint32_t h) {
    std::vector<uint8_t> j = {0xFF, 0xD8, 0xFF, 0xEE, 0x00, 0x0E, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
    append(j, {0xFF, 0xC0, 0x00, 8 + 3 * 4, 8});
    append(j, be16(h));
    append(j, be16(w));
    append(j, {4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0});
    append(j, {0xFF, 0xDA, 0x00, 0x0E, 4, 1, 0, 2, 0, 3, 0, 4, 0, 0, 63, 0, 0x12, 0xFF, 0xD9});
    return j;
}

// Inserts a chunk (with CRC) right after IHDR.
std::vector<uint8_t> withPngChunk(const std::vector<uint8_t>& png, const char* type, const std::vector<uint8_t>& data) {
    std::vector<uint8_t> chunk;
    putBe32(chunk, uint32_t(data.size()));
    std::vector<uint8_t> body(type, type + 4);
    append(body, data);
    append(chunk, body);
    putBe32(chunk, crc32(body.data(), body.size()));
    std::vector<uint8_t> out(png.begin(), png.begin() + 33);
    append(out, chunk);
    out.insert(out.end(), png.begin() + 33, png.end());
    return out;
}

// Big-endian TIFF header, IFD0 with 7 entries; BitsPerSample has 4 values stored at an offset.
std::vector<uint8_t> cmykTiffHeaderBigEndian(uint32_t w, uint32_t h) {
    std::vector<uint8_t> t = {'M', 'M', 0, 42, 0, 0, 0, 8};
    auto entry = [&](uint32_t tag, uint32_t type, uint32_t count, uint32_t value) {
        append(t, be16(tag));
        append(t, be16(type));
        putBe32(t, count);
        if (type == 3 && count == 1) { append(t, be16(value)); append(t, {0, 0}); }
        else putBe32(t, value);
    };
    const uint32_t entries = 7, bpsOffset = 8 + 2 + entries * 12 + 4;
    append(t, be16(entries));
    entry(256, 4, 1, w);
    entry(257, 3, 1, h);
    entry(258, 3, 4, bpsOffset);
    entry(262, 3, 1, 5);  // separated (CMYK)
    entry(274, 3, 1, 8);
    entry(277, 3, 1, 4);
    entry(339, 3, 1, 1);
    putBe32(t, 0);
    append(t, {0, 8, 0, 8, 0, 8, 0, 8});
    return t;
}

std::vector<uint8_t> bmpHeader(uint32_t dibSize, int32_t w, int32_t h, uint16_t bits) {
    std::vector<uint8_t> b = {'B', 'M', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    auto le = [&](uint32_t x, int n) { for (int i = 0; i < n; ++i) b.push_back(uint8_t(x >> (8 * i))); };
    le(dibSize, 4);
    if (dibSize == 12) { le(uint32_t(w), 2); le(uint32_t(h), 2); le(1, 2); le(bits, 2); }
    else { le(uint32_t(w), 4); le(uint32_t(h), 4); le(1, 2); le(bits, 2); b.resize(14 + dibSize, 0); }
    return b;
}

std::string fourcc(const std::vector<uint8_t>& webp) { return std::string(webp.begin() + 12, webp.begin() + 16); }

TEST(ImagingHeaderProbe, JpegSizeChannelsAndDepth) {
    auto colour = probeBytes(encode(".jpg", syntheticPhoto(37, 23, 1)));
    ASSERT_TRUE(colour.ok()) << colour.error();
    EXPECT_EQ(colour->format, "jpeg");
    EXPECT_EQ(colour->width, 37);
    EXPECT_EQ(colour->height, 23);
    EXPECT_EQ(colour->channels, 3);
    EXPECT_EQ(colour->bitDepth, 8);
    EXPECT_EQ(colour->exifOrientation, 1);
    EXPECT_FALSE(colour->cmyk);

    cv::Mat gray(10, 12, CV_8UC1, cv::Scalar(90));
    auto g = probeBytes(encode(".jpg", gray));
    ASSERT_TRUE(g.ok()) << g.error();
    EXPECT_EQ(g->channels, 1);

    auto progressive = probeBytes(encode(".jpg", syntheticPhoto(64, 48, 2), {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
    ASSERT_TRUE(progressive.ok()) << progressive.error();
    EXPECT_EQ(progressive->width, 64);
    EXPECT_EQ(progressive->height, 48);
}

TEST(ImagingHeaderProbe, JpegExifOrientationInBothByteOrders) {
    const auto jpeg = encode(".jpg", syntheticPhoto(40, 20, 3));
    for (bool bigEndian : {false, true}) {
        for (int o = 1; o <= 8; ++o) {
            auto h = probeBytes(withExifOrientation(jpeg, o, bigEndian));
            ASSERT_TRUE(h.ok()) << h.error();
            EXPECT_EQ(h->exifOrientation, o) << "big-endian " << bigEndian;
            EXPECT_EQ(h->width, o >= 5 ? 20 : 40) << o;
            EXPECT_EQ(h->height, o >= 5 ? 40 : 20) << o;
        }
    }
    // An out-of-range value is ignored, not an error: the photo itself is fine.
    auto bad = probeBytes(withExifOrientation(jpeg, 9, false));
    ASSERT_TRUE(bad.ok()) << bad.error();
    EXPECT_EQ(bad->exifOrientation, 1);
}

TEST(ImagingHeaderProbe, JpegAdobeCmyk) {
    auto h = probeBytes(cmykJpegHeader(300, 200));
    ASSERT_TRUE(h.ok()) << h.error();
    EXPECT_TRUE(h->cmyk);
    EXPECT_EQ(h->channels, 4);
    EXPECT_EQ(h->width, 300);
    EXPECT_EQ(h->height, 200);
}

TEST(ImagingHeaderProbe, PngIhdrDepthChannelsAndChunks) {
    cv::Mat c16(7, 9, CV_16UC3, cv::Scalar(1000, 30000, 65535));
    auto h16 = probeBytes(encode(".png", c16));
    ASSERT_TRUE(h16.ok()) << h16.error();
    EXPECT_EQ(h16->format, "png");
    EXPECT_EQ(h16->width, 9);
    EXPECT_EQ(h16->height, 7);
    EXPECT_EQ(h16->bitDepth, 16);
    EXPECT_EQ(h16->channels, 3);

    auto rgba = probeBytes(encode(".png", cv::Mat(5, 6, CV_8UC4, cv::Scalar(1, 2, 3, 4))));
    ASSERT_TRUE(rgba.ok()) << rgba.error();
    EXPECT_EQ(rgba->channels, 4);
    EXPECT_EQ(rgba->bitDepth, 8);

    auto huge = probeBytes(pngClaiming(60000, 60000));
    ASSERT_TRUE(huge.ok()) << huge.error();
    EXPECT_EQ(huge->pixels(), 3'600'000'000LL);

    auto gray4 = probeBytes(pngClaiming(3, 4, 4, 0));
    ASSERT_TRUE(gray4.ok()) << gray4.error();
    EXPECT_EQ(gray4->channels, 1);
    EXPECT_EQ(gray4->bitDepth, 8);  // sub-byte depths report 8, what the decoder delivers

    // tRNS gives a palette image an alpha channel; eXIf carries an orientation.
    auto trns = probeBytes(withPngChunk(pngClaiming(3, 4, 8, 3), "tRNS", {0, 255}));
    ASSERT_TRUE(trns.ok()) << trns.error();
    EXPECT_EQ(trns->channels, 4);
    auto exif = probeBytes(withPngChunk(pngClaiming(30, 10), "eXIf", exifTiffBlock(6, true)));
    ASSERT_TRUE(exif.ok()) << exif.error();
    EXPECT_EQ(exif->exifOrientation, 6);
    EXPECT_EQ(exif->width, 10);
    EXPECT_EQ(exif->height, 30);

    auto badType = probeBytes(pngClaiming(3, 4, 8, 5), "odd.png");
    ASSERT_FALSE(badType.ok());
    EXPECT_NE(badType.error().find("odd.png"), std::string::npos);
    EXPECT_NE(badType.error().find("colour type 5"), std::string::npos);
    auto zero = probeBytes(pngClaiming(0, 4), "zero.png");
    ASSERT_FALSE(zero.ok());
    EXPECT_NE(zero.error().find("zero width or height"), std::string::npos);
}

TEST(ImagingHeaderProbe, TiffBothByteOrders) {
    cv::Mat g16(11, 13, CV_16UC1, cv::Scalar(40000));
    auto little = probeBytes(encode(".tiff", g16));
    ASSERT_TRUE(little.ok()) << little.error();
    EXPECT_EQ(little->format, "tiff");
    EXPECT_EQ(little->width, 13);
    EXPECT_EQ(little->height, 11);
    EXPECT_EQ(little->channels, 1);
    EXPECT_EQ(little->bitDepth, 16);

    auto big = probeBytes(cmykTiffHeaderBigEndian(120, 80));
    ASSERT_TRUE(big.ok()) << big.error();
    EXPECT_TRUE(big->cmyk);
    EXPECT_EQ(big->channels, 4);
    EXPECT_EQ(big->bitDepth, 8);
    EXPECT_EQ(big->exifOrientation, 8);
    EXPECT_EQ(big->width, 80);  // orientation 8 swaps the axes
    EXPECT_EQ(big->height, 120);

    std::vector<uint8_t> badIfd = {'I', 'I', 42, 0, 0xFF, 0xFF, 0, 0};
    auto bad = probeBytes(badIfd, "x.tif");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("IFD0 offset"), std::string::npos) << bad.error();
}

TEST(ImagingHeaderProbe, BmpInfoAndCoreHeaders) {
    auto real = probeBytes(encode(".bmp", syntheticPhoto(21, 17, 4)));
    ASSERT_TRUE(real.ok()) << real.error();
    EXPECT_EQ(real->format, "bmp");
    EXPECT_EQ(real->width, 21);
    EXPECT_EQ(real->height, 17);
    EXPECT_EQ(real->channels, 3);

    auto topDown = probeBytes(bmpHeader(40, 640, -480, 32));
    ASSERT_TRUE(topDown.ok()) << topDown.error();
    EXPECT_EQ(topDown->width, 640);
    EXPECT_EQ(topDown->height, 480);
    EXPECT_EQ(topDown->channels, 4);

    auto core = probeBytes(bmpHeader(12, 33, 44, 24));
    ASSERT_TRUE(core.ok()) << core.error();
    EXPECT_EQ(core->width, 33);
    EXPECT_EQ(core->height, 44);

    auto bad = probeBytes(bmpHeader(40, 10, 10, 7), "b.bmp");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("7 bits per pixel"), std::string::npos) << bad.error();
}

TEST(ImagingHeaderProbe, WebpSimpleLosslessAndExtended) {
    auto lossy = encode(".webp", syntheticPhoto(50, 30, 5), {cv::IMWRITE_WEBP_QUALITY, 80});
    auto lossless = encode(".webp", syntheticPhoto(51, 31, 6), {cv::IMWRITE_WEBP_QUALITY, 101});
    auto alpha = encode(".webp", cv::Mat(32, 52, CV_8UC4, cv::Scalar(10, 20, 30, 128)), {cv::IMWRITE_WEBP_QUALITY, 80});
    struct Case { std::vector<uint8_t> bytes; int w, h; };
    std::set<std::string> kinds;
    for (const Case& c : {Case{lossy, 50, 30}, Case{lossless, 51, 31}, Case{alpha, 52, 32}}) {
        kinds.insert(fourcc(c.bytes));
        auto h = probeBytes(c.bytes);
        ASSERT_TRUE(h.ok()) << h.error();
        EXPECT_EQ(h->format, "webp");
        EXPECT_EQ(h->width, c.w) << fourcc(c.bytes);
        EXPECT_EQ(h->height, c.h) << fourcc(c.bytes);
    }
    EXPECT_TRUE(kinds.count("VP8 ")) << "no simple lossy WebP among the samples";
    EXPECT_TRUE(kinds.count("VP8L")) << "no lossless WebP among the samples";

    // A hand-made VP8X with alpha + EXIF flags and an EXIF chunk holding orientation 6.
    std::vector<uint8_t> x = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'X', 10, 0, 0, 0,
                              0x18, 0, 0, 0, 99, 0, 0, 49, 0, 0};
    auto exif = exifTiffBlock(6, false);
    append(x, {'E', 'X', 'I', 'F', uint8_t(exif.size()), 0, 0, 0});
    append(x, exif);
    auto h = probeBytes(x);
    ASSERT_TRUE(h.ok()) << h.error();
    EXPECT_EQ(h->channels, 4);
    EXPECT_EQ(h->exifOrientation, 6);
    EXPECT_EQ(h->width, 50);
    EXPECT_EQ(h->height, 100);
}

TEST(ImagingHeaderProbe, ClearErrorsForNonImages) {
    auto expectError = [](const std::vector<uint8_t>& bytes, const std::string& name, const std::string& what) {
        auto h = probeBytes(bytes, name);
        ASSERT_FALSE(h.ok()) << name;
        EXPECT_NE(h.error().find(name), std::string::npos) << h.error();
        EXPECT_NE(h.error().find(what), std::string::npos) << h.error();
    };
    expectError({}, "empty.jpg", "empty file (0 bytes)");
    std::string text = "Fundstelle 12, Schnitt 3: Scherben\n";
    expectError(std::vector<uint8_t>(text.begin(), text.end()), "notes.jpg", "not an image (starts with text)");
    auto png = encode(".png", syntheticPhoto(8, 8, 7));
    expectError(std::vector<uint8_t>(png.begin(), png.begin() + 20), "cut.png", "truncated PNG header");
    auto jpeg = encode(".jpg", syntheticPhoto(8, 8, 8));
    expectError(std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + 12), "cut.jpg", "truncated JPEG header");
    expectError({'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0}, "anim.gif", "unsupported image format (GIF)");
    expectError({0x00, 0x01, 0x02, 0x03, 0xFE}, "blob.jpg", "not an image (unknown format, starts with 00 01 02 03 FE)");
}

// Every prefix and many single-byte mutations of real headers: the probe answers (ok or error), never crashes
// and never reads outside the exact-size buffer.
TEST(ImagingHeaderProbe, NeverReadsPastTheBuffer) {
    std::vector<std::vector<uint8_t>> samples = {
        withExifOrientation(encode(".jpg", syntheticPhoto(40, 20, 9)), 6, true),
        cmykJpegHeader(10, 10),
        withPngChunk(pngClaiming(30, 10), "eXIf", exifTiffBlock(3, false)),
        encode(".tiff", cv::Mat(6, 5, CV_16UC3, cv::Scalar(1, 2, 3))),
        cmykTiffHeaderBigEndian(9, 9),
        bmpHeader(40, 5, -5, 24),
        bmpHeader(12, 5, 5, 24),
        encode(".webp", syntheticPhoto(20, 10, 10), {cv::IMWRITE_WEBP_QUALITY, 80}),
        encode(".webp", syntheticPhoto(20, 10, 11), {cv::IMWRITE_WEBP_QUALITY, 101}),
    };
    std::mt19937 rng(1234);
    int answered = 0;
    for (const auto& s : samples) {
        const size_t limit = std::min<size_t>(s.size(), 1500);
        for (size_t n = 0; n <= limit; ++n) {
            auto h = probeBytes(std::vector<uint8_t>(s.begin(), s.begin() + n), "p.img");
            if (h.ok()) {
                EXPECT_GT(h->pixels(), 0);
            } else {
                EXPECT_EQ(h.error().rfind("p.img: ", 0), 0u) << h.error();
            }
            ++answered;
        }
        for (int i = 0; i < 400; ++i) {
            auto m = s;
            size_t at = std::min<size_t>(rng() % std::min<size_t>(m.size(), 200), m.size() - 1);
            m[at] = uint8_t(rng());
            auto h = probeBytes(m, "p.img");
            if (h.ok()) {
                EXPECT_GT(h->pixels(), 0);
            } else {
                EXPECT_EQ(h.error().rfind("p.img: ", 0), 0u) << h.error();
            }
            ++answered;
        }
    }
    EXPECT_GT(answered, 4000);
}

}  // namespace
}  // namespace tessera::imaging
