// PthWriter: a resnet18 state dict written from C++ must load into torchvision (strict, also weights_only=True)
// with every tensor byte-identical, give the same logits as the C++ ResNet, have STORED 64-byte aligned records,
// and read back through Tessera's own TorchZipReader.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/nn/pthwriter.h"
#include "core/nn/statedict_torch.h"
#include "core/nn/resnet_torch.h"
#include "core/nn/weightloader_torch.h"
#include "core/nn/safetensors_torch.h"
#include "core/nn/torchzipreader_torch.h"

namespace fs = std::filesystem;
using namespace tessera::nn;

namespace {

constexpr int64_t kClasses = 5;

// A resnet18 with every parameter and buffer random, BN running statistics included, so that a forward pass in eval
// mode depends on all of them.
ResNet randomResNet18() {
    at::manual_seed(20240601);
    ResNet model(Architecture::ResNet18, kClasses);
    torch::NoGradGuard noGrad;
    for (auto& p : model->named_parameters(true)) p.value().uniform_(-0.1, 0.1);
    for (auto& b : model->named_buffers(true)) {
        if (b.key().find("running_var") != std::string::npos)
            b.value().uniform_(0.5, 1.5);
        else if (b.key().find("running_mean") != std::string::npos)
            b.value().uniform_(-0.2, 0.2);
        else
            b.value().fill_(7);  // num_batches_tracked
    }
    for (auto& p : model->named_parameters(true))
        if (p.key().find("bn") != std::string::npos && p.key().find(".weight") != std::string::npos)
            p.value().uniform_(0.5, 1.5);
    model->eval();
    return model;
}

// The same deterministic input on both sides: sin(0.01 i), shape (2, 3, 64, 64).
at::Tensor fixedInput() { return at::sin(0.01 * at::arange(2 * 3 * 64 * 64, at::kFloat)).reshape({2, 3, 64, 64}); }

const char* kCheckScript = R"PY(
import struct, sys, zipfile, torch, torchvision
pth, k, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sd = torch.load(pth, map_location="cpu", weights_only=True)
model = torchvision.models.resnet18(num_classes=k)
model.load_state_dict(sd, strict=True)
model.eval()
ref = model.state_dict()
with open(out_dir + "/names.txt", "w") as names, open(out_dir + "/tensors.bin", "wb") as blob:
    for key, t in ref.items():
        names.write("%s %s %s\n" % (key, str(t.dtype), "x".join(str(s) for s in t.shape) or "scalar"))
        blob.write(t.contiguous().numpy().tobytes())
x = torch.sin(0.01 * torch.arange(2 * 3 * 64 * 64, dtype=torch.float32)).reshape(2, 3, 64, 64)
with torch.no_grad():
    logits = model(x)
open(out_dir + "/logits.bin", "wb").write(logits.contiguous().numpy().tobytes())
# Container layout: every record STORED, its data 64-byte aligned, all under one folder, version "3".
with zipfile.ZipFile(pth) as z, open(pth, "rb") as raw:
    for info in z.infolist():
        assert info.compress_type == zipfile.ZIP_STORED, info.filename
        raw.seek(info.header_offset + 26)
        name_len, extra_len = struct.unpack("<HH", raw.read(4))
        offset = info.header_offset + 30 + name_len + extra_len
        assert offset % 64 == 0, (info.filename, offset)
        assert info.filename.startswith("archive/"), info.filename
    assert z.read("archive/version") == b"3\n"
print("ok", len(ref))
)PY";

class PthWriterTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        dir_ = fs::temp_directory_path() / ("tessera_pth_" + std::to_string(getpid()) + "_" + std::to_string(stamp));
        fs::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path dir_;
};

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST_F(PthWriterTest, TorchvisionLoadsItExactly) {
    ResNet model = randomResNet18();
    const StateDict sd = WeightLoader::stateDict(*model);
    ASSERT_EQ(sd.size(), 122u);  // torchvision resnet18: 62 parameters + 60 BN buffers
    const fs::path pth = dir_ / "resnet18-test.pth";
    auto st = PthWriter::writeFile(sd, pth.string());
    ASSERT_TRUE(st.ok()) << st.error();

    std::ofstream(dir_ / "check.py") << kCheckScript;
    const std::string cmd = std::string(TESSERA_PYTHON) + " " + (dir_ / "check.py").string() + " " + pth.string() +
                            " " + std::to_string(kClasses) + " " + dir_.string() + " > " +
                            (dir_ / "py.log").string() + " 2>&1";
    const int rc = std::system(cmd.c_str());
    ASSERT_EQ(rc, 0) << readAll(dir_ / "py.log");

    // Every tensor torchvision ended up with is byte-identical to ours.
    std::ifstream names(dir_ / "names.txt");
    const std::string blob = readAll(dir_ / "tensors.bin");
    size_t offset = 0, count = 0;
    std::string key, dtype, shape;
    while (names >> key >> dtype >> shape) {
        const at::Tensor* mine = sd.find(key);
        ASSERT_NE(mine, nullptr) << "torchvision has " << key << " which we did not write";
        const size_t bytes = size_t(mine->numel() * mine->element_size());
        ASSERT_LE(offset + bytes, blob.size());
        EXPECT_EQ(std::memcmp(blob.data() + offset, mine->contiguous().data_ptr(), bytes), 0) << key;
        offset += bytes;
        ++count;
    }
    EXPECT_EQ(count, sd.size());
    EXPECT_EQ(offset, blob.size());

    // Same logits as the C++ ResNet on the same input.
    const std::string raw = readAll(dir_ / "logits.bin");
    ASSERT_EQ(raw.size(), size_t(2 * kClasses * sizeof(float)));
    const at::Tensor py = at::from_blob(const_cast<char*>(raw.data()), {2, kClasses}, at::kFloat).clone();
    torch::NoGradGuard noGrad;
    const at::Tensor ours = model->forward(fixedInput());
    const double scale = ours.abs().max().item<double>();
    EXPECT_LE((ours - py).abs().max().item<double>(), 1e-5 * std::max(scale, 1.0)) << ours << py;
}

