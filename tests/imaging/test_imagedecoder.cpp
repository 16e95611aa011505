// Decoding the bad-input and format corpus: every good file becomes CV_8UC3 RGB of the displayed size (EXIF
// orientation, alpha over white, 16-bit, CMYK), every bad one a specific error naming the file.
#include <gtest/gtest.h>

#include <memory>

#include <sys/stat.h>
#include <unistd.h>

#include "core/imaging/imagedecoder.h"
#include "core/imaging/thumbnailer.h"
#include "imaging/imagingfixtures.h"

namespace tessera::imaging {
namespace {

using namespace testing;

// Stored 40x20, white, a red 6x6 block at the stored top-left and a green one at the stored top-right.
cv::Mat cornerMarked() {
    cv::Mat bgr(20, 40, CV_8UC3, cv::Scalar(255, 255, 255));
    bgr(cv::Rect(0, 0, 6, 6)).setTo(cv::Scalar(0, 0, 255));
    bgr(cv::Rect(34, 0, 6, 6)).setTo(cv::Scalar(0, 255, 0));
    return bgr;
}

// Which corner of an RGB image holds the block of the given colour.
std::string cornerOf(const cv::Mat& rgb, const cv::Vec3b& colour) {
    const int w = rgb.cols, h = rgb.rows, s = 4;
    const std::pair<const char*, cv::Rect> corners[] = {{"TL", {0, 0, s, s}},
                                                        {"TR", {w - s, 0, s, s}},
                                                        {"BL", {0, h - s, s, s}},
                                                        {"BR", {w - s, h - s, s, s}}};
    for (const auto& [name, rect] : corners) {
        cv::Scalar m = cv::mean(rgb(rect));
        if (std::abs(m[0] - colour[0]) < 60 && std::abs(m[1] - colour[1]) < 60 && std::abs(m[2] - colour[2]) < 60)
            return name;
    }
    return "none";
}
const cv::Vec3b kRed(255, 0, 0), kGreen(0, 255, 0);

class ImagingDecoderTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = std::make_unique<TempDir>();
        const std::string d = dir_->path().string();
        // OpenCV cannot write CMYK, gray+alpha, or orientation tags; PIL can.
        const std::string script = "import sys\nfrom PIL import Image\nd = r'''" + d + R"('''
cmyk = Image.new('CMYK', (40, 20), (0, 255, 255, 0))
cmyk.paste((255, 255, 0, 0), (20, 0, 40, 20))
cmyk.save(d + '/cmyk.jpg', quality=95)
cmyk.save(d + '/cmyk.tif')
la = Image.new('LA', (20, 10), (0, 255))
la.paste((0, 0), (10, 0, 20, 10))
la.save(d + '/la.png')
def marked():
    im = Image.new('RGB', (40, 20), (255, 255, 255))
    im.paste((255, 0, 0), (0, 0, 6, 6))
    im.paste((0, 255, 0), (34, 0, 40, 6))
    return im
for o in (3, 6):
    marked().save(d + '/tiff_o%d.tif' % o, tiffinfo={274: o})
def exif(o):
    e = Image.Exif()
    e[274] = o
    return e.tobytes()
marked().save(d + '/pil_o6.jpg', exif=exif(6), quality=95)
marked().save(d + '/png_o6.png', exif=exif(6))
marked().save(d + '/webp_o8.webp', exif=exif(8), lossless=True)
)";
        pythonStatus_ = runPython(dir_->path(), script);
    }
    static void TearDownTestSuite() { dir_.reset(); }

    static fs::path file(const std::string& name) { return *dir_ / name; }
    static fs::path write(const std::string& name, const std::vector<uint8_t>& bytes) {
        fs::path p = file(name);
        writeBytes(p, bytes);
        return p;
    }
    static fs::path imwrite(const std::string& name, const cv::Mat& img, const std::vector<int>& params = {}) {
        fs::path p = file(name);
        EXPECT_TRUE(cv::imwrite(p.string(), img, params)) << p;
        return p;
    }
    static cv::Mat decodeOk(const fs::path& p, const DecodeOptions& o = DecodeOptions::defaults()) {
        auto m = ImageDecoder::decode(p, o);
        EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error());
        if (!m.ok()) return {};
        EXPECT_EQ(m->type(), CV_8UC3) << p;
        return *m;
    }
    static std::string decodeError(const fs::path& p, const DecodeOptions& o = DecodeOptions::defaults()) {
        auto m = ImageDecoder::decode(p, o);
        EXPECT_FALSE(m.ok()) << p << " decoded although it should not";
        if (m.ok()) return {};
        EXPECT_NE(m.error().find(p.string()), std::string::npos) << "error does not name the file: " << m.error();
        return m.error();
    }

    static std::unique_ptr<TempDir> dir_;
    static int pythonStatus_;
};
std::unique_ptr<TempDir> ImagingDecoderTest::dir_;
int ImagingDecoderTest::pythonStatus_ = -1;

