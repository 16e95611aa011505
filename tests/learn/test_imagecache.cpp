// Decoded-image cache: one tensor of canvases, persisted by content hash, reused on the next load, re-decoded when a
// photo changes, failures listed (never skipped silently), cancel honoured.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <csignal>

#include <algorithm>
#include <fstream>
#include <unordered_set>

#include <opencv2/imgcodecs.hpp>

#include "core/train/imagecache_torch.h"
#include "core/util/sha256.h"
#include "learn/synthdata.h"

using namespace tessera::learn;
using tessera::JobContext;
namespace fs = std::filesystem;

namespace {

std::vector<CacheRequest> requestsFor(const fs::path& root) {
    std::vector<CacheRequest> r;
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.path().extension() == ".png") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (auto& f : files) r.push_back({f, ""});
    return r;
}

}  // namespace

TEST(ImageCache, DecodesOnceThenReusesAndInvalidatesByHash) {
    test::TempDir dir("cache");
    test::writeSynthFolder(dir.path / "photos", 3, 2, 11);
    auto req = requestsFor(dir.path / "photos");
    ASSERT_EQ(req.size(), 6u);
    ImageCacheOptions o;
    o.canvas = 32;
    o.threads = 2;
    ImageCache cache(dir.path / "cache", o);
    JobContext ctx;
    auto first = cache.load(req, ctx);
    ASSERT_TRUE(first.ok()) << first.error();
    EXPECT_EQ(first->decoded, 6);
    EXPECT_EQ(first->reused, 0);
    EXPECT_EQ(first->pixels.sizes(), (torch::IntArrayRef{6, 3, 32, 32}));
    EXPECT_EQ(first->pixels.dtype(), torch::kUInt8);
    EXPECT_TRUE(fs::exists(cache.directory() / "index.json"));

    ImageCache again(dir.path / "cache", o);
    auto second = again.load(req, ctx);
    ASSERT_TRUE(second.ok()) << second.error();
    EXPECT_EQ(second->reused, 6);
    EXPECT_EQ(second->decoded, 0);
    EXPECT_TRUE(torch::equal(first->pixels, second->pixels));
    for (size_t i = 0; i < 6; ++i) EXPECT_EQ(first->boxes[i], second->boxes[i]);

    // Change one photo: only it is decoded again.
    cv::Mat red(20, 30, CV_8UC3, cv::Scalar(0, 0, 255));
    cv::imwrite(req[2].path.string(), red);
    auto third = again.load(req, ctx);
    ASSERT_TRUE(third.ok());
    EXPECT_EQ(third->decoded, 1);
    EXPECT_EQ(third->reused, 5);
    EXPECT_EQ(third->pixels[2][0][16][16].item<uint8_t>(), 255);  // R plane of the red photo
    EXPECT_EQ(third->pixels[2][2][16][16].item<uint8_t>(), 0);
}

TEST(ImageCache, ListsUnreadablePhotos) {
    test::TempDir dir("cachebad");
    test::writeSynthFolder(dir.path / "photos", 2, 1, 3);
    auto req = requestsFor(dir.path / "photos");
    { std::ofstream(dir.path / "broken.png") << "not a png"; }
    req.push_back({dir.path / "broken.png", ""});
    ImageCacheOptions o;
    o.canvas = 24;
    auto out = ImageCache(dir.path / "cache", o).load(req, JobContext{});
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->decoded, 2);
    ASSERT_EQ(out->failures.size(), 1u);
    EXPECT_NE(out->failures[0].find("broken.png"), std::string::npos);
    EXPECT_EQ(out->ok[2], 0);
}

TEST(ImageCache, CancelStopsDecoding) {
    test::TempDir dir("cachecancel");
    test::writeSynthFolder(dir.path / "photos", 4, 1, 5);
    JobContext ctx;
    ctx.cancel.cancel();
    ImageCacheOptions o;
    o.canvas = 24;
    auto out = ImageCache(dir.path / "cache", o).load(requestsFor(dir.path / "photos"), ctx);
    ASSERT_FALSE(out.ok());
    EXPECT_NE(out.error().find("cancel"), std::string::npos);
}

TEST(ImageCache, FindFramingHasItsOwnFolderAndShowsTheFind) {
    test::TempDir dir("cache-find");
    fs::create_directories(dir.path / "photos");
    cv::Mat photo(600, 800, CV_8UC3, cv::Scalar(205, 205, 200));  // BGR: a plain backdrop
    photo(cv::Rect(500, 100, 120, 100)).setTo(cv::Scalar(40, 60, 120));  // a small reddish-brown find
    ASSERT_TRUE(cv::imwrite((dir.path / "photos" / "find.png").string(), photo));
    const auto req = requestsFor(dir.path / "photos");
    ImageCacheOptions o;
    o.canvas = 40;
    o.framing = Framing::Find;
    ImageCache framedCache(dir.path / "cache", o);
    auto framedOut = framedCache.load(req, JobContext{});
    ASSERT_TRUE(framedOut.ok()) << framedOut.error();
    o.framing = Framing::Photo;
    ImageCache wholeCache(dir.path / "cache", o);
    auto wholeOut = wholeCache.load(req, JobContext{});
    ASSERT_TRUE(wholeOut.ok()) << wholeOut.error();
    EXPECT_EQ(framedCache.directory().filename(), "40-find");
    EXPECT_EQ(wholeCache.directory().filename(), "40");
    EXPECT_EQ(framedOut->decoded, 1);  // not served from the whole-photo canvases, nor they from it
    EXPECT_EQ(wholeOut->decoded, 1);
    // Red channel (plane 0, RGB): mostly the find's 120 when framed, mostly the backdrop's 200 when whole.
    const double framedRed = framedOut->pixels[0][0].to(torch::kFloat).mean().item<double>();
    const double wholeRed = wholeOut->pixels[0][0].to(torch::kFloat).mean().item<double>();
    EXPECT_LT(framedRed, 165.0);
    EXPECT_GT(wholeRed, 190.0);
}

