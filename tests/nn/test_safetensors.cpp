// safetensors: parity of a Python-written file with torchvision, write/read round trip of every dtype, and the
// validation of hostile headers.
#include <gtest/gtest.h>

#include <cstring>

#include "core/nn/resnet_torch.h"
#include "core/nn/safetensors_torch.h"
#include "core/nn/weightloader_torch.h"
#include "nnfixtures.h"

using namespace tessera;
using namespace tessera::nn;
namespace fs = std::filesystem;

namespace {
std::string fileWithHeader(const std::string& json, size_t dataBytes) {
    std::string out(8, '\0');
    const uint64_t n = json.size();
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + json + std::string(dataBytes, '\x01');
}
std::string errorOf(const std::string& bytes) {
    auto r = Safetensors::readBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "hostile.safetensors");
    EXPECT_FALSE(r.ok()) << "accepted: " << bytes.substr(8, 120);
    return r.ok() ? std::string() : r.error();
}
}  // namespace

TEST(Safetensors, PythonWrittenResNet18MatchesTorchvision) {
    const auto dir = nntest::fixtureDir(nntest::kAllSets);
    ResNet model(Architecture::ResNet18, 1000);
    auto r = WeightLoader::loadFile(*model, (dir / "resnet18.safetensors").string());
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_TRUE(r->clean()) << r->summary();
    EXPECT_EQ(r->loaded, nntest::readLines(dir / "resnet18_keys.txt").size());
    model->eval();
    torch::NoGradGuard noGrad;
    const auto err = nntest::maxRelError(model->forward(nntest::readTensor(dir / "input.f32", {2, 3, 64, 64})),
                                         nntest::readTensor(dir / "resnet18_logits.f32", {2, 1000}));
    std::cout << "[ parity ] resnet18 from resnet18.safetensors: max relative error " << err << std::endl;
    EXPECT_LE(err, 1e-4);
    auto meta = Safetensors::readMetadata((dir / "resnet18.safetensors").string());
    ASSERT_TRUE(meta.ok()) << meta.error();
    EXPECT_EQ(meta->at("arch"), "resnet18");
}

TEST(Safetensors, RoundTripsEveryDtypeInOrderWithMetadata) {
    StateDict sd;
    sd.add("z.f32", torch::randn({3, 4}));
    sd.add("a.f16", torch::randn({5}).to(at::kHalf));
    sd.add("m.bf16", torch::randn({2, 2}).to(at::kBFloat16));
    sd.add("f64", torch::randn({2}, torch::kDouble));
    sd.add("i64", torch::tensor({int64_t(1) << 40, int64_t(-3)}));
    sd.add("i32", torch::tensor({7, -8}, torch::kInt));
    sd.add("u8", torch::tensor({0, 255}, torch::kByte));
    sd.add("bool", torch::tensor({true, false, true}));
    sd.add("scalar", torch::tensor(2.5f));
    sd.add("empty", torch::zeros({0, 3}));
    sd.add("strided", torch::arange(12, torch::kFloat).reshape({3, 4}).t());
    const fs::path path = fs::temp_directory_path() / ("tessera-st-" + std::to_string(getpid()) + ".safetensors");
    ASSERT_TRUE(Safetensors::writeFile(path.string(), sd, {{"format", "pt"}, {"note", "x"}}).ok());
    auto back = Safetensors::readFile(path.string());
    ASSERT_TRUE(back.ok()) << back.error();
    ASSERT_EQ(back->size(), sd.size());
    for (size_t i = 0; i < sd.size(); ++i) {
        EXPECT_EQ(back->entries[i].first, sd.entries[i].first);
        EXPECT_EQ(back->entries[i].second.scalar_type(), sd.entries[i].second.scalar_type());
        EXPECT_TRUE(back->entries[i].second.equal(sd.entries[i].second)) << sd.entries[i].first;
    }
    auto meta = Safetensors::readMetadata(path.string());
    ASSERT_TRUE(meta.ok());
    EXPECT_EQ(meta->at("note"), "x");
    fs::remove(path);
}

TEST(Safetensors, RefusesHostileHeaders) {
    EXPECT_NE(errorOf(std::string("\x05\x00", 2)).find("shorter"), std::string::npos);
    std::string huge(8, '\xff');
    EXPECT_NE(errorOf(huge + "{}").find("not sane"), std::string::npos);
    EXPECT_NE(errorOf(fileWithHeader("{}", 0).substr(0, 8) + "{").find("runs past"), std::string::npos);
    EXPECT_NE(errorOf(fileWithHeader("[1,2]", 0)).find("not a JSON object"), std::string::npos);
    EXPECT_NE(errorOf(fileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", 8))
                  .find("outside"), std::string::npos);
    EXPECT_NE(errorOf(fileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", 16))
                  .find("need"), std::string::npos);
    EXPECT_NE(errorOf(fileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                     "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 16))
                  .find("overlap"), std::string::npos);
    EXPECT_NE(errorOf(fileWithHeader("{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8))
                  .find("unsupported dtype"), std::string::npos);
    EXPECT_NE(errorOf(fileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8))
                  .find("negative"), std::string::npos);
    EXPECT_NE(errorOf(fileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
                                     "\"data_offsets\":[0,8]}}", 8)).find("overflow"), std::string::npos);
    EXPECT_NE(errorOf(fileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8))
                  .find("outside"), std::string::npos);
    EXPECT_NE(errorOf(fileWithHeader("{\"a\":{\"dtype\":\"F32\"}}", 8)).find("needs dtype"), std::string::npos);
    auto missing = Safetensors::readFile("/nonexistent/w.safetensors");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().find("/nonexistent/w.safetensors"), std::string::npos);
}

TEST(Safetensors, IgnoresMetadataAndAcceptsEmptyFile) {
    auto r = Safetensors::readBytes(reinterpret_cast<const uint8_t*>(fileWithHeader("{\"__metadata__\":{\"k\":\"v\"}}", 0).data()),
                                    fileWithHeader("{\"__metadata__\":{\"k\":\"v\"}}", 0).size());
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->size(), 0u);
}