#define ASSERT_PIL_FIXTURES() ASSERT_EQ(pythonStatus_, 0) << "PIL fixture script failed (" TESSERA_PYTHON ")"

TEST_F(ImagingDecoderTest, EveryFormatDecodesToRgb) {
    // Left half blue, right half red (BGR as OpenCV writes): the result must be RGB, so red comes out in channel 0.
    cv::Mat bgr(24, 32, CV_8UC3, cv::Scalar(255, 0, 0));
    bgr(cv::Rect(16, 0, 16, 24)).setTo(cv::Scalar(0, 0, 255));
    for (const std::string ext : {".jpg", ".png", ".tiff", ".bmp", ".webp"}) {
        std::vector<int> params;
        if (ext == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, 101};
        cv::Mat rgb = decodeOk(imwrite("halves" + ext, bgr, params));
        ASSERT_EQ(rgb.size(), cv::Size(32, 24)) << ext;
        cv::Vec3d left = meanAt(rgb, 2, 2, 10, 20), right = meanAt(rgb, 20, 2, 10, 20);
        EXPECT_NEAR(left[0], 0, 12) << ext;
        EXPECT_NEAR(left[2], 255, 12) << ext;
        EXPECT_NEAR(right[0], 255, 12) << ext;
        EXPECT_NEAR(right[2], 0, 12) << ext;
    }
}

TEST_F(ImagingDecoderTest, GrayAnd16BitAreNormalised) {
    cv::Mat gray = decodeOk(imwrite("gray.tif", cv::Mat(9, 11, CV_8UC1, cv::Scalar(77))));
    ASSERT_EQ(gray.size(), cv::Size(11, 9));
    EXPECT_EQ(gray.at<cv::Vec3b>(4, 5), cv::Vec3b(77, 77, 77));

    cv::Mat g16 = decodeOk(imwrite("gray16.tif", cv::Mat(9, 11, CV_16UC1, cv::Scalar(40000))));
    ASSERT_EQ(g16.size(), cv::Size(11, 9));
    EXPECT_NEAR(g16.at<cv::Vec3b>(4, 5)[0], 40000 / 257.0, 1.0);

    cv::Mat c16(7, 9, CV_16UC3, cv::Scalar(1000, 30000, 65535));  // BGR
    for (const std::string ext : {".png", ".tif"}) {
        cv::Mat rgb = decodeOk(imwrite("colour16" + ext, c16));
        ASSERT_EQ(rgb.size(), cv::Size(9, 7)) << ext;
        cv::Vec3b px = rgb.at<cv::Vec3b>(3, 3);
        EXPECT_NEAR(px[0], 255, 1) << ext;
        EXPECT_NEAR(px[1], 30000 / 257.0, 1.0) << ext;
        EXPECT_NEAR(px[2], 1000 / 257.0, 1.0) << ext;
    }
    auto header = ImageDecoder::probe(file("colour16.png"));
    ASSERT_TRUE(header.ok()) << header.error();
    EXPECT_EQ(header->bitDepth, 16);
}