TEST(ImageCache, CanvasIsAboutAQuarterLargerThanTheCrop) {
    EXPECT_EQ(ImageCache::canvasForCrop(128), 160);
    EXPECT_EQ(ImageCache::canvasForCrop(224), 280);
}

TEST(ImageCache, CompactionDropsCanvasesNoPhotoHasAndKeepsTheRest) {
    test::TempDir dir("cache-compact");
    test::writeSynthFolder(dir.path / "photos", 3, 2, 12);
    auto req = requestsFor(dir.path / "photos");
    for (auto& r : req) r.contentHash = *tessera::util::sha256File(r.path);
    ImageCacheOptions o;
    o.canvas = 32;
    ImageCache cache(dir.path / "cache", o);
    auto first = cache.load(req, JobContext{});
    ASSERT_TRUE(first.ok()) << first.error();
    const uint64_t slot = 3 * 32 * 32;
    EXPECT_EQ(fs::file_size(cache.directory() / "pixels.bin"), 6 * slot);

    // Two photos were edited (their old hashes are gone from the project).
    std::unordered_set<std::string> live;
    for (size_t i = 2; i < req.size(); ++i) live.insert(req[i].contentHash);
    auto lazy = cache.compact(live, JobContext{}, 0.5);  // 2 of 6 dead is below half: left alone
    ASSERT_TRUE(lazy.ok()) << lazy.error();
    EXPECT_EQ(lazy->dropped, 0);
    EXPECT_TRUE(fs::exists(cache.directory() / "pixels.bin"));
    auto c = cache.compact(live, JobContext{});
    ASSERT_TRUE(c.ok()) << c.error();
    EXPECT_EQ(c->dropped, 2);
    EXPECT_EQ(c->kept, 4);
    EXPECT_EQ(c->bytesFreed, 2 * slot);
    EXPECT_FALSE(fs::exists(cache.directory() / "pixels.bin"));
    EXPECT_EQ(fs::file_size(cache.directory() / "pixels-1.bin"), 4 * slot);

    // The kept canvases come back unchanged without decoding; the dropped ones are decoded again and appended.
    auto again = cache.load(req, JobContext{});
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_EQ(again->reused, 4);
    EXPECT_EQ(again->decoded, 2);
    EXPECT_TRUE(torch::equal(again->pixels, first->pixels));
    EXPECT_EQ(fs::file_size(cache.directory() / "pixels-1.bin"), 6 * slot);
    auto nothing = cache.compact(live, JobContext{});  // the re-decoded two are dead again: 2 dropped
    ASSERT_TRUE(nothing.ok());
    EXPECT_EQ(nothing->dropped, 2);
    EXPECT_TRUE(fs::exists(cache.directory() / "pixels-2.bin"));
}

// A full disk while the new canvases are saved (simulated with a file-size limit on this process): the photos are
// decoded all the same, the result says which file could not be written and why, and the next load decodes them
// again and saves them.
TEST(ImageCache, AFullDiskCostsTheNextDecodeNotThisLoad) {
    test::TempDir dir("cachefull");
    test::writeSynthFolder(dir.path / "photos", 3, 2, 7);
    const auto req = requestsFor(dir.path / "photos");
    ImageCacheOptions o;
    o.canvas = 64;  // 12 KiB a canvas: six of them outgrow the limit
    ImageCache cache(dir.path / "cache", o);
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = saved;
    small.rlim_cur = 20 << 10;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    auto full = cache.load(req, JobContext{});
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, oldHandler);
    ASSERT_TRUE(full.ok()) << full.error();
    EXPECT_EQ(full->decoded, 6);
    EXPECT_EQ(std::count(full->ok.begin(), full->ok.end(), 1), 6);
    EXPECT_NE(full->notSaved.find(cache.directory().string()), std::string::npos) << full->notSaved;
    EXPECT_NE(full->notSaved.find("File too large"), std::string::npos) << full->notSaved;

    auto again = ImageCache(dir.path / "cache", o).load(req, JobContext{});
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_EQ(again->decoded, 6);
    EXPECT_TRUE(again->notSaved.empty()) << again->notSaved;
    EXPECT_TRUE(torch::equal(full->pixels, again->pixels));
    EXPECT_EQ(ImageCache(dir.path / "cache", o).load(req, JobContext{})->reused, 6);
}
