// PyTorch zip checkpoints: parity of logits with torchvision for tensors and Parameters, 1.13 and newer layouts;
// refusal of hostile pickles; clear errors for broken files.
#include <gtest/gtest.h>

#include <cstring>

#include "core/nn/resnet_torch.h"
#include "core/nn/torchzipreader_torch.h"
#include "core/nn/weightloader_torch.h"
#include "core/nn/ziparchive.h"
#include "nnfixtures.h"

using namespace tessera;
using namespace tessera::nn;
namespace fs = std::filesystem;

namespace {

const char* kSets = nntest::kAllSets;

double parity(const std::string& arch, const std::string& file) {
    const fs::path dir = nntest::fixtureDir(kSets);
    auto weights = TorchZipReader::readFile((dir / file).string());
    EXPECT_TRUE(weights.ok()) << weights.error();
    if (!weights.ok()) return 1.0;
    ResNet model(parseArchitecture(arch).value(), 1000);
    auto report = WeightLoader::load(*model, *weights, file);
    EXPECT_TRUE(report.ok()) << report.error();
    if (!report.ok()) return 1.0;
    EXPECT_TRUE(report->clean()) << report->summary();
    EXPECT_FALSE(report->headSkipped);
    EXPECT_EQ(report->loaded, nntest::readLines(dir / (arch + "_keys.txt")).size());
    model->eval();
    torch::NoGradGuard noGrad;
    const auto x = nntest::readTensor(dir / "input.f32", {2, 3, 64, 64});
    const auto expected = nntest::readTensor(dir / (arch + "_logits.f32"), {2, 1000});
    const auto logits = model->forward(x);
    const double err = nntest::maxRelError(logits, expected);
    std::cout << "[ parity ] " << arch << " from " << file << ": max relative error " << err << std::endl;
    return err;
}

std::string errorOf(const std::string& file) {
    const fs::path dir = nntest::fixtureDir(kSets);
    auto r = TorchZipReader::readFile((dir / file).string());
    EXPECT_FALSE(r.ok()) << file << " was accepted";
    return r.ok() ? std::string() : r.error();
}

}  // namespace

TEST(TorchZipReader, ResNet18TensorsMatchTorchvision) { EXPECT_LE(parity("resnet18", "resnet18.pth"), 1e-4); }
TEST(TorchZipReader, ResNet34TensorsMatchTorchvision) { EXPECT_LE(parity("resnet34", "resnet34.pth"), 1e-4); }
TEST(TorchZipReader, ResNet50TensorsMatchTorchvision) { EXPECT_LE(parity("resnet50", "resnet50.pth"), 1e-4); }
TEST(TorchZipReader, ResNet18ParametersMatchTorchvision) { EXPECT_LE(parity("resnet18", "resnet18_params.pth"), 1e-4); }
TEST(TorchZipReader, ResNet50ParametersMatchTorchvision) { EXPECT_LE(parity("resnet50", "resnet50_params.pth"), 1e-4); }
TEST(TorchZipReader, NewerTorchLayoutMatches) { EXPECT_LE(parity("resnet18", "resnet18_newformat.pth"), 1e-4); }
TEST(TorchZipReader, Torch113LayoutMatches) { EXPECT_LE(parity("resnet18", "resnet18_legacyformat.pth"), 1e-4); }

TEST(TorchZipReader, KeepsFileOrderDtypesAndBatchCounters) {
    const fs::path dir = nntest::fixtureDir(kSets);
    auto sd = TorchZipReader::readFile((dir / "resnet18.pth").string());
    ASSERT_TRUE(sd.ok()) << sd.error();
    const auto keys = nntest::readLines(dir / "resnet18_keys.txt");
    ASSERT_EQ(sd->size(), keys.size());
    for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(sd->entries[i].first, keys[i]);
    const at::Tensor* nbt = sd->find("bn1.num_batches_tracked");
    ASSERT_NE(nbt, nullptr);
    EXPECT_EQ(nbt->scalar_type(), at::kLong);
    EXPECT_EQ(nbt->item<int64_t>(), 7);
    EXPECT_EQ(sd->find("conv1.weight")->sizes(), (std::vector<int64_t>{64, 3, 7, 7}));
}