TEST_F(ImagingDecoderTest, AlphaIsCompositedOverWhite) {
    cv::Mat bgra(10, 20, CV_8UC4, cv::Scalar(0, 0, 255, 128));  // half-transparent red
    bgra(cv::Rect(10, 0, 10, 10)).setTo(cv::Scalar(0, 0, 0, 0));  // fully transparent black
    for (const std::string ext : {".png", ".webp"}) {
        std::vector<int> params;
        if (ext == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, 101};
        cv::Mat rgb = decodeOk(imwrite("alpha" + ext, bgra, params));
        ASSERT_EQ(rgb.size(), cv::Size(20, 10)) << ext;
        cv::Vec3d half = meanAt(rgb, 2, 2, 6, 6), clear = meanAt(rgb, 12, 2, 6, 6);
        EXPECT_NEAR(half[0], 255, 3) << ext;
        EXPECT_NEAR(half[1], 127, 3) << ext;
        EXPECT_NEAR(half[2], 127, 3) << ext;
        EXPECT_NEAR(clear[0], 255, 1) << ext << ": transparent pixels must be white, not their stored black";
        EXPECT_NEAR(clear[1], 255, 1) << ext;
    }
    cv::Mat alpha16 = decodeOk(imwrite("alpha16.png", cv::Mat(4, 4, CV_16UC4, cv::Scalar(0, 0, 0, 0))));
    EXPECT_EQ(alpha16.at<cv::Vec3b>(1, 1), cv::Vec3b(255, 255, 255));

    ASSERT_PIL_FIXTURES();
    cv::Mat la = decodeOk(file("la.png"));  // gray + alpha
    ASSERT_EQ(la.size(), cv::Size(20, 10));
    EXPECT_EQ(la.at<cv::Vec3b>(5, 2), cv::Vec3b(0, 0, 0));
    EXPECT_EQ(la.at<cv::Vec3b>(5, 15), cv::Vec3b(255, 255, 255));
}

TEST_F(ImagingDecoderTest, CmykJpegAndTiffFromPil) {
    ASSERT_PIL_FIXTURES();
    auto header = ImageDecoder::probe(file("cmyk.jpg"));
    ASSERT_TRUE(header.ok()) << header.error();
    EXPECT_TRUE(header->cmyk);
    EXPECT_EQ(header->channels, 4);
    // PIL writes Adobe (inverted) CMYK; libjpeg hands it to OpenCV, which converts it to colour correctly.
    cv::Mat jpg = decodeOk(file("cmyk.jpg"));
    ASSERT_EQ(jpg.size(), cv::Size(40, 20));
    cv::Vec3d red = meanAt(jpg, 2, 2, 12, 16), blue = meanAt(jpg, 26, 2, 12, 16);
    EXPECT_GT(red[0], 200);
    EXPECT_LT(red[1], 60);
    EXPECT_LT(red[2], 60);
    EXPECT_LT(blue[0], 60);
    EXPECT_LT(blue[1], 60);
    EXPECT_GT(blue[2], 200);

    auto tifHeader = ImageDecoder::probe(file("cmyk.tif"));
    ASSERT_TRUE(tifHeader.ok()) << tifHeader.error();
    EXPECT_TRUE(tifHeader->cmyk);
    cv::Mat tif = decodeOk(file("cmyk.tif"));
    ASSERT_EQ(tif.size(), cv::Size(40, 20));
    EXPECT_EQ(tif.at<cv::Vec3b>(10, 5), cv::Vec3b(255, 0, 0));
    EXPECT_EQ(tif.at<cv::Vec3b>(10, 30), cv::Vec3b(0, 0, 255));
}

TEST_F(ImagingDecoderTest, ExifOrientationOneToEightInBothByteOrders) {
    // Where the stored top-left (red) and top-right (green) blocks must be displayed, per EXIF orientation.
    const char* expectRed[] = {"", "TL", "TR", "BR", "BL", "TL", "TR", "BR", "BL"};
    const char* expectGreen[] = {"", "TR", "TL", "BL", "BR", "BL", "BR", "TR", "TL"};
    const auto jpeg = encode(".jpg", cornerMarked(), {cv::IMWRITE_JPEG_QUALITY, 95});
    for (bool bigEndian : {false, true}) {
        for (int o = 1; o <= 8; ++o) {
            SCOPED_TRACE("orientation " + std::to_string(o) + (bigEndian ? " MM" : " II"));
            fs::path p = write("o" + std::to_string(o) + (bigEndian ? "mm" : "ii") + ".jpg",
                               withExifOrientation(jpeg, o, bigEndian));
            cv::Mat rgb = decodeOk(p);
            ASSERT_EQ(rgb.size(), o >= 5 ? cv::Size(20, 40) : cv::Size(40, 20));
            EXPECT_EQ(cornerOf(rgb, kRed), expectRed[o]);
            EXPECT_EQ(cornerOf(rgb, kGreen), expectGreen[o]);

            DecodeOptions stored;
            stored.applyExifOrientation = false;
            cv::Mat raw = decodeOk(p, stored);
            ASSERT_EQ(raw.size(), cv::Size(40, 20));
            EXPECT_EQ(cornerOf(raw, kRed), "TL");
        }
    }
}

