// ModelZoo parsing (the shipped models/zoo.json and broken entries) and WeightsCache: status, download through a
// file:// URL, offline import of a good and a wrong file, cache folder from the environment. The starting-weights
// resolver (auto, none, a name, a file) over a zoo and cache of the test's own.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/nn/modelzoo.h"
#include "core/nn/startingweights.h"
#include "core/nn/weightscache.h"
#include "core/util/sha256.h"

namespace fs = std::filesystem;
using namespace tessera;
using namespace tessera::nn;

namespace {

std::string entryJson(const std::string& name, const std::string& file, const std::string& prefix,
                      const std::string& url, const std::string& extra = "") {
    return R"({"name":")" + name + R"(","arch":"resnet18","url":")" + url + R"(","file":")" + file +
           R"(","sha256_prefix":")" + prefix + "\"" + extra + "}";
}

std::string zooJson(const std::string& entries) { return R"({"format":1,"models":[)" + entries + "]}"; }

TEST(ModelZoo, ShippedZooHasTorchvisionResNets) {
    auto zoo = ModelZoo::fromFile(fs::path(TESSERA_SOURCE_DIR) / "models" / "zoo.json");
    ASSERT_TRUE(zoo.ok()) << zoo.error();
    struct Want {
        const char* name;
        const char* arch;
        const char* file;
        const char* weights;
    };
    const Want wants[] = {{"resnet18", "resnet18", "resnet18-f37072fd.pth", "IMAGENET1K_V1"},
                          {"resnet34", "resnet34", "resnet34-b627a593.pth", "IMAGENET1K_V1"},
                          {"resnet50", "resnet50", "resnet50-0676ba61.pth", "IMAGENET1K_V1"},
                          {"resnet50-v2", "resnet50", "resnet50-11ad3fa6.pth", "IMAGENET1K_V2"},
                          {"resnet101", "resnet101", "resnet101-63fe2227.pth", "IMAGENET1K_V1"},
                          {"resnet101-v2", "resnet101", "resnet101-cd907fc2.pth", "IMAGENET1K_V2"}};
    for (const Want& w : wants) {
        const ZooEntry* e = zoo->find(w.name);
        ASSERT_NE(e, nullptr) << w.name;
        EXPECT_EQ(e->arch, w.arch);
        EXPECT_EQ(e->fileName, w.file);
        EXPECT_EQ(e->weights, w.weights);
        EXPECT_EQ(e->url, std::string("https://download.pytorch.org/models/") + w.file);
        EXPECT_EQ(e->sha256Prefix, std::string(w.file).substr(std::string(w.file).find('-') + 1, 8));
        EXPECT_EQ(e->inputSize, 224);
        EXPECT_FLOAT_EQ(e->mean[0], 0.485f);
        EXPECT_FLOAT_EQ(e->std[2], 0.225f);
        EXPECT_FALSE(e->licence.empty());
    }
    EXPECT_EQ(zoo->defaultFor("resnet50")->name, "resnet50");
    EXPECT_EQ(zoo->defaultFor("ResNet101")->fileName, "resnet101-63fe2227.pth");
    EXPECT_EQ(zoo->find("RESNET18"), zoo->find("resnet18"));
    EXPECT_EQ(zoo->find("vgg16"), nullptr);
}

TEST(ModelZoo, LoadFindsZooViaEnvironment) {
    const fs::path p = fs::path(TESSERA_SOURCE_DIR) / "models" / "zoo.json";
    setenv("TESSERA_ZOO", p.c_str(), 1);
    EXPECT_EQ(ModelZoo::searchPaths().front(), p);
    auto zoo = ModelZoo::load();
    unsetenv("TESSERA_ZOO");
    ASSERT_TRUE(zoo.ok()) << zoo.error();
    EXPECT_EQ(zoo->source(), p);
    // Without the variable the build tree (inside the source tree) still finds models/zoo.json.
    auto again = ModelZoo::load();
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_EQ(again->entries().size(), zoo->entries().size());
}