TEST(TorchZipReader, HandAssembledCheckpointReadsValues) {
    const fs::path dir = nntest::fixtureDir(kSets);
    auto sd = TorchZipReader::readFile((dir / "ok_small.pth").string());
    ASSERT_TRUE(sd.ok()) << sd.error();
    ASSERT_EQ(sd->size(), 1u);
    EXPECT_TRUE(sd->find("w")->equal(torch::arange(16, torch::kFloat).reshape({4, 4})));
}

TEST(TorchZipReader, RefusesOsSystemAndRunsNothing) {
    fs::remove(nntest::markerPath());
    const std::string err = errorOf("evil_os_system.pth");
    EXPECT_NE(err.find("refusing global 'os.system'"), std::string::npos) << err;
    EXPECT_NE(err.find("evil_os_system.pth"), std::string::npos) << err;
    EXPECT_NE(err.find("only tensors are allowed"), std::string::npos) << err;
    EXPECT_FALSE(fs::exists(nntest::markerPath()));
}

TEST(TorchZipReader, RefusesBuiltinsEval) {
    fs::remove(nntest::markerPath());
    const std::string err = errorOf("evil_eval.pth");
    EXPECT_NE(err.find("refusing global 'builtins.eval'"), std::string::npos) << err;
    EXPECT_FALSE(fs::exists(nntest::markerPath()));
}

TEST(TorchZipReader, RefusesPickledReduceOfPythonObject) {
    fs::remove(nntest::markerPath());
    const std::string err = errorOf("evil_reduce.pth");  // pickle.dumps emits os.system as posix.system
    EXPECT_NE(err.find("refusing global 'posix.system'"), std::string::npos) << err;
    EXPECT_FALSE(fs::exists(nntest::markerPath()));
}

TEST(TorchZipReader, TruncatedZipIsAClearError) {
    const std::string err = errorOf("truncated.pth");
    EXPECT_NE(err.find("truncated.pth"), std::string::npos) << err;
    EXPECT_NE(err.find("zip"), std::string::npos) << err;
}

TEST(TorchZipReader, StorageShorterThanTensorClaims) {
    const std::string err = errorOf("short_storage.pth");
    EXPECT_NE(err.find("storage shorter than tensor claims"), std::string::npos) << err;
    EXPECT_NE(err.find("'w'"), std::string::npos) << err;
    const std::string view = errorOf("view_past_storage.pth");
    EXPECT_NE(view.find("storage shorter than tensor claims"), std::string::npos) << view;
}

TEST(TorchZipReader, AbsurdSizesAreRefused) {
    EXPECT_NE(errorOf("absurd_sizes.pth").find("absurd"), std::string::npos) << errorOf("absurd_sizes.pth");
    EXPECT_NE(errorOf("negative_size.pth").find("negative"), std::string::npos) << errorOf("negative_size.pth");
    EXPECT_NE(errorOf("absurd_numel.pth").find("absurd"), std::string::npos) << errorOf("absurd_numel.pth");
}

TEST(TorchZipReader, GarbageBytesAreAClearError) {
    std::mt19937 rng(42);
    std::vector<uint8_t> junk(4096);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    auto r = TorchZipReader::readBytes(junk.data(), junk.size(), "junk.pth");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("junk.pth"), std::string::npos) << r.error();
    auto empty = TorchZipReader::readBytes(nullptr, 0, "empty.pth");
    EXPECT_FALSE(empty.ok());
    const uint8_t legacy[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8};
    auto old = TorchZipReader::readBytes(legacy, sizeof legacy, "old.pth");
    ASSERT_FALSE(old.ok());
    EXPECT_NE(old.error().find("legacy"), std::string::npos) << old.error();
    auto missing = TorchZipReader::readFile("/nonexistent/weights.pth");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("/nonexistent/weights.pth"), std::string::npos);
}