TEST_F(ImagingDecoderTest, OrientationFromPilJpegPngTiffAndWebp) {
    ASSERT_PIL_FIXTURES();
    struct Case { const char* name; cv::Size size; const char* red; const char* green; };
    for (const Case& c : {Case{"pil_o6.jpg", {20, 40}, "TR", "BR"}, Case{"png_o6.png", {20, 40}, "TR", "BR"},
                          Case{"tiff_o6.tif", {20, 40}, "TR", "BR"}, Case{"tiff_o3.tif", {40, 20}, "BR", "BL"},
                          Case{"webp_o8.webp", {20, 40}, "BL", "TL"}}) {
        SCOPED_TRACE(c.name);
        cv::Mat rgb = decodeOk(file(c.name));
        ASSERT_EQ(rgb.size(), c.size);
        EXPECT_EQ(cornerOf(rgb, kRed), c.red);
        EXPECT_EQ(cornerOf(rgb, kGreen), c.green);
        auto header = ImageDecoder::probe(file(c.name));
        ASSERT_TRUE(header.ok()) << header.error();
        EXPECT_EQ(header->width, c.size.width);
        EXPECT_EQ(header->height, c.size.height);

        // Stored orientation on request, also for TIFF where OpenCV rotates by itself.
        DecodeOptions stored;
        stored.applyExifOrientation = false;
        cv::Mat raw = decodeOk(file(c.name), stored);
        ASSERT_EQ(raw.size(), cv::Size(40, 20));
        EXPECT_EQ(cornerOf(raw, kRed), "TL");
        EXPECT_EQ(cornerOf(raw, kGreen), "TR");
    }
}

TEST_F(ImagingDecoderTest, TinyAndUnicodeNamedFiles) {
    for (const std::string ext : {".jpg", ".png", ".bmp", ".tif", ".webp"}) {
        cv::Mat one = decodeOk(imwrite("one" + ext, cv::Mat(1, 1, CV_8UC3, cv::Scalar(10, 20, 30))));
        EXPECT_EQ(one.size(), cv::Size(1, 1)) << ext;
    }
    fs::path unicode = *dir_ / "Scherbe_äöü_陶片.jpg";
    writeBytes(unicode, encode(".jpg", syntheticPhoto(30, 20, 5)));
    cv::Mat rgb = decodeOk(unicode);
    EXPECT_EQ(rgb.size(), cv::Size(30, 20));
    fs::path unicodeBad = *dir_ / "Gefäß_破片.png";
    writeBytes(unicodeBad, {'h', 'i', '\n'});
    EXPECT_NE(decodeError(unicodeBad).find("Gefäß_破片.png"), std::string::npos);
}

TEST_F(ImagingDecoderTest, OversizedHeaderIsRefusedBeforeDecoding) {
    fs::path huge = write("huge.png", pngClaiming(60000, 60000));
    std::string e = decodeError(huge);
    EXPECT_NE(e.find("image too large"), std::string::npos) << e;
    EXPECT_NE(e.find("60000x60000"), std::string::npos) << e;
    EXPECT_NE(e.find("3600.0 MP"), std::string::npos) << e;
    EXPECT_NE(e.find("limit 200.0 MP"), std::string::npos) << e;

    DecodeOptions small;
    small.maxPixels = 100;
    std::string e2 = decodeError(imwrite("twenty.png", cv::Mat(20, 20, CV_8UC3, cv::Scalar::all(0))), small);
    EXPECT_NE(e2.find("20x20"), std::string::npos) << e2;
    small.maxPixels = 400;
    EXPECT_EQ(decodeOk(file("twenty.png"), small).size(), cv::Size(20, 20));
}

// Memory follows decoded bytes: a 16-bit RGB PNG under the pixel limit but over the byte budget is refused before
// anything is allocated (its header alone is enough to say so).
TEST_F(ImagingDecoderTest, DecodedBytesAreLimitedNotOnlyPixels) {
    std::string e = decodeError(write("deep.png", pngClaiming(14000, 14000, 16, 2)));
    EXPECT_NE(e.find("deep.png"), std::string::npos) << e;
    EXPECT_NE(e.find("too large to decode"), std::string::npos) << e;
    EXPECT_NE(e.find("16 bits"), std::string::npos) << e;
    // The same size in 8 bits fits (its decode then fails on the missing data, not on the limit).
    std::string e8 = decodeError(write("flat.png", pngClaiming(14000, 14000, 8, 2)));
    EXPECT_EQ(e8.find("too large"), std::string::npos) << e8;
}