TEST(ModelZoo, BadEntriesNameTheProblem) {
    const std::string url = "https://example.org/x-12345678.pth";
    auto expectError = [](const std::string& json, const std::string& needle) {
        auto zoo = ModelZoo::fromJson(json, "zoo-under-test.json");
        ASSERT_FALSE(zoo.ok()) << json;
        EXPECT_NE(zoo.error().find("zoo-under-test.json"), std::string::npos) << zoo.error();
        EXPECT_NE(zoo.error().find(needle), std::string::npos) << zoo.error();
    };
    expectError("{not json", "not valid JSON");
    expectError(R"({"models":3})", "\"models\" array");
    expectError(zooJson(R"({"name":"a","arch":"resnet18","file":"a-12345678.pth","sha256_prefix":"12345678"})"),
                "\"url\"");
    expectError(zooJson(entryJson("a", "a-1234567.pth", "1234567", url)), "8 to 64 hex digits");
    expectError(zooJson(entryJson("a", "a-1234567z.pth", "1234567z", url)), "8 to 64 hex digits");
    expectError(zooJson(entryJson("a", "a-12345678.pth", "87654321", url)), "does not carry the hash prefix");
    expectError(zooJson(entryJson("a", "a-12345678.pth", "12345678", "ftp://h/a-12345678.pth")), "https, http");
    expectError(zooJson(entryJson("a", "a-12345678.pth", "12345678", url, R"(,"mean":[1,2])")), "\"mean\"");
    expectError(zooJson(entryJson("a", "a-12345678.pth", "12345678", url, R"(,"input_size":"big")")),
                "wrong type");
    expectError(zooJson(entryJson("a", "a-12345678.pth", "12345678", url) + "," +
                        entryJson("A", "b-12345678.pth", "12345678", url)),
                "duplicate name");
    // The error names the entry by position and name.
    expectError(zooJson(entryJson("ok", "a-12345678.pth", "12345678", url) + "," +
                        entryJson("broken", "b-1234.pth", "1234", url)),
                "entry 2 (broken)");
    auto good = ModelZoo::fromFile("/nonexistent/zoo.json");
    ASSERT_FALSE(good.ok());
    EXPECT_NE(good.error().find("/nonexistent/zoo.json"), std::string::npos);
}

class WeightsCacheTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        dir_ = fs::temp_directory_path() / ("tessera_zoo_" + std::to_string(getpid()) + "_" + std::to_string(stamp));
        fs::create_directories(dir_ / "elsewhere");
        std::mt19937 rng(7);
        data_.resize(256 * 1024);
        for (auto& c : data_) c = char(rng() & 0xff);
        const std::string sha = util::sha256Hex(data_);
        const std::string file = "tiny-" + sha.substr(0, 10) + ".pth";
        source_ = dir_ / "elsewhere" / file;
        std::ofstream(source_, std::ios::binary).write(data_.data(), std::streamsize(data_.size()));
        auto zoo = ModelZoo::fromJson(zooJson(entryJson("tiny", file, sha.substr(0, 10), "file://" + source_.string())),
                                      "test");
        ASSERT_TRUE(zoo.ok()) << zoo.error();
        entry_ = zoo->entries().front();
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path dir_, source_;
    std::string data_;
    ZooEntry entry_;
};

TEST_F(WeightsCacheTest, DownloadThenStatus) {
    WeightsCache cache(dir_ / "cache");
    EXPECT_EQ(cache.status(entry_).state, CacheState::Missing);
    auto path = cache.download(entry_, JobContext{});
    ASSERT_TRUE(path.ok()) << path.error();
    EXPECT_EQ(*path, dir_ / "cache" / entry_.fileName);
    const CacheStatus s = cache.status(entry_);
    EXPECT_EQ(s.state, CacheState::Present);
    EXPECT_EQ(s.bytes, int64_t(data_.size()));
    EXPECT_EQ(cache.status(entry_, true).state, CacheState::Verified);

    // Tampering is caught by a verifying status.
    std::ofstream(*path, std::ios::binary | std::ios::in | std::ios::out).write("XXXX", 4);
    const CacheStatus bad = cache.status(entry_, true);
    EXPECT_EQ(bad.state, CacheState::Corrupt);
    EXPECT_NE(bad.message.find(entry_.sha256Prefix), std::string::npos) << bad.message;
}