TEST_F(PthWriterTest, ReadsBackThroughTorchZipReader) {
    StateDict sd;
    at::manual_seed(3);
    sd.add("a.weight", at::randn({4, 3, 3, 3}));
    sd.add("a.bias", at::randn({4}).to(at::kDouble));
    sd.add("bn.num_batches_tracked", at::scalar_tensor(int64_t(123456789012), at::kLong));
    sd.add("mask", at::rand({2, 70000}) > 0.5);  // large dim: BININT encodings
    sd.add("t", at::randn({3, 5}).t());         // non-contiguous: written contiguous
    const fs::path pth = dir_ / "mixed.pth";
    auto st = PthWriter::writeFile(sd, pth.string());
    ASSERT_TRUE(st.ok()) << st.error();
    auto back = TorchZipReader::readFile(pth.string());
    ASSERT_TRUE(back.ok()) << back.error();
    ASSERT_EQ(back->size(), sd.size());
    for (size_t i = 0; i < sd.size(); ++i) {
        EXPECT_EQ(back->entries[i].first, sd.entries[i].first);
        EXPECT_EQ(back->entries[i].second.scalar_type(), sd.entries[i].second.scalar_type());
        EXPECT_TRUE(at::equal(back->entries[i].second, sd.entries[i].second)) << sd.entries[i].first;
    }
}

TEST_F(PthWriterTest, ConvertsSafetensorsToPth) {
    torch::manual_seed(9);
    ResNet model(Architecture::ResNet18, 3);
    const StateDict sd = WeightLoader::stateDict(*model);
    const fs::path st = dir_ / "w.safetensors";
    ASSERT_TRUE(Safetensors::writeFile(st.string(), sd).ok());
    const fs::path pth = dir_ / "w.pth";
    auto conv = PthWriter::convertFile(st.string(), pth.string());
    ASSERT_TRUE(conv.ok()) << conv.error();
    auto back = TorchZipReader::readFile(pth.string());
    ASSERT_TRUE(back.ok()) << back.error();
    ASSERT_EQ(back->size(), sd.size());
    for (const auto& [name, tensor] : sd.entries) {
        ASSERT_NE(back->find(name), nullptr) << name;
        EXPECT_TRUE(at::equal(*back->find(name), tensor)) << name;
    }

    auto bad = PthWriter::convertFile((dir_ / "missing.safetensors").string(), pth.string());
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().find("missing.safetensors"), std::string::npos) << bad.error();
}

// torchvision's load_state_dict refuses a tensor of another shape; so does the export, naming the tensor and the
// file, and it writes nothing. NaN weights likewise.
TEST_F(PthWriterTest, RefusesWeightsThatDoNotFitTheArchitecture) {
    torch::manual_seed(9);
    ResNet model(Architecture::ResNet18, 3);
    StateDict misshapen = WeightLoader::stateDict(*model);
    for (auto& [name, t] : misshapen.entries)
        if (name == "layer2.0.conv1.weight") t = at::zeros({4, 4, 3, 3});
    const fs::path st = dir_ / "misshapen.safetensors";
    ASSERT_TRUE(Safetensors::writeFile(st.string(), misshapen).ok());
    const fs::path pth = dir_ / "out.pth";
    auto conv = PthWriter::convertFile(st.string(), pth.string());
    ASSERT_FALSE(conv.ok());
    EXPECT_NE(conv.error().find("layer2.0.conv1.weight"), std::string::npos) << conv.error();
    EXPECT_NE(conv.error().find("misshapen.safetensors"), std::string::npos) << conv.error();
    EXPECT_FALSE(fs::exists(pth));

    StateDict poisoned = WeightLoader::stateDict(*model);
    for (auto& [name, t] : poisoned.entries)
        if (name == "layer3.1.bn2.weight") {
            t = t.clone();
            t[0].fill_(std::nan(""));
        }
    const fs::path nanFile = dir_ / "nan.safetensors";
    ASSERT_TRUE(Safetensors::writeFile(nanFile.string(), poisoned).ok());
    conv = PthWriter::convertFile(nanFile.string(), pth.string());
    ASSERT_FALSE(conv.ok());
    EXPECT_NE(conv.error().find("NaN"), std::string::npos) << conv.error();
    EXPECT_NE(conv.error().find("layer3.1.bn2.weight"), std::string::npos) << conv.error();
    EXPECT_FALSE(fs::exists(pth));
}

TEST_F(PthWriterTest, ErrorsNameFileAndTensor) {
    StateDict sd;
    sd.add("weird", at::zeros({2}, at::kComplexFloat));
    auto st = PthWriter::writeFile(sd, (dir_ / "x.pth").string());
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().find("weird"), std::string::npos) << st.error();
    EXPECT_NE(st.error().find("x.pth"), std::string::npos) << st.error();

    StateDict ok;
    ok.add("w", at::ones({2}));
    auto noDir = PthWriter::writeFile(ok, (dir_ / "missing" / "y.pth").string());
    ASSERT_FALSE(noDir.ok());
    EXPECT_NE(noDir.error().find("y.pth"), std::string::npos) << noDir.error();
}

}  // namespace