// A JPEG whose frame header claims 14000x14000 while its data holds an 80x64 photo: libjpeg would fill the rest in
// grey and call it readable at the claimed size.
TEST_F(ImagingDecoderTest, AJpegHeaderThatLiesAboutItsSizeIsRefused) {
    std::vector<uint8_t> jpeg = encode(".jpg", syntheticPhoto(80, 64, 3));
    size_t sof = 0;
    for (size_t i = 2; i + 9 < jpeg.size(); ++i)
        if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) {
            sof = i;
            break;
        }
    ASSERT_GT(sof, 0u);
    const uint16_t claimed = 14000;
    jpeg[sof + 5] = uint8_t(claimed >> 8), jpeg[sof + 6] = uint8_t(claimed & 0xFF);  // height
    jpeg[sof + 7] = uint8_t(claimed >> 8), jpeg[sof + 8] = uint8_t(claimed & 0xFF);  // width
    std::string e = decodeError(write("forged.jpg", jpeg));
    EXPECT_NE(e.find("forged.jpg"), std::string::npos) << e;
    EXPECT_NE(e.find("claims 14000x14000"), std::string::npos) << e;
    // Real photos, baseline and progressive, of any content are far above the bound.
    for (bool progressive : {false, true}) {
        std::vector<int> params{cv::IMWRITE_JPEG_QUALITY, 30, cv::IMWRITE_JPEG_PROGRESSIVE, progressive ? 1 : 0};
        const cv::Mat flat(600, 800, CV_8UC3, cv::Scalar(200, 200, 200));
        const auto name = std::string("flat-") + (progressive ? "p" : "b") + ".jpg";
        EXPECT_EQ(decodeOk(write(name, encode(".jpg", flat, params))).size(), cv::Size(800, 600)) << name;
    }
}

TEST_F(ImagingDecoderTest, TruncatedAndBogusFilesGiveSpecificErrors) {
    const auto jpeg = encode(".jpg", syntheticPhoto(200, 150, 6));
    std::string cutScan = decodeError(write("cut_scan.jpg", std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + jpeg.size() / 2)));
    EXPECT_NE(cutScan.find("truncated JPEG data"), std::string::npos) << cutScan;
    std::string cutHead = decodeError(write("cut_head.jpg", std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + 40)));
    EXPECT_NE(cutHead.find("truncated JPEG header"), std::string::npos) << cutHead;

    // Complete file, broken inside: a Huffman table whose code counts overflow makes libjpeg give up.
    auto bogus = jpeg;
    size_t dht = 2;
    while (dht + 1 < bogus.size() && !(bogus[dht] == 0xFF && bogus[dht + 1] == 0xC4)) ++dht;
    ASSERT_LT(dht + 21, bogus.size());
    std::fill(bogus.begin() + long(dht) + 5, bogus.begin() + long(dht) + 21, uint8_t(0xFF));
    std::string bad = decodeError(write("bogus_dht.jpg", bogus));
    EXPECT_NE(bad.find("cannot decode JPEG data (truncated or corrupt)"), std::string::npos) << bad;

    const auto png = encode(".png", syntheticPhoto(200, 150, 7));
    std::string cutPng = decodeError(write("cut.png", std::vector<uint8_t>(png.begin(), png.begin() + png.size() * 6 / 10)));
    EXPECT_NE(cutPng.find("cannot decode PNG data (truncated or corrupt)"), std::string::npos) << cutPng;

    std::string empty = decodeError(write("empty.jpg", {}));
    EXPECT_NE(empty.find("empty file (0 bytes)"), std::string::npos) << empty;
    std::string text = "<html><body>404 Not Found</body></html>\n";
    std::string notImage = decodeError(write("page.jpg", std::vector<uint8_t>(text.begin(), text.end())));
    EXPECT_NE(notImage.find("not an image (starts with text)"), std::string::npos) << notImage;
}