TEST_F(WeightsCacheTest, PartialDownloadIsReported) {
    WeightsCache cache(dir_ / "cache");
    fs::create_directories(cache.dir());
    std::ofstream(util::Downloader::partPath(cache.pathFor(entry_)), std::ios::binary) << data_.substr(0, 1000);
    const CacheStatus s = cache.status(entry_);
    EXPECT_EQ(s.state, CacheState::Partial);
    EXPECT_EQ(s.bytes, 1000);
    EXPECT_STREQ(cacheStateName(s.state), "partial");
}

TEST_F(WeightsCacheTest, ImportGoodFile) {
    WeightsCache cache(dir_ / "cache");
    int64_t lastDone = 0;
    JobContext ctx;
    ctx.onProgress = [&](const Progress& p) {
        if (p.stage == "import") lastDone = p.done;
    };
    auto path = cache.importFile(entry_, source_, ctx);
    ASSERT_TRUE(path.ok()) << path.error();
    EXPECT_EQ(lastDone, int64_t(data_.size()));
    EXPECT_EQ(cache.status(entry_, true).state, CacheState::Verified);
    EXPECT_TRUE(fs::exists(source_)) << "import copies, it does not move the user's file";
    // Only the final file is left in the cache folder (no temporary copies).
    EXPECT_EQ(std::distance(fs::directory_iterator(cache.dir()), fs::directory_iterator{}), 1);
}

TEST_F(WeightsCacheTest, ImportRefusesWrongFile) {
    WeightsCache cache(dir_ / "cache");
    const fs::path wrong = dir_ / "elsewhere" / "other.pth";
    std::ofstream(wrong, std::ios::binary) << "definitely not resnet weights";
    const std::string actual = util::sha256Hex(std::string("definitely not resnet weights")).substr(0, 10);
    auto r = cache.importFile(entry_, wrong, JobContext{});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find(wrong.string()), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("expected a hash starting with " + entry_.sha256Prefix), std::string::npos)
        << r.error();
    EXPECT_NE(r.error().find(actual), std::string::npos) << r.error();
    EXPECT_EQ(cache.status(entry_).state, CacheState::Missing);
    EXPECT_EQ(std::distance(fs::directory_iterator(cache.dir()), fs::directory_iterator{}), 0);

    auto missing = cache.importFile(entry_, dir_ / "nope.pth", JobContext{});
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("nope.pth"), std::string::npos);
}

// A zoo file of one entry, the network's default, found through $TESSERA_ZOO for the test's lifetime.
class StartingWeightsTest : public WeightsCacheTest {
protected:
    void SetUp() override {
        WeightsCacheTest::SetUp();
        const fs::path zoo = dir_ / "zoo.json";
        std::ofstream(zoo) << zooJson(entryJson("tiny", entry_.fileName, entry_.sha256Prefix, entry_.url,
                                                R"(,"default_for_arch":true)"));
        setenv("TESSERA_ZOO", zoo.c_str(), 1);
    }
    void TearDown() override {
        unsetenv("TESSERA_ZOO");
        WeightsCacheTest::TearDown();
    }
};