TEST(TorchZipReader, ReadBytesMatchesReadFile) {
    const fs::path dir = nntest::fixtureDir(kSets);
    const std::string bytes = nntest::slurp(dir / "resnet18_params.pth");
    auto a = TorchZipReader::readBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "mem");
    auto b = TorchZipReader::readFile((dir / "resnet18_params.pth").string());
    ASSERT_TRUE(a.ok()) << a.error();
    ASSERT_TRUE(b.ok()) << b.error();
    ASSERT_EQ(a->size(), b->size());
    for (size_t i = 0; i < a->size(); ++i) EXPECT_TRUE(a->entries[i].second.equal(b->entries[i].second));
}

namespace {

// Pickle pieces for hand-made checkpoints (as tests/nn/make_fixtures.py writes them).
std::string pickleString(const std::string& text) {
    std::string out = "X";
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
    return out + text;
}
std::string pickleGlobal(const std::string& module, const std::string& name) {
    return "c" + module + "\n" + name + "\n";
}
std::string pickleInt(uint16_t v) { return std::string("M") + static_cast<char>(v & 0xff) + static_cast<char>(v >> 8); }

// A checkpoint whose state dict names one tensor under `keys` keys (pickle's memo): a view of shape
// (expand, 16) with stride (0, 1), that is the 16-float storage repeated `expand` times.
std::string viewsOfOneStorage(int keys, uint16_t expand) {
    const std::string pid = "(" + pickleString("storage") + pickleGlobal("torch", "FloatStorage") + pickleString("0") +
                            pickleString("cpu") + pickleInt(16) + "tQ";
    const std::string args = "(" + pid + pickleInt(0) + "(" + pickleInt(expand) + pickleInt(16) + "t" + "(" +
                             pickleInt(0) + pickleInt(1) + "t" + "\x89" + pickleGlobal("collections", "OrderedDict") +
                             ")Rt";
    std::string pkl = "\x80\x02" + pickleGlobal("collections", "OrderedDict") + ")R(";
    for (int i = 0; i < keys; ++i) {
        pkl += pickleString("k" + std::to_string(i));
        pkl += i == 0 ? pickleGlobal("torch._utils", "_rebuild_tensor_v2") + args + "Rq\x01" : std::string("h\x01");
    }
    return pkl + "u.";
}

Expected<StateDict> readHandMade(const std::string& pkl) {
    std::string storage(16 * sizeof(float), '\0');
    for (int i = 0; i < 16; ++i) {
        const float f = static_cast<float>(i);
        std::memcpy(storage.data() + i * sizeof(float), &f, sizeof f);
    }
    const fs::path path = fs::temp_directory_path() / ("tessera-views-" + std::to_string(getpid()) + ".pth");
    EXPECT_TRUE(writeZipFile(path.string(), {{"views/data.pkl", pkl, false}, {"views/data/0", storage, true}}).ok());
    auto r = TorchZipReader::readFile(path.string());
    fs::remove(path);
    return r;
}

}  // namespace

// Found with fuzz_torchzip (out of memory on corpus/fuzz_torchzip/many-views-of-one-storage.pth): each tensor was
// held to 1024 times its storage, but a pickle may name the same tensor (or new views of one storage) under any
// number of keys, so a 1.3 KB file made the reader allocate 2.5 GB. The whole file is now held to the same factor.
TEST(TorchZipReader, ManyTensorsOverOneStorageAreRefused) {
    auto tied = readHandMade(viewsOfOneStorage(2, 4));  // shared storages (tied weights) still read
    ASSERT_TRUE(tied.ok()) << tied.error();
    ASSERT_EQ(tied->size(), 2u);
    EXPECT_TRUE(tied->find("k1")->equal(torch::arange(16, torch::kFloat).expand({4, 16})));
    auto one = readHandMade(viewsOfOneStorage(1, 1024));  // one tensor up to 1024 times its storage, as before
    ASSERT_TRUE(one.ok()) << one.error();
    EXPECT_EQ(one->find("k0")->sizes(), (std::vector<int64_t>{1024, 16}));

    auto many = readHandMade(viewsOfOneStorage(2000, 1024));
    ASSERT_FALSE(many.ok()) << "2000 views of 1024 x a 64-byte storage were built";
    EXPECT_NE(many.error().find("absurd size"), std::string::npos) << many.error();
    EXPECT_NE(many.error().find("'k1'"), std::string::npos) << many.error();  // the first tensor past the limit
}
