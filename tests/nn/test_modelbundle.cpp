// Model bundle: save -> load gives identical logits, the manifest is readable on its own, and broken or
// mismatched bundles fail with messages that name the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "core/nn/modelbundle.h"
#include "core/nn/modelbundle_torch.h"
#include "core/nn/ziparchive.h"

using namespace tessera;
using namespace tessera::nn;
namespace fs = std::filesystem;

namespace {
class BundleTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("tessera-bundle-" + std::to_string(getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    fs::path dir_;
};

BundleManifest manifestFor(int classes) {
    BundleManifest m;
    m.arch = "resnet18";
    for (int i = 0; i < classes; ++i) m.classNames.push_back("class " + std::to_string(i));
    m.preprocessing.inputSize = 64;
    m.preprocessing.mean = {0.5f, 0.4f, 0.3f};
    return m;
}
}  // namespace

TEST_F(BundleTest, RoundTripGivesIdenticalLogits) {
    torch::manual_seed(3);
    ResNet model(Architecture::ResNet18, 1000);
    model->resetHead(3);
    {
        // Move BN statistics away from their defaults, as training would.
        model->train();
        torch::NoGradGuard noGrad;
        model->forward(torch::randn({4, 3, 64, 64}));
    }
    model->eval();
    nlohmann::json runcard = {{"epochs", 5}, {"seed", 3}, {"accuracy", 0.9}};
    ASSERT_TRUE(ModelBundleIO::save(path("m.tessera-model"), model, manifestFor(3), runcard).ok());

    auto loaded = ModelBundleIO::load(path("m.tessera-model"));
    ASSERT_TRUE(loaded.ok()) << loaded.error();
    EXPECT_TRUE(loaded->report.clean());
    EXPECT_FALSE(loaded->report.headSkipped);
    EXPECT_EQ(loaded->runcard, runcard);
    EXPECT_EQ(loaded->manifest.classNames, manifestFor(3).classNames);
    EXPECT_EQ(loaded->manifest.tesseraVersion, TESSERA_VERSION);
    torch::NoGradGuard noGrad;
    const auto x = torch::randn({2, 3, 64, 64});
    EXPECT_TRUE(loaded->model->forward(x).equal(model->forward(x)));
}

TEST_F(BundleTest, FramingOnTheFindIsFormatVersionTwoAndUnknownFramingsAreRefused) {
    ResNet model(Architecture::ResNet18, 2);
    auto manifest = manifestFor(2);
    manifest.preprocessing.framing = "find";
    ASSERT_TRUE(ModelBundleIO::save(path("find.tessera-model"), model, manifest).ok());
    auto m = ModelBundle::readManifest(path("find.tessera-model"));
    ASSERT_TRUE(m.ok()) << m.error();
    EXPECT_EQ(m->preprocessing.framing, "find");
    EXPECT_EQ(m->formatVersion, 2);  // an older Tessera refuses it instead of predicting on whole photos

    auto json = nlohmann::json::parse(ModelBundle::manifestToJson(*m));
    json.erase("format_version");
    json["format_version"] = 1;
    json["preprocessing"].erase("framing");  // a version-1 bundle: the whole photo
    auto old = ModelBundle::manifestFromJson(json.dump(), "old.tessera-model");
    ASSERT_TRUE(old.ok()) << old.error();
    EXPECT_EQ(old->preprocessing.framing, "photo");

    json["preprocessing"]["framing"] = "sideways";
    auto bad = ModelBundle::manifestFromJson(json.dump(), "odd.tessera-model");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("odd.tessera-model"), std::string::npos) << bad.error();
    EXPECT_NE(bad.error().find("framing 'sideways'"), std::string::npos) << bad.error();
}