TEST_F(ImagingDecoderTest, UnsupportedVariantsAndOddFilesSayWhat) {
    // 12-bit JPEG: SOF0 with precision 12 (Debian's OpenCV decodes 8-bit JPEG only).
    std::vector<uint8_t> j12 = {0xFF, 0xD8, 0xFF, 0xC1, 0, 11, 12, 0, 8, 0, 8, 1, 1, 0x11, 0,
                                0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0, 0x55, 0xFF, 0xD9};
    std::string e12 = decodeError(write("deep.jpg", j12));
    EXPECT_NE(e12.find("12-bit JPEG is not supported"), std::string::npos) << e12;

    std::vector<uint8_t> anim = {'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'X', 10, 0, 0, 0,
                                 0x02, 0, 0, 0, 9, 0, 0, 9, 0, 0};
    std::string eAnim = decodeError(write("anim.webp", anim));
    EXPECT_NE(eAnim.find("animated WebP is not supported"), std::string::npos) << eAnim;

    fs::path fifo = file("pipe.jpg");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::string eFifo = decodeError(fifo);  // must not block
    EXPECT_NE(eFifo.find("not a regular file"), std::string::npos) << eFifo;

    // Stray bytes between JPEG segments are tolerated, as libjpeg tolerates them.
    auto jpeg = encode(".jpg", syntheticPhoto(30, 20, 13));
    ASSERT_EQ(jpeg[3], 0xE0);  // OpenCV writes SOI + a 16-byte JFIF APP0 first; put the stray bytes after it
    const size_t afterApp0 = 4 + ((size_t(jpeg[4]) << 8) | jpeg[5]);
    std::vector<uint8_t> stray(jpeg.begin(), jpeg.begin() + afterApp0);
    stray.insert(stray.end(), {0x00, 0x00});
    stray.insert(stray.end(), jpeg.begin() + afterApp0, jpeg.end());
    EXPECT_EQ(decodeOk(write("stray.jpg", stray)).size(), cv::Size(30, 20));
}

TEST_F(ImagingDecoderTest, JpegReducedDecodeKeepsLongSideAboveMinimum) {
    fs::path big = write("big.jpg", encode(".jpg", syntheticPhoto(2000, 1000, 8)));
    struct Case { int minLongSide; cv::Size expected; };
    for (const Case& c : {Case{0, {2000, 1000}}, Case{250, {250, 125}}, Case{300, {500, 250}},
                          Case{600, {1000, 500}}, Case{1001, {2000, 1000}}}) {
        DecodeOptions o;
        o.minLongSide = c.minLongSide;
        EXPECT_EQ(decodeOk(big, o).size(), c.expected) << "minLongSide " << c.minLongSide;
    }
    // Reduction and orientation together: orientation 6 turns 500x250 into 250x500.
    fs::path rotated = write("big_o6.jpg", withExifOrientation(readAll(big), 6, false));
    DecodeOptions o;
    o.minLongSide = 300;
    EXPECT_EQ(decodeOk(rotated, o).size(), cv::Size(250, 500));
    // Other formats decode at full size whatever minLongSide says.
    EXPECT_EQ(decodeOk(imwrite("mid.png", syntheticPhoto(400, 200, 9)), o).size(), cv::Size(400, 200));
}

TEST_F(ImagingDecoderTest, GrayscaleOptionGivesLumaOfTheColourDecode) {
    DecodeOptions gray;
    gray.grayscale = true;
    cv::Mat bgra(20, 40, CV_8UC4, cv::Scalar(0, 0, 255, 255));
    bgra(cv::Rect(20, 0, 20, 20)).setTo(cv::Scalar(0, 0, 0, 0));  // transparent: white after compositing
    const auto jpeg = encode(".jpg", cornerMarked(), {cv::IMWRITE_JPEG_QUALITY, 95});
    for (const fs::path& p : {write("gray_src_o6.jpg", withExifOrientation(jpeg, 6, false)),
                              imwrite("gray_src.png", bgra), imwrite("gray_src16.tif", cv::Mat(8, 6, CV_16UC3, cv::Scalar(0, 65535, 0)))}) {
        SCOPED_TRACE(p.filename().string());
        cv::Mat rgb = decodeOk(p);
        auto luma = ImageDecoder::decode(p, gray);
        ASSERT_TRUE(luma.ok()) << luma.error();
        ASSERT_EQ(luma->type(), CV_8UC1);
        ASSERT_EQ(luma->size(), rgb.size());
        cv::Mat expected, diff;
        cv::cvtColor(rgb, expected, cv::COLOR_RGB2GRAY);
        cv::absdiff(*luma, expected, diff);
        // JPEG: libjpeg's Y channel vs. gray of the chroma-upsampled colour differ a little at colour edges.
        double maxDiff = 0;
        cv::minMaxLoc(diff, nullptr, &maxDiff);
        EXPECT_LE(maxDiff, 40.0);
        EXPECT_LE(cv::mean(diff)[0], 2.0);
    }
}