TEST_F(StartingWeightsTest, AutoTakesCachedWeightsElseStartsRandomAndSaysHowToGetThem) {
    const WeightsCache cache(dir_ / "cache");
    auto before = resolveStartingWeights(kAutoWeights, "resnet18", WeightsFetch::Download, {}, cache);
    ASSERT_TRUE(before.ok()) << before.error();
    EXPECT_TRUE(before->randomStart());
    EXPECT_EQ(before->weightsPath(), kNoWeights);
    EXPECT_NE(before->description.find(cache.dir().string()), std::string::npos) << before->description;
    EXPECT_NE(before->advice.find("tessera-cli weights download tiny"), std::string::npos) << before->advice;
    EXPECT_FALSE(cache.has(entry_)) << "auto never downloads";
    EXPECT_TRUE(cachedFeatureWeights(cache).randomStart());

    ASSERT_TRUE(cache.importFile(entry_, source_, {}).ok());
    auto after = resolveStartingWeights(kAutoWeights, "resnet18", WeightsFetch::CacheOnly, {}, cache);
    ASSERT_TRUE(after.ok()) << after.error();
    EXPECT_EQ(after->file, cache.pathFor(entry_));
    EXPECT_EQ(after->zooName, "tiny");
    EXPECT_TRUE(after->advice.empty());
    EXPECT_EQ(cachedFeatureWeights(cache).file, cache.pathFor(entry_));

    auto otherNet = resolveStartingWeights(kAutoWeights, "resnet50", WeightsFetch::Download, {}, cache);
    ASSERT_TRUE(otherNet.ok()) << otherNet.error();
    EXPECT_TRUE(otherNet->randomStart()) << "the zoo knows no resnet50 weights";
}

TEST_F(StartingWeightsTest, NoneAFileAndANameBecomeTheirFiles) {
    const WeightsCache cache(dir_ / "cache");
    for (const std::string none : {"", "none"}) {
        auto w = resolveStartingWeights(none, "resnet18", WeightsFetch::Download, {}, cache);
        ASSERT_TRUE(w.ok()) << w.error();
        EXPECT_TRUE(w->randomStart()) << "'" << none << "'";
    }
    auto file = resolveStartingWeights(source_.string(), "resnet18", WeightsFetch::CacheOnly, {}, cache);
    ASSERT_TRUE(file.ok()) << file.error();
    EXPECT_EQ(file->file, source_);
    EXPECT_TRUE(file->zooName.empty());

    auto notHere = resolveStartingWeights("tiny", "resnet18", WeightsFetch::CacheOnly, {}, cache);
    ASSERT_FALSE(notHere.ok());
    EXPECT_NE(notHere.error().find("tessera-cli weights download tiny"), std::string::npos) << notHere.error();
    EXPECT_FALSE(cache.has(entry_));

    auto fetched = resolveStartingWeights("TINY", "resnet18", WeightsFetch::Download, {}, cache);
    ASSERT_TRUE(fetched.ok()) << fetched.error();
    EXPECT_EQ(fetched->file, cache.pathFor(entry_));
    EXPECT_EQ(cache.status(entry_, true).state, CacheState::Verified);

    auto unknown = resolveStartingWeights("vgg16", "resnet18", WeightsFetch::Download, {}, cache);
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().find("vgg16"), std::string::npos) << unknown.error();
    EXPECT_NE(unknown.error().find("neither a file nor a model-zoo name"), std::string::npos) << unknown.error();
}

TEST(WeightsCacheDir, FollowsEnvironment) {
    const char* oldHome = std::getenv("HOME");
    const std::string home = oldHome ? oldHome : "";
    setenv("TESSERA_CACHE_DIR", "/tmp/tc", 1);
    setenv("XDG_CACHE_HOME", "/tmp/xdg", 1);
    EXPECT_EQ(WeightsCache::defaultDir(), fs::path("/tmp/tc"));
    unsetenv("TESSERA_CACHE_DIR");
    EXPECT_EQ(WeightsCache::defaultDir(), fs::path("/tmp/xdg/tessera/weights"));
    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", "/home/someone", 1);
    EXPECT_EQ(WeightsCache::defaultDir(), fs::path("/home/someone/.cache/tessera/weights"));
    ZooEntry e;
    e.fileName = "resnet18-f37072fd.pth";
    EXPECT_EQ(WeightsCache::torchHubPath(e), fs::path("/home/someone/.cache/torch/hub/checkpoints/resnet18-f37072fd.pth"));
    setenv("TORCH_HOME", "/opt/torch", 1);
    EXPECT_EQ(WeightsCache::torchHubPath(e), fs::path("/opt/torch/hub/checkpoints/resnet18-f37072fd.pth"));
    unsetenv("TORCH_HOME");
    if (oldHome) setenv("HOME", home.c_str(), 1);
}

}  // namespace