// The temperature fitted on held-out photos travels in the manifest; a bundle without the block (an older Tessera's)
// is uncalibrated, and a temperature that is not a plausible positive number, or has no source, is refused by name.
TEST_F(BundleTest, CalibrationRoundTripsAndImplausibleTemperaturesAreRefused) {
    ResNet model(Architecture::ResNet18, 2);
    auto manifest = manifestFor(2);
    manifest.calibration = {0.62, "validation", 120, 0.081, 0.019, ""};
    ASSERT_TRUE(ModelBundleIO::save(path("cal.tessera-model"), model, manifest).ok());
    auto m = ModelBundle::readManifest(path("cal.tessera-model"));
    ASSERT_TRUE(m.ok()) << m.error();
    EXPECT_DOUBLE_EQ(m->calibration.temperature, 0.62);
    EXPECT_EQ(m->calibration.fittedOn, "validation");
    EXPECT_EQ(m->calibration.photos, 120);
    EXPECT_DOUBLE_EQ(m->calibration.eceBefore, 0.081);
    EXPECT_DOUBLE_EQ(m->calibration.eceAfter, 0.019);
    EXPECT_TRUE(m->calibration.calibrated());
    EXPECT_EQ(m->formatVersion, 1) << "an older Tessera may ignore the block: its raw scores are still valid";

    auto json = nlohmann::json::parse(ModelBundle::manifestToJson(*m));
    auto older = json;
    older.erase("calibration");
    auto plain = ModelBundle::manifestFromJson(older.dump(), "old.tessera-model");
    ASSERT_TRUE(plain.ok()) << plain.error();
    EXPECT_DOUBLE_EQ(plain->calibration.temperature, 1.0);
    EXPECT_FALSE(plain->calibration.calibrated());

    const std::vector<std::pair<nlohmann::json, std::string>> lies = {
        {0.0, "temperature"}, {-1.0, "temperature"}, {1e6, "temperature"}, {"0.5", "not a number"}};
    for (const auto& [value, words] : lies) {
        auto bad = json;
        bad["calibration"]["temperature"] = value;
        auto r = ModelBundle::manifestFromJson(bad.dump(), "hot.tessera-model");
        ASSERT_FALSE(r.ok()) << value.dump();
        EXPECT_NE(r.error().find("hot.tessera-model"), std::string::npos) << r.error();
        EXPECT_NE(r.error().find(words), std::string::npos) << r.error();
    }
    auto sourceless = json;
    sourceless["calibration"]["fitted_on"] = "";
    EXPECT_FALSE(ModelBundle::manifestFromJson(sourceless.dump(), "m").ok());
    auto oddSource = json;
    oddSource["calibration"]["fitted_on"] = "hunch";
    EXPECT_FALSE(ModelBundle::manifestFromJson(oddSource.dump(), "m").ok());
}

TEST_F(BundleTest, ManifestReadsWithoutTheNetwork) {
    ResNet model(Architecture::ResNet18, 2);
    ASSERT_TRUE(ModelBundleIO::save(path("a.tessera-model"), model, manifestFor(2)).ok());
    auto m = ModelBundle::readManifest(path("a.tessera-model"));
    ASSERT_TRUE(m.ok()) << m.error();
    EXPECT_EQ(m->arch, "resnet18");
    EXPECT_EQ(m->formatVersion, 1);
    EXPECT_EQ(m->preprocessing.inputSize, 64);
    EXPECT_FLOAT_EQ(m->preprocessing.mean[0], 0.5f);
    EXPECT_FLOAT_EQ(m->preprocessing.std[2], 0.225f);
    EXPECT_EQ(m->created.size(), 20u);  // 2026-01-01T00:00:00Z
    EXPECT_EQ(m->classNames.size(), 2u);
}

TEST_F(BundleTest, RefusesInconsistentSaves) {
    ResNet model(Architecture::ResNet18, 2);
    auto wrongCount = ModelBundleIO::save(path("b.tessera-model"), model, manifestFor(3));
    ASSERT_FALSE(wrongCount.ok());
    EXPECT_NE(wrongCount.error().find("3 class names"), std::string::npos) << wrongCount.error();
    BundleManifest m = manifestFor(2);
    m.arch = "resnet50";
    EXPECT_FALSE(ModelBundleIO::save(path("b.tessera-model"), model, m).ok());
    EXPECT_FALSE(fs::exists(path("b.tessera-model")));
}

TEST_F(BundleTest, BrokenBundlesNameTheFile) {
    std::ofstream(path("junk.tessera-model")) << "not a zip";
    auto junk = ModelBundleIO::load(path("junk.tessera-model"));
    ASSERT_FALSE(junk.ok());
    EXPECT_NE(junk.error().find("junk.tessera-model"), std::string::npos) << junk.error();

    ASSERT_TRUE(writeZipFile(path("nomanifest.zip"), {{"model.safetensors", "x", false}}).ok());
    auto nm = ModelBundle::readManifest(path("nomanifest.zip"));
    ASSERT_FALSE(nm.ok());
    EXPECT_NE(nm.error().find("no manifest.json"), std::string::npos) << nm.error();

    // A manifest from the future, and weights that do not fit the manifest's class count.
    ResNet model(Architecture::ResNet18, 2);
    ASSERT_TRUE(ModelBundleIO::save(path("ok.tessera-model"), model, manifestFor(2)).ok());
    auto zip = ZipArchive::openFile(path("ok.tessera-model"));
    ASSERT_TRUE(zip.ok());
    const std::string weights = zip->read("model.safetensors").value();
    std::string future = ModelBundle::manifestToJson(manifestFor(2));
    future.replace(future.find("\"format_version\": 1"), 19, "\"format_version\": 9");
    ASSERT_TRUE(writeZipFile(path("future.tessera-model"), {{"manifest.json", future}, {"model.safetensors", weights, false}}).ok());
    auto fut = ModelBundleIO::load(path("future.tessera-model"));
    ASSERT_FALSE(fut.ok());
    EXPECT_NE(fut.error().find("newer Tessera"), std::string::npos) << fut.error();
    ASSERT_TRUE(writeZipFile(path("mismatch.tessera-model"),
                             {{"manifest.json", ModelBundle::manifestToJson(manifestFor(5))}, {"model.safetensors", weights, false}}).ok());
    auto mis = ModelBundleIO::load(path("mismatch.tessera-model"));
    ASSERT_FALSE(mis.ok());
    EXPECT_NE(mis.error().find("fc.weight"), std::string::npos) << mis.error();
}