TEST_F(ImagingDecoderTest, ProbeReadsPastLargeAppSegments) {
    // Five 64 KiB APP2 segments (think ICC profiles) push the frame header past the probe's first read.
    auto jpeg = encode(".jpg", syntheticPhoto(48, 32, 10));
    std::vector<uint8_t> padded(jpeg.begin(), jpeg.begin() + 2);
    for (int i = 0; i < 5; ++i) {
        padded.insert(padded.end(), {0xFF, 0xE2, 0xFF, 0xFF});
        padded.insert(padded.end(), 0xFFFF - 2, uint8_t(i));
    }
    padded.insert(padded.end(), jpeg.begin() + 2, jpeg.end());
    fs::path p = write("icc_heavy.jpg", padded);
    auto header = ImageDecoder::probe(p);
    ASSERT_TRUE(header.ok()) << header.error();
    EXPECT_EQ(header->width, 48);
    EXPECT_EQ(header->height, 32);
    EXPECT_EQ(decodeOk(p).size(), cv::Size(48, 32));
}

TEST_F(ImagingDecoderTest, ReadFileBytesNamesFileAndOsReason) {
    fs::path missing = file("missing.jpg");
    auto m = readFileBytes(missing);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.error().find(missing.string()), std::string::npos) << m.error();
    EXPECT_NE(m.error().find("No such file or directory"), std::string::npos) << m.error();

    fs::path dirNamedJpg = file("folder.jpg");
    fs::create_directory(dirNamedJpg);
    auto d = readFileBytes(dirNamedJpg);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().find("folder.jpg"), std::string::npos) << d.error();
    EXPECT_NE(d.error().find("Is a directory"), std::string::npos) << d.error();

    // chmod 000 only makes a file unreadable for non-root users; as root (containers, CI) it stays readable, and
    // the directory above is the unreadable case that still runs.
    fs::path locked = write("locked.jpg", encode(".jpg", syntheticPhoto(8, 8, 11)));
    fs::permissions(locked, fs::perms::none);
    const bool osDeniesRead = ::access(locked.c_str(), R_OK) != 0;
    auto l = readFileBytes(locked);
    if (osDeniesRead) {
        ASSERT_FALSE(l.ok());
        EXPECT_NE(l.error().find("locked.jpg"), std::string::npos) << l.error();
        EXPECT_NE(l.error().find("Permission denied"), std::string::npos) << l.error();
    } else {
        EXPECT_EQ(::geteuid(), 0u) << "access() allows reading a mode-000 file although we are not root";
        ASSERT_TRUE(l.ok()) << l.error();
        EXPECT_GT(l->size(), 100u);
    }
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_write);

    auto ok = readFileBytes(locked);
    ASSERT_TRUE(ok.ok()) << ok.error();
    EXPECT_EQ(*ok, readAll(locked));
}

TEST_F(ImagingDecoderTest, ThumbnailsHaveTheRequestedLongSide) {
    fs::path p = imwrite("thumb.jpg", syntheticPhoto(300, 200, 12));
    auto t = Thumbnailer::make(p, 64);
    ASSERT_TRUE(t.ok()) << t.error();
    EXPECT_EQ(t->size(), cv::Size(64, 43));
    EXPECT_EQ(t->type(), CV_8UC3);

    fs::path rotated = write("thumb_o8.jpg", withExifOrientation(readAll(p), 8, true));
    auto r = makeThumbnail(rotated, 64);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->size(), cv::Size(43, 64));

    auto tiny = makeThumbnail(imwrite("thumb_1x1.png", cv::Mat(1, 1, CV_8UC3, cv::Scalar(1, 2, 3))), 32);
    ASSERT_TRUE(tiny.ok()) << tiny.error();
    EXPECT_EQ(tiny->size(), cv::Size(32, 32));
    EXPECT_EQ(tiny->at<cv::Vec3b>(5, 5), cv::Vec3b(3, 2, 1));

    auto zero = makeThumbnail(p, 0);
    ASSERT_FALSE(zero.ok());
    EXPECT_NE(zero.error().find("thumbnail size must be positive"), std::string::npos);
    auto bad = makeThumbnail(file("missing.png"), 64);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("missing.png"), std::string::npos);
}

}  // namespace
}  // namespace tessera::imaging