// Numbers that do not fit their type (1e300 as an int or a float) are refused by name, not converted (which is
// undefined behaviour in C++).
TEST_F(BundleTest, ManifestNumbersOutOfRangeAreRefused) {
    const nlohmann::json good = nlohmann::json::parse(ModelBundle::manifestToJson(manifestFor(2)));
    ASSERT_TRUE(ModelBundle::manifestFromJson(good.dump(), "m").ok());
    const std::vector<std::pair<nlohmann::json::json_pointer, nlohmann::json>> lies = {
        {nlohmann::json::json_pointer("/format_version"), 1e300},
        {nlohmann::json::json_pointer("/preprocessing/input_size"), 3.5e118},
        {nlohmann::json::json_pointer("/preprocessing/input_size"), "64"},
        {nlohmann::json::json_pointer("/preprocessing/mean/0"), 1e300}};
    for (const auto& [where, value] : lies) {
        nlohmann::json bad = good;
        bad[where] = value;
        auto m = ModelBundle::manifestFromJson(bad.dump(), "bad.tessera-model");
        ASSERT_FALSE(m.ok()) << where.to_string() << " = " << value.dump();
        EXPECT_NE(m.error().find("bad.tessera-model"), std::string::npos) << m.error();
    }
}

// A bundle from someone else is data: a damaged archive, a manifest or weights entry that would inflate to far
// more than such an entry holds, two classes of one name, NaN weights: each is refused with a message naming the
// bundle, before the memory is spent.
TEST_F(BundleTest, HostileBundlesAreRefused) {
    torch::manual_seed(4);
    ResNet model(Architecture::ResNet18, 2);
    ASSERT_TRUE(ModelBundleIO::save(path("ok.tessera-model"), model, manifestFor(2)).ok());
    const std::string weights = ZipArchive::openFile(path("ok.tessera-model"))->read("model.safetensors").value();
    const std::string manifest = ModelBundle::manifestToJson(manifestFor(2));
    auto refused = [&](const std::string& file, const std::string& expected) {
        auto loaded = ModelBundleIO::load(path(file));
        ASSERT_FALSE(loaded.ok()) << file;
        EXPECT_NE(loaded.error().find(file), std::string::npos) << loaded.error();
        EXPECT_NE(loaded.error().find(expected), std::string::npos) << loaded.error();
    };

    // One flipped byte in the middle of the (stored) weights: the zip CRC no longer matches.
    {
        std::string bytes;
        {
            std::ifstream in(path("ok.tessera-model"), std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 0x5A);
        std::ofstream(path("flipped.tessera-model"), std::ios::binary) << bytes;
        refused("flipped.tessera-model", "damaged");
    }
    // A manifest padded to 2 MiB (it deflates to a few KiB).
    std::string padded = manifest;
    padded.insert(padded.size() - 1, std::string(2u << 20, ' '));
    ASSERT_TRUE(writeZipFile(path("bigmanifest.tessera-model"),
                             {{"manifest.json", padded}, {"model.safetensors", weights, false}}).ok());
    refused("bigmanifest.tessera-model", "claims");
    // A weights entry larger than any resnet18 with two classes can be.
    const std::string huge(size_t(ModelBundle::kMaxManifestBytes) * 100, '\0');
    ASSERT_TRUE(writeZipFile(path("bigweights.tessera-model"),
                             {{"manifest.json", manifest}, {"model.safetensors", huge}}).ok());
    refused("bigweights.tessera-model", "claims");
    // Two classes of one name.
    BundleManifest twins = manifestFor(2);
    twins.classNames = {"amphora", "amphora"};
    ASSERT_TRUE(writeZipFile(path("twins.tessera-model"),
                             {{"manifest.json", ModelBundle::manifestToJson(twins)}, {"model.safetensors", weights, false}})
                    .ok());
    refused("twins.tessera-model", "listed twice");
    // NaN weights.
    {
        torch::NoGradGuard noGrad;
        model->named_parameters()["layer1.0.bn1.weight"].fill_(std::numeric_limits<float>::quiet_NaN());
    }
    ASSERT_TRUE(ModelBundleIO::save(path("nan.tessera-model"), model, manifestFor(2)).ok());
    refused("nan.tessera-model", "NaN");
}
